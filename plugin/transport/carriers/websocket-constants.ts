/**
 * The WebSocket numbers the carriers share with UTP's native WebSocket layer (spec §6.2). The frame codec itself
 * is `ws`'s job on Node and the browser's elsewhere; test/support/websocket-frame.ts keeps an independent codec as
 * the tests' oracle for the bytes UTP puts on the wire.
 */

/** Close status codes UTP uses (spec §6.2.6). */
export const WebSocketCloseCode = {
  /** 1000: a normal close. */
  Normal: 1000,
  /** 1002: the peer broke the WebSocket protocol. */
  ProtocolError: 1002,
  /** 1003: a message of a type the endpoint does not take (UTP takes binary only). */
  UnsupportedData: 1003,
  /** 1009: a message too large to receive. */
  MessageTooBig: 1009,
  /** 1011: the endpoint failed internally. */
  InternalError: 1011,
  /** utp-ts only: a socket that stayed silent after its upgrade (`silentSocketTimeoutMS`). */
  PolicyViolation: 1008,
} as const;
export type WebSocketCloseCode = (typeof WebSocketCloseCode)[keyof typeof WebSocketCloseCode];

/** Bytes UTP reserves in front of every packet for the frame header: 2 + 8 (u64 length) + 4 (mask), §2.1 row 6'. */
export const WEBSOCKET_HEADER_RESERVE = 14;

/** Largest frame/message payload a UTP peer receives: `maxMessageSize − 14` (1386 at default, §6.2.5). */
export function maxWebSocketPayload(maxMessageSize = 1400): number {
  return maxMessageSize - WEBSOCKET_HEADER_RESERVE;
}

/** UTP's refusal of an upgrade request for another path (§6.2.2). */
export const UPGRADE_NOT_FOUND = 'HTTP/1.1 404 Not Found\r\n\r\n';

/** utp-ts's refusal of an upgrade beyond `maxSockets` / `maxSocketsPerAddress`. */
export const UPGRADE_FULL = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n';
