/**
 * Simple Connection Layer (SCL) packet codec — spec §3. Pure functions: bytes in, values out.
 * The state machine that uses them is `simple-connection-layer.ts`; per-connection state is `connection-list.ts`.
 *
 *   handshake : 55 54 50 01 | type u8 | token[8] | [len u16 LE | payload]     (§3.2)
 *   message   : type u8 | token[8] | body                                      (§3.4)
 */

/** The protocol version byte of every handshake: 1 in all of UTP 2.x (spec §3.1). */
export const SCL_PROTOCOL_VERSION = 1;
/** Handshake header: signature+version 4, type 1, token 8 (§3.2). */
export const HANDSHAKE_HEADER_SIZE = 13;
/** Message header: type 1, token 8 (§3.4). */
export const MESSAGE_HEADER_SIZE = 9;
/** Bytes of a connection token (spec §3.3). */
export const TOKEN_SIZE = 8;

/** `HandshakeType` (§3.2). */
export const HandshakeType = {
  /** 1: a client asks to connect (resent every `connectTimeoutMS`). */
  ConnectionRequest: 1,
  /** 2: the server accepts (one per request). */
  ConnectionAccept: 2,
} as const;
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

/** `MessageType` (§3.4). MtuCheck/MtuAck exist since 2.5. */
export const MessageType = {
  /** 1: a pipeline id byte and the pipeline's packet follow. */
  Data: 1,
  /** 2: the connection is closed by its sender. */
  Disconnect: 2,
  /** 3: keep-alive after `heartbeatTimeoutMS` without sending. */
  Heartbeat: 3,
  /** 4: a path-MTU probe (§3.8). */
  MtuCheck: 4,
  /** 5: the answer to a path-MTU probe (§3.8). */
  MtuAck: 5,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** What `classify` found (§3.1 discrimination order). */
export const PacketKind = {
  /** Too short or otherwise unusable: drop. */
  Invalid: 0,
  /** Starts with "UTP" but the version byte is not 1: drop silently (§3.2). */
  BadVersion: 1,
  /** A handshake packet (ConnectionRequest or ConnectionAccept, §3.2). */
  Handshake: 2,
  /** A message packet (Data, Disconnect, Heartbeat, MtuCheck or MtuAck, §3.4). */
  Message: 3,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/** Applies §3.1: handshake if ≥ 13 bytes and "UTP"; otherwise a message if ≥ 9 bytes. */
export function classify(b: Uint8Array, start: number, end: number): PacketKind {
  const n = end - start;
  if (n >= HANDSHAKE_HEADER_SIZE && b[start] === 0x55 && b[start + 1] === 0x54 && b[start + 2] === 0x50) {
    return b[start + 3] === SCL_PROTOCOL_VERSION ? PacketKind.Handshake : PacketKind.BadVersion;
  }
  return n >= MESSAGE_HEADER_SIZE ? PacketKind.Message : PacketKind.Invalid;
}

/** Token bytes 1..8 of a message, or 5..12 of a handshake, as two u32 halves (for lookups without allocation). */
export function tokenLow(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
/** The high u32 half of the token at `at` (see `tokenLow`). */
export function tokenHigh(b: Uint8Array, at: number): number {
  return tokenLow(b, at + 4);
}

/**
 * Where the optional handshake payload sits (§3.2): present only when more than 2 bytes follow the header
 * and the u16 LE length equals the remaining byte count exactly. Returns the payload's start offset, or
 * -1 when there is none or the length does not match (UTP then ignores the payload).
 */
export function handshakePayloadStart(b: Uint8Array, start: number, end: number): number {
  const rest = end - start - HANDSHAKE_HEADER_SIZE;
  if (rest <= 2) return -1;
  const at = start + HANDSHAKE_HEADER_SIZE;
  const len = b[at] | (b[at + 1] << 8);
  return len === rest - 2 ? at + 2 : -1;
}

/** Writes a handshake packet at `at`; returns its length. `payload` is omitted when empty or null. */
export function writeHandshake(
  b: Uint8Array, at: number, type: HandshakeType, token: Uint8Array, payload: Uint8Array | null,
): number {
  b[at] = 0x55; b[at + 1] = 0x54; b[at + 2] = 0x50; b[at + 3] = SCL_PROTOCOL_VERSION;
  b[at + 4] = type;
  b.set(token, at + 5);
  if (!payload || payload.length === 0) return HANDSHAKE_HEADER_SIZE;
  b[at + 13] = payload.length & 0xff;
  b[at + 14] = payload.length >>> 8;
  b.set(payload, at + 15);
  return HANDSHAKE_HEADER_SIZE + 2 + payload.length;
}

/** Writes `type | token` at `at`; returns 9. */
export function writeMessageHeader(b: Uint8Array, at: number, type: MessageType, token: Uint8Array): number {
  b[at] = type;
  b.set(token, at + 1);
  return MESSAGE_HEADER_SIZE;
}

/**
 * MtuCheck probe (§3.8): `04 | token | L u16 LE | L × 00`, where L = size − lowerPadding − 11, so the whole
 * datagram including lower layers is exactly `size` bytes. Returns the packet length.
 */
export function writeMtuCheck(b: Uint8Array, at: number, token: Uint8Array, size: number, lowerPadding: number): number {
  const l = size - lowerPadding - 2 - MESSAGE_HEADER_SIZE;
  writeMessageHeader(b, at, MessageType.MtuCheck, token);
  b[at + 9] = l & 0xff;
  b[at + 10] = l >>> 8;
  b.fill(0, at + 11, at + 11 + l);
  return 11 + l;
}

/** Reads L from an MtuCheck; -1 when the packet is too short to hold it. */
export function readMtuCheckLength(b: Uint8Array, start: number, end: number): number {
  return end - start < 11 ? -1 : b[start + 9] | (b[start + 10] << 8);
}

/**
 * MtuAck (§3.8): `05 | token | 02 00 | A u16 LE` with A = L + 9 + lowerPadding + 2, the probe size the
 * receiver reconstructs. Returns 13.
 */
export function writeMtuAck(b: Uint8Array, at: number, token: Uint8Array, size: number): number {
  writeMessageHeader(b, at, MessageType.MtuAck, token);
  b[at + 9] = 2; b[at + 10] = 0;
  b[at + 11] = size & 0xff;
  b[at + 12] = (size >>> 8) & 0xff;
  return 13;
}

/** Reads A from an MtuAck; -1 when malformed (body length must be 2). */
export function readMtuAckSize(b: Uint8Array, start: number, end: number): number {
  if (end - start < 13 || b[start + 9] !== 2 || b[start + 10] !== 0) return -1;
  return b[start + 11] | (b[start + 12] << 8);
}

/** Formats a token the way UTP logs it: the 8 wire bytes read as a little-endian u64 (§3.3). */
export function formatToken(token: Uint8Array): string {
  let s = '';
  for (let i = TOKEN_SIZE - 1; i >= 0; i--) s += token[i].toString(16).padStart(2, '0');
  return `0x${s.toUpperCase()}`;
}
