/**
 * Unity Relay, client side (`utp-ts/relay`): the wire codec, RelayServerData and the Relay network interface.
 * Browser-safe: no Node built-in is imported (HMAC via node:crypto when present, else WebCrypto).
 * The self-hostable relay server and allocation API are in `./node.ts` (`utp-ts/relay/node`).
 *
 * @module utp-ts/relay
 */
export { RelayLayer } from './client/relay-layer.ts';
export type { RelayLayerOptions, RelayStatistics } from './client/relay-layer.ts';
export { RelayWebSocketInterface } from './client/websocket.ts';
export type { RelayWebSocketInterfaceOptions } from './client/websocket.ts';
export { RelayWebRtcInterface, relaySignalUrl } from './client/webrtc.ts';
export type { RelayWebRtcInterfaceOptions } from './client/webrtc.ts';
export { RelayServerData, relayEndpoint, fromBase64, toBase64, uuidBytes, bytesToUuid } from './client/server-data.ts';
export type { RelayConnectionType, RelayAllocationJson, RelayServerEndpointJson, RelayServerDataInit } from './client/server-data.ts';
export { RelayConnectionStatus, relayConnectionStatusName } from './client/connection-status.ts';
export { withRelayParameters, getRelayParameters, createRelayDriver, relayCarrierFor } from './client/parameters.ts';
export type { RelayParameters } from './client/parameters.ts';
export { createBind, defaultHmacSha256, nodeHmacSha256, webCryptoHmacSha256 } from './wire/hmac.ts';
export type { HmacSha256 } from './wire/hmac.ts';
export { RelayMessageType, RelayErrorCode, relayErrorName } from './wire/messages.ts';
/** The Relay wire codec (UTP's `RelayMessageHeader` and messages, spec §7). */
export * as relayWire from './wire/messages.ts';
