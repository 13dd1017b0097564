/**
 * Node-only entry (`utp-ts/transport/node`): everything of the transport, plus the carriers that need Node
 * built-ins or the `ws` package at import time. Browser bundles use `./index.ts` and never see `ws`.
 *
 * @module utp-ts/transport/node
 */
export * from './index.ts';
export { WebSocketServerInterface } from './carriers/websocket-server.ts';
export type { WebSocketServerInterfaceOptions, WebSocketServerStatistics } from './carriers/websocket-server.ts';
export { DtlsNetworkInterface } from './carriers/dtls.ts';
export type { DtlsNetworkInterfaceOptions } from './carriers/dtls.ts';
export { WebRtcServerInterface } from './carriers/webrtc-server.ts';
export type { WebRtcServerInterfaceOptions, WebRtcServerStats } from './carriers/webrtc-server.ts';
