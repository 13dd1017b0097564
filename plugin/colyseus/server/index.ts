// `utp-ts/colyseus/server`: Colyseus 0.18 server transport over Unity Transport (Node only).
//
//   import { Server } from '@colyseus/core';
//   import { UtpTransport } from 'utp-ts/colyseus/server';
//   const server = new Server({ transport: new UtpTransport() });
//   server.define('battle', BattleRoom);
//   await server.listen(2567);   // HTTP matchmaking + UTP/UDP + UTP/WebSocket (/utp), one port number
export { UtpTransport, defaultServerSettings } from './transport.ts';
export type { UtpTransportOptions, UtpTransportStats } from './transport.ts';
export { UtpClient, ReadyState } from './client.ts';
export type { UtpClientLink } from './client.ts';
export { GatedInterface } from './gate.ts';
export { startColyseusServer, listeningPort } from './harness.ts';
export type { StartedColyseusServer } from './harness.ts';
export {
  CloseCodes, RELIABLE_PIPELINE, UNRELIABLE_PIPELINE, DEFAULT_RELIABLE_WINDOW, DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_SEND_QUEUE_LIMIT, DEFAULT_WEBSOCKET_PATH, CONTROL_FRAME, encodeCloseFrame, decodeCloseFrame,
} from '../protocol.ts';
export type { ColyseusPipelineOptions } from '../protocol.ts';
