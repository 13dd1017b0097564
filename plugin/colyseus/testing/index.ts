/**
 * `utp-ts/colyseus/testing`: aids for tests and benchmarks of Colyseus apps on utp-ts (Node only).
 *
 * ```ts
 * import { startColyseusServer } from 'utp-ts/colyseus/testing';
 * const server = await startColyseusServer({ transport: new UtpTransport(), rooms: { battle: BattleRoom } });
 * const room = await new UtpSDK(server.endpoint).joinOrCreate('battle');
 * ```
 *
 * @module utp-ts/colyseus/testing
 */
export { startColyseusServer, listeningPort } from './harness.ts';
export type { StartedColyseusServer } from './harness.ts';
export { GatedInterface } from '../server/gated-interface.ts';
export { freePort } from './free-port.ts';
export { RedisServer, redisServerMissing } from './redis-server.ts';
