/**
 * UTP's public numeric codes (spec §3.9, §8.2, §8.3). Values are part of the API contract: they equal
 * Unity Transport's, so a Unity developer can read our logs and our return values unchanged.
 *
 * These are `const` objects rather than TypeScript enums so the sources run under Node's type stripping.
 */

/** Mirrors `Unity.Networking.Transport.Error.StatusCode` (spec §8.2). Negative values are failures. */
export const StatusCode = {
  Success: 0,
  NetworkIdMismatch: -1,
  NetworkVersionMismatch: -2,
  NetworkStateMismatch: -3,
  NetworkPacketOverflow: -4,
  NetworkSendQueueFull: -5,
  NetworkHeaderInvalid: -6,
  NetworkDriverParallelForErr: -7,
  NetworkSendHandleInvalid: -8,
  NetworkArgumentMismatch: -9,
  NetworkReceiveQueueFull: -10,
  NetworkSocketError: -11,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Mirrors `Unity.Networking.Transport.Error.DisconnectReason` (spec §3.9). Never on the wire. */
export const DisconnectReason = {
  /** Local `disconnect()`; never surfaced as an event. */
  Default: 0,
  Timeout: 1,
  MaxConnectionAttempts: 2,
  ClosedByRemote: 3,
  AuthenticationFailure: 6,
  ProtocolError: 7,
  HostNotFound: 9,
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Mirrors `NetworkEvent.Type` (spec §8.3). */
export const NetworkEventType = {
  Empty: 0,
  Data: 1,
  Connect: 2,
  Disconnect: 3,
} as const;
export type NetworkEventType = (typeof NetworkEventType)[keyof typeof NetworkEventType];

/** Mirrors `NetworkConnection.State` (spec §8.3). `Disconnecting` is internal and reported as `Disconnected`. */
export const ConnectionState = {
  Disconnected: 0,
  Disconnecting: 1,
  Connecting: 2,
  Connected: 3,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

const statusNames = new Map<number, string>(Object.entries(StatusCode).map(([k, v]) => [v, k]));
const reasonNames = new Map<number, string>(Object.entries(DisconnectReason).map(([k, v]) => [v, k]));

/** `statusCodeName(-5)` → `'NetworkSendQueueFull'`; unknown values print as their number. */
export function statusCodeName(code: number): string {
  return statusNames.get(code) ?? String(code);
}

/** `disconnectReasonName(1)` → `'Timeout'`. */
export function disconnectReasonName(reason: number): string {
  return reasonNames.get(reason) ?? String(reason);
}
