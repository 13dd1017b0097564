// Unity Relay, client side (`utp-ts/relay`): the wire codec, RelayServerData and the Relay network interface.
// Browser-safe: no Node built-in is imported (HMAC via node:crypto when present, else WebCrypto).
// The self-hostable relay server and allocation API are in `./node.ts` (`utp-ts/relay/node`).
export { RelayNetworkInterface } from './relay-interface.ts';
export type { RelayNetworkInterfaceOptions, RelayStatistics } from './relay-interface.ts';
export { RelayWebSocketInterface } from './relay-websocket.ts';
export type { RelayWebSocketInterfaceOptions } from './relay-websocket.ts';
export { RelayServerData, relayEndpoint, fromBase64, toBase64, uuidBytes, bytesToUuid } from './relay-server-data.ts';
export type { RelayConnectionType, RelayAllocationJson, RelayServerEndpointJson, RelayServerDataInit } from './relay-server-data.ts';
export { RelayConnectionStatus, relayConnectionStatusName } from './relay-connection-status.ts';
export { withRelayParameters, getRelayParameters, createRelayDriver } from './relay-driver.ts';
export type { RelayParameters } from './relay-driver.ts';
export { createBind, defaultHmacSha256, nodeHmacSha256, webCryptoHmacSha256 } from './relay-hmac.ts';
export type { HmacSha256 } from './relay-hmac.ts';
export { RelayMessageType, RelayErrorCode, relayErrorName } from './relay-messages.ts';
export * as relayWire from './relay-messages.ts';
