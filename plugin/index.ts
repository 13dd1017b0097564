// utp-ts: Unity Transport 2.x in TypeScript. See README.md.
export * from './transport/index.ts';
