/**
 * UTP's public numeric codes (spec §3.9, §8.2, §8.3). Values are part of the API contract: they equal
 * Unity Transport's, so a Unity developer can read our logs and our return values unchanged.
 *
 * These are `const` objects rather than TypeScript enums so the sources run under Node's type stripping.
 */

/** Mirrors `Unity.Networking.Transport.Error.StatusCode` (spec §8.2). Negative values are failures. */
export const StatusCode = {
  /** 0: the call succeeded. */
  Success: 0,
  /** -1: the connection handle names no connection of this driver (UTP: invalid connection id). */
  NetworkIdMismatch: -1,
  /** -2: the connection handle is stale: its connection was closed (and its slot reused) since the handle was taken. */
  NetworkVersionMismatch: -2,
  /** -3: the connection is not Connected (still connecting, disconnecting or closed), so nothing can be sent on it. */
  NetworkStateMismatch: -3,
  /** -4: the message is larger than the pipeline carries: one datagram, or the fragmentation stage's `payloadCapacity`. */
  NetworkPacketOverflow: -4,
  /** -5: no room to send now (the reliable window or the stage's send queue is full); send again after an update. */
  NetworkSendQueueFull: -5,
  /** -6: obsolete in UTP; utp-ts never returns it. */
  NetworkHeaderInvalid: -6,
  /** -7: in UTP, one connection used from two jobs at once; utp-ts has no jobs and never returns it. */
  NetworkDriverParallelForErr: -7,
  /** -8: `endSend`/`abortSend` got a writer `beginSend` did not return (the code of the `UtpError` thrown). */
  NetworkSendHandleInvalid: -8,
  /** -9: obsolete in UTP; utp-ts never returns it. */
  NetworkArgumentMismatch: -9,
  /** -10: datagrams were dropped because the receive queue was full (`receiveQueueCapacity`); reported by `driver.receiveErrorCode`. */
  NetworkReceiveQueueFull: -10,
  /** -11: the carrier's socket failed; reported by `driver.receiveErrorCode`, the error itself in `driver.lastError`. */
  NetworkSocketError: -11,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Mirrors `Unity.Networking.Transport.Error.DisconnectReason` (spec §3.9). Never on the wire. */
export const DisconnectReason = {
  /** Local `disconnect()`; never surfaced as an event. */
  Default: 0,
  /** 1: nothing was received for `disconnectTimeoutMS` (or a DTLS handshake did not finish in time). */
  Timeout: 1,
  /** 2: `maxConnectAttempts` connection requests went unanswered, or the WebSocket/WebRTC carrier could not connect. */
  MaxConnectionAttempts: 2,
  /** 3: the peer sent a Disconnect, its socket or data channel closed, or the Relay server rejected the join. */
  ClosedByRemote: 3,
  /** 6: the DTLS handshake failed (certificate, name or key refused). UTP 2.1+. */
  AuthenticationFailure: 6,
  /** 7: the peer broke the protocol (WebSocket violations), or a Relay DISCONNECT closed the link. UTP 2.1+. */
  ProtocolError: 7,
  /** 9: in UTP 2.4+, a host name that did not resolve; utp-ts connects to addresses and never produces it. */
  HostNotFound: 9,
} as const;
export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Mirrors `NetworkEvent.Type` (spec §8.3). */
export const NetworkEventType = {
  /** 0: no event: the queue is empty. */
  Empty: 0,
  /** 1: a message arrived; its bytes are in the event's reader. */
  Data: 1,
  /** 2: a connection is established (client side; a server learns of its connections from `accept`). */
  Connect: 2,
  /** 3: a connection closed; the reader's one byte is its `DisconnectReason`. */
  Disconnect: 3,
} as const;
export type NetworkEventType = (typeof NetworkEventType)[keyof typeof NetworkEventType];

/** Mirrors `NetworkConnection.State` (spec §8.3). `Disconnecting` is internal and reported as `Disconnected`. */
export const ConnectionState = {
  /** 0: no connection (never opened, closed, or an unknown handle). */
  Disconnected: 0,
  /** 1: closing; internal, reported as `Disconnected`. */
  Disconnecting: 1,
  /** 2: connection requests are being sent; no accept yet. */
  Connecting: 2,
  /** 3: established: messages can be sent. */
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
