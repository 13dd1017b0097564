/**
 * `utp-ts/colyseus/server`: Colyseus 0.18 server transport over Unity Transport (Node only).
 * Test aids (a server on a free port, cutting one client off) are in `utp-ts/colyseus/testing`.
 *
 * ```ts
 * import { Server } from '@colyseus/core';
 * import { UtpTransport } from 'utp-ts/colyseus/server';
 * const server = new Server({ transport: new UtpTransport() });
 * server.define('battle', BattleRoom);
 * await server.listen(2567);   // HTTP matchmaking + UTP/UDP + UTP/WebSocket (/utp), one port number
 * ```
 *
 * @module utp-ts/colyseus/server
 */
export { UtpTransport, defaultServerSettings } from './transport.ts';
export type { UtpTransportOptions, UtpTransportStats } from './transport.ts';
export type { UtpTransportWebRtcOptions } from './webrtc.ts';
export { DEFAULT_MATCHMAKING_BODY_BYTES, DEFAULT_ROOM_BURST, DEFAULT_ROOMS_PER_SECOND } from './matchmaking-limits.ts';
export type { MatchmakingLimits } from './matchmaking-limits.ts';
export { UtpClient, ReadyState, isUtpClient } from './client.ts';
export { UPGRADE_REFUSAL_REASON } from './upgrade-refusal.ts';
export { clusterOptions, fewestRoomsFirst, pingRedis } from './cluster.ts';
export type { ClusterOptions, ClusterServerOptions } from './cluster.ts';
export { parsePublicAddress } from '../public-address.ts';
export type { PublicAddress } from '../public-address.ts';
export { CloseCodes, CONTROL_FRAME, encodeCloseFrame, decodeCloseFrame } from '../close-frame.ts';
export type { CloseFrame } from '../close-frame.ts';
export { DEFAULT_LINGER_MS } from '../close-handshake.ts';
export {
  RELIABLE_PIPELINE, UNRELIABLE_PIPELINE, DEFAULT_RELIABLE_WINDOW, DEFAULT_MAX_FRAME_SIZE, DEFAULT_SEND_QUEUE_LIMIT,
  DEFAULT_WEBSOCKET_PATH,
} from '../protocol.ts';
export type { ColyseusPipelineOptions } from '../protocol.ts';
