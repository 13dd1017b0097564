/**
 * utp-ts: Unity Transport 2.x in TypeScript. See README.md.
 *
 * @module utp-ts
 */
export * from './transport/index.ts';
