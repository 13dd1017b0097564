/**
 * Unity Relay wire messages (spec §7.1–7.2): a pure codec, bytes in and values out. Mirrors UTP's
 * `Runtime/Relay/Messages/*` structs. Readers never throw: a malformed message reads as `null` or -1, and
 * the caller drops and counts it (spec §10.1 item 16).
 */

/** Header signature u16 LE 0x72DA, i.e. bytes `DA 72` (spec §7.1, `RelayMessageHeader.cs:9,33`). */
export const RELAY_SIGNATURE_0 = 0xda;
/** Second byte of the header signature (`DA 72`). */
export const RELAY_SIGNATURE_1 = 0x72;
/** Header version byte (spec §7.1). */
export const RELAY_VERSION = 0;

/** Mirrors UTP's `RelayMessageType` (spec §7.1). Values 4, 5, 7 and 11 are not used by UTP. */
export const RelayMessageType = {
  /** BIND: a client claims its allocation with an HMAC-signed message (295 bytes). */
  Bind: 0,
  /** BIND_RECEIVED: the server bound the allocation to the sender. */
  BindReceived: 1,
  /** PING: keep-alive from a client (22 bytes). */
  Ping: 2,
  /** CONNECT_REQUEST: a joiner asks to reach the host named by its connection data (276 bytes). */
  ConnectRequest: 3,
  /** ACCEPTED: the joiner is linked to the host. */
  Accepted: 6,
  /** REJECTED: the join was refused (e.g. the host's allocation is full); handled since UTP 2.5.1. */
  Rejected: 8,
  /** DISCONNECT: a link between two allocations ends (36 bytes). */
  Disconnect: 9,
  /** RELAY: data between two linked allocations (40-byte header + payload). */
  Relay: 10,
  /** ERROR: a failure, with one of the `RelayErrorCode` codes (21 bytes). */
  Error: 12,
} as const;
export type RelayMessageType = (typeof RelayMessageType)[keyof typeof RelayMessageType];

/** Mirrors the codes of UTP's `RelayMessageError` (spec §7.2 ERROR). */
export const RelayErrorCode = {
  /** 0: the message's header version is not 0. */
  InvalidProtocolVersion: 0,
  /** 1: the allocation expired for inactivity; the client must get a new one (AllocationInvalid). */
  PlayerTimedOut: 1,
  /** 2: the BIND's HMAC does not match the allocation's key. */
  Unauthorized: 2,
  /** The allocation is bound to another client (e.g. the local IP changed): re-BIND with nonce + 1. */
  AllocationIdClientMismatch: 3,
  /** 4: the server knows no such allocation (AllocationInvalid). */
  AllocationIdNotFound: 4,
  /** 5: not connected: a RELAY to an allocation not linked to the sender, or a join to a host that is not bound. */
  NotConnected: 5,
  /** 6: a CONNECT_REQUEST names the sender's own allocation. */
  SelfConnectNotAllowed: 6,
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

const errorNames = new Map<number, string>(Object.entries(RelayErrorCode).map(([k, v]) => [v, k]));
/** `relayErrorName(3)` → `'AllocationIdClientMismatch'`; unknown codes print as their number. */
export function relayErrorName(code: number): string {
  return errorNames.get(code) ?? String(code);
}

// Sizes (spec §7.2 "Sizes", §7.1 table).
/** Bytes of every Relay message header: signature, version, type (spec §7.1). */
export const RELAY_HEADER_SIZE = 4;
/** Bytes of an allocation id (a UUID). */
export const ALLOCATION_ID_SIZE = 16;
/** Bytes of the connection data blob of an allocation. */
export const CONNECTION_DATA_SIZE = 255;
/** Bytes of an allocation key. */
export const HMAC_KEY_SIZE = 64;
/** Bytes of a BIND's HMAC-SHA256. */
export const HMAC_SIZE = 32;
/** Bytes of a BIND message (spec §7.2). */
export const BIND_SIZE = 295;
/** The HMAC covers bytes 0..262 of the BIND and sits right after them (spec §7.2, §10.1 item 21). */
export const BIND_SIGNED_SIZE = 263;
/** Bytes of a PING message (spec §7.2). */
export const PING_SIZE = 22;
/** Bytes of a CONNECT_REQUEST message (spec §7.2). */
export const CONNECT_REQUEST_SIZE = 276;
/** Bytes of an ACCEPTED message (spec §7.2). */
export const ACCEPTED_SIZE = 36;
/** Bytes of a DISCONNECT message (spec §7.2). */
export const DISCONNECT_SIZE = 36;
/** The RELAY header actually written: header 4 + from 16 + to 16 + length 2 (spec §7.2, TV-15 is 38 + 12 B). */
export const RELAY_DATA_HEADER_SIZE = 38;
/** What UTP's RelayLayer reserves in the header budget: 40, two more than it writes (spec §2.1 row 9, §2.4). */
export const RELAY_PACKET_PADDING = 40;
/** Bytes of an ERROR message (spec §7.2). */
export const ERROR_SIZE = 21;

/**
 * The message type of `buf[start, end)`, or -1 if it is not a Relay message: shorter than the header, wrong
 * signature or wrong version (spec §7.1, receivers drop these). -2 flags a right signature with a wrong
 * version, so a server can answer ERROR 0.
 */
export function relayMessageType(buf: Uint8Array, start: number, end: number): number {
  if (end - start < RELAY_HEADER_SIZE) return -1;
  if (buf[start] !== RELAY_SIGNATURE_0 || buf[start + 1] !== RELAY_SIGNATURE_1) return -1;
  if (buf[start + 2] !== RELAY_VERSION) return -2;
  return buf[start + 3];
}

/** Writes `DA 72 00 <type>` at `at`; returns the offset after it. */
export function writeRelayHeader(buf: Uint8Array, at: number, type: number): number {
  buf[at] = RELAY_SIGNATURE_0;
  buf[at + 1] = RELAY_SIGNATURE_1;
  buf[at + 2] = RELAY_VERSION;
  buf[at + 3] = type;
  return at + RELAY_HEADER_SIZE;
}

/** True if the 16 bytes at `buf[at]` equal `id`. */
export function sameAllocationId(buf: Uint8Array, at: number, id: Uint8Array): boolean {
  for (let i = 0; i < ALLOCATION_ID_SIZE; i++) if (buf[at + i] !== id[i]) return false;
  return true;
}

/** Connection data zero-padded to 255 bytes, as BIND and CONNECT_REQUEST carry it (`RelayConnectionData.cs:22-37`). */
export function padConnectionData(data: Uint8Array): Uint8Array {
  if (data.length > CONNECTION_DATA_SIZE) throw new RangeError(`Relay connection data is at most ${CONNECTION_DATA_SIZE} bytes, got ${data.length}`);
  const out = new Uint8Array(CONNECTION_DATA_SIZE);
  out.set(data);
  return out;
}

// ------------------------------------------------------------------ encoders

/**
 * BIND bytes 0..262, the HMAC input (spec §7.2): `DA 72 00 00 | acceptMode 00 | nonce u16 LE | FF |
 * connection data[255]`. `connectionData` is zero-padded when shorter.
 */
export function bindSignedPart(nonce: number, connectionData: Uint8Array): Uint8Array {
  const out = new Uint8Array(BIND_SIGNED_SIZE);
  writeRelayHeader(out, 0, RelayMessageType.Bind);
  out[4] = 0; // accept mode 0 (RelayMessageBind.cs:35)
  out[5] = nonce & 0xff; // nonce is little-endian (§10.1 item 1)
  out[6] = (nonce >>> 8) & 0xff;
  out[7] = CONNECTION_DATA_SIZE;
  out.set(connectionData.subarray(0, CONNECTION_DATA_SIZE), 8);
  return out;
}

/** The 295-byte BIND: the signed part followed by its 32-byte HMAC-SHA256 (spec §7.2, TV-14). */
export function encodeBind(signed: Uint8Array, hmac: Uint8Array): Uint8Array {
  const out = new Uint8Array(BIND_SIZE);
  out.set(signed.subarray(0, BIND_SIGNED_SIZE));
  out.set(hmac.subarray(0, HMAC_SIZE), BIND_SIGNED_SIZE);
  return out;
}

/** BIND_RECEIVED as our server sends it: the header only, all UTP parses (spec §7.1, §11 item 4). */
export function encodeBindReceived(): Uint8Array {
  const out = new Uint8Array(RELAY_HEADER_SIZE);
  writeRelayHeader(out, 0, RelayMessageType.BindReceived);
  return out;
}

/** PING: `DA 72 00 02 | own allocation id | 01 00` (spec §7.2, TV-16; the trailing u16 LE is always 1). */
export function encodePing(allocationId: Uint8Array): Uint8Array {
  const out = new Uint8Array(PING_SIZE);
  writeRelayHeader(out, 0, RelayMessageType.Ping);
  out.set(allocationId, 4);
  out[20] = 1;
  out[21] = 0;
  return out;
}

/** CONNECT_REQUEST: `DA 72 00 03 | own allocation id | FF | host connection data[255]` (spec §7.2, TV-17). */
export function encodeConnectRequest(allocationId: Uint8Array, hostConnectionData: Uint8Array): Uint8Array {
  const out = new Uint8Array(CONNECT_REQUEST_SIZE);
  writeRelayHeader(out, 0, RelayMessageType.ConnectRequest);
  out.set(allocationId, 4);
  out[20] = CONNECTION_DATA_SIZE;
  out.set(hostConnectionData.subarray(0, CONNECTION_DATA_SIZE), 21);
  return out;
}

/** A 36-byte `header | from | to` message: ACCEPTED (TV-18), DISCONNECT (TV-19), and REJECTED as our server sends it. */
export function encodeFromTo(type: number, from: Uint8Array, to: Uint8Array): Uint8Array {
  const out = new Uint8Array(ACCEPTED_SIZE);
  writeRelayHeader(out, 0, type);
  out.set(from, 4);
  out.set(to, 20);
  return out;
}

/**
 * Writes the 38-byte RELAY header at `at` (spec §7.2): `DA 72 00 0A | from | to | length u16 BIG-endian`
 * — the one big-endian field of the Relay protocol (§10.1 item 1).
 */
export function writeRelayDataHeader(buf: Uint8Array, at: number, from: Uint8Array, to: Uint8Array, length: number): void {
  writeRelayHeader(buf, at, RelayMessageType.Relay);
  buf.set(from, at + 4);
  buf.set(to, at + 20);
  buf[at + 36] = (length >>> 8) & 0xff;
  buf[at + 37] = length & 0xff;
}

/** A whole RELAY message carrying `payload` (TV-15). */
export function encodeRelay(from: Uint8Array, to: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RELAY_DATA_HEADER_SIZE + payload.length);
  writeRelayDataHeader(out, 0, from, to, payload.length);
  out.set(payload, RELAY_DATA_HEADER_SIZE);
  return out;
}

/** ERROR: `DA 72 00 0C | allocation id | code u8`, 21 bytes packed (spec §7.2, TV-20). */
export function encodeError(allocationId: Uint8Array, code: number): Uint8Array {
  const out = new Uint8Array(ERROR_SIZE);
  writeRelayHeader(out, 0, RelayMessageType.Error);
  out.set(allocationId.subarray(0, ALLOCATION_ID_SIZE), 4);
  out[20] = code;
  return out;
}

// ------------------------------------------------------------------ readers (start = first header byte)

/** A decoded BIND (views into the packet). */
export interface BindFields {
  /** Byte 4: accept mode, 0 in every UTP BIND. */
  acceptMode: number;
  /** Bytes 5-6: the BIND nonce (u16 LE). */
  nonce: number;
  /** The 255 connection-data bytes. */
  connectionData: Uint8Array;
  /** Bytes 0..262, what the HMAC signs. */
  signed: Uint8Array;
  /** Bytes 263-294: HMAC-SHA256 of `signed` with the allocation's 64-byte key. */
  hmac: Uint8Array;
}

/** Reads a BIND of exactly 295 bytes with length byte 255, else `null`. */
export function readBind(buf: Uint8Array, start: number, end: number): BindFields | null {
  if (end - start !== BIND_SIZE || buf[start + 7] !== CONNECTION_DATA_SIZE) return null;
  return {
    acceptMode: buf[start + 4],
    nonce: buf[start + 5] | (buf[start + 6] << 8),
    connectionData: buf.subarray(start + 8, start + BIND_SIGNED_SIZE),
    signed: buf.subarray(start, start + BIND_SIGNED_SIZE),
    hmac: buf.subarray(start + BIND_SIGNED_SIZE, end),
  };
}

/** Reads a CONNECT_REQUEST of exactly 276 bytes: the joiner's id and the host's connection data (views). */
export function readConnectRequest(buf: Uint8Array, start: number, end: number): {
  /** The joiner's allocation id (16 bytes, a view). */
  allocationId: Uint8Array;
  /** The host's connection data (255 bytes, a view). */
  connectionData: Uint8Array;
} | null {
  if (end - start !== CONNECT_REQUEST_SIZE || buf[start + 20] !== CONNECTION_DATA_SIZE) return null;
  return { allocationId: buf.subarray(start + 4, start + 20), connectionData: buf.subarray(start + 21, end) };
}

/** The allocation id of a PING (exactly 22 bytes), else `null`. */
export function readPing(buf: Uint8Array, start: number, end: number): Uint8Array | null {
  return end - start === PING_SIZE ? buf.subarray(start + 4, start + 20) : null;
}

/**
 * `from` and `to` of ACCEPTED, REJECTED or DISCONNECT (views), for messages of at least 36 bytes — UTP reads
 * ACCEPTED as "≥ 36" (spec §7.1), and tolerating longer ones costs nothing.
 */
export function readFromTo(buf: Uint8Array, start: number, end: number): {
  /** The sender's allocation id (16 bytes, a view). */
  from: Uint8Array;
  /** The recipient's allocation id (16 bytes, a view). */
  to: Uint8Array;
} | null {
  if (end - start < ACCEPTED_SIZE) return null;
  return { from: buf.subarray(start + 4, start + 20), to: buf.subarray(start + 20, start + 36) };
}

/**
 * The payload length N of a RELAY message, or -1 unless the message is at least 38 bytes and N equals the
 * bytes after the header exactly (UTP drops a mismatch, spec §7.2 and §10.1 item 14). From/to stay in place
 * at `start + 4` and `start + 20`, so the hot path allocates nothing.
 */
export function relayPayloadLength(buf: Uint8Array, start: number, end: number): number {
  if (end - start < RELAY_DATA_HEADER_SIZE) return -1;
  const n = (buf[start + 36] << 8) | buf[start + 37];
  return n === end - start - RELAY_DATA_HEADER_SIZE ? n : -1;
}

/** ERROR fields, for messages of at least 21 bytes. */
export function readError(buf: Uint8Array, start: number, end: number): {
  /** The allocation id the error is about (16 bytes, a view). */
  allocationId: Uint8Array;
  /** The error code (`RelayErrorCode`). */
  code: number;
} | null {
  if (end - start < ERROR_SIZE) return null;
  return { allocationId: buf.subarray(start + 4, start + 20), code: buf[start + 20] };
}

/** Lower-case hex of an allocation id (or any bytes); used as the peer address the driver sees. */
export function allocationIdHex(id: Uint8Array, at = 0, length = ALLOCATION_ID_SIZE): string {
  let s = '';
  for (let i = at; i < at + length; i++) s += HEX[id[i]];
  return s;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
