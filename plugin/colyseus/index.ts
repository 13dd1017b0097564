/**
 * `utp-ts/colyseus`: the Colyseus 0.18 SDK over Unity Transport (browser-safe: no Node built-in is imported
 * statically; UDP and DNS are loaded only when a Node client uses them).
 *
 * ```ts
 * import { UtpSDK } from 'utp-ts/colyseus';
 * const client = new UtpSDK('http://localhost:2567');   // instead of new Client('ws://localhost:2567')
 * const room = await client.joinOrCreate('battle');
 * ```
 *
 * @module utp-ts/colyseus
 */
export { UtpSDK, UtpRoom } from './client/sdk.ts';
export type { UtpSDKOptions } from './client/sdk.ts';
export { UtpClientTransport, defaultClientSettings, defaultCarrier } from './client/transport.ts';
export { seatEndpoints, tunnelUrl, signalUrl } from './client/seat-endpoints.ts';
export type { SeatEndpoints, SeatEndpointOptions } from './client/seat-endpoints.ts';
export type { UtpClientOptions, UtpClientTransportStats } from './client/transport.ts';
export { CloseCodes, CONTROL_FRAME, encodeCloseFrame, decodeCloseFrame } from './close-frame.ts';
export type { CloseFrame } from './close-frame.ts';
export { DEFAULT_LINGER_MS } from './close-handshake.ts';
export {
  RELIABLE_PIPELINE, UNRELIABLE_PIPELINE, DEFAULT_RELIABLE_WINDOW, DEFAULT_MAX_FRAME_SIZE, DEFAULT_SEND_QUEUE_LIMIT,
  DEFAULT_WEBSOCKET_PATH, createColyseusPipelines,
} from './protocol.ts';
export type { ColyseusPipelineOptions } from './protocol.ts';
