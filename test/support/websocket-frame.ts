import { NetworkFamily, type NetworkEndpoint } from '../../plugin/transport/api/endpoint.ts';
import { WebSocketCloseCode, WEBSOCKET_HEADER_RESERVE, maxWebSocketPayload, UPGRADE_NOT_FOUND } from '../../plugin/transport/carriers/websocket-constants.ts';

export { WebSocketCloseCode, WEBSOCKET_HEADER_RESERVE, maxWebSocketPayload, UPGRADE_NOT_FOUND };

/**
 * Test oracle, independent of `ws` and of the carriers: the RFC 6455 subset that UTP's native WebSocket layer speaks (`Runtime/WebSocket/WebSocket.cs`,
 * `Runtime/Layers/WebSocketLayer.cs`; spec §6.2): frames and the upgrade exchange. Pure codec, no I/O,
 * browser-safe (no Node built-ins): SHA-1 for the accept key comes from an adapter (`webSocketAccept`) or
 * WebCrypto (`webSocketAcceptAsync`).
 */

/** Frame opcodes (spec §6.2.6). */
export const WebSocketOpcode = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const;
export type WebSocketOpcode = (typeof WebSocketOpcode)[keyof typeof WebSocketOpcode];

/** The GUID of RFC 6455 §1.3 appended to the key before hashing (spec §6.2.2). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';


// ---------------------------------------------------------------- frames

/** Header length of a frame with `payloadLength` bytes: 7-bit, 16-bit or 64-bit length form, + 4 if masked (§6.2.4). */
export function frameHeaderSize(payloadLength: number, masked: boolean): number {
  const base = payloadLength < 126 ? 2 : payloadLength <= 0xffff ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * Writes one FIN frame (`opcode`, `payload[start, end)`) at `out[at]`; returns its length. `maskKey` null means
 * unmasked (server → client); otherwise the u32 key, written most-significant byte first (§6.2.4).
 */
export function writeFrame(
  out: Uint8Array, at: number, opcode: number, payload: Uint8Array, start: number, end: number, maskKey: number | null,
): number {
  const n = end - start;
  const masked = maskKey !== null;
  let p = at;
  // Byte 0: FIN + opcode (0x82 data, 0x88 close, 0x89 ping, 0x8A pong, WebSocket.cs:383-405, :490).
  out[p++] = 0x80 | (opcode & 0x0f);
  const m = masked ? 0x80 : 0;
  // Length forms (WebSocket.cs:492-513): all big-endian, unlike every UTP-native field (§1).
  if (n < 126) {
    out[p++] = m | n;
  } else if (n <= 0xffff) {
    out[p++] = m | 126;
    out[p++] = n >>> 8; out[p++] = n & 0xff;
  } else {
    out[p++] = m | 127;
    const hi = Math.floor(n / 0x1_0000_0000);
    out[p++] = 0; out[p++] = 0; out[p++] = (hi >>> 8) & 0xff; out[p++] = hi & 0xff;
    out[p++] = n >>> 24; out[p++] = (n >>> 16) & 0xff; out[p++] = (n >>> 8) & 0xff; out[p++] = n & 0xff;
  }
  if (!masked) {
    out.set(payload.subarray(start, end), p);
    return p + n - at;
  }
  const k0 = (maskKey >>> 24) & 0xff, k1 = (maskKey >>> 16) & 0xff, k2 = (maskKey >>> 8) & 0xff, k3 = maskKey & 0xff;
  out[p++] = k0; out[p++] = k1; out[p++] = k2; out[p++] = k3;
  const key = [k0, k1, k2, k3];
  for (let i = 0; i < n; i++) out[p + i] = payload[start + i] ^ key[i & 3];
  return p + n - at;
}

/** Convenience: one frame in a fresh array. */
export function encodeFrame(opcode: number, payload: Uint8Array = EMPTY, maskKey: number | null = null): Uint8Array {
  const out = new Uint8Array(frameHeaderSize(payload.length, maskKey !== null) + payload.length);
  writeFrame(out, 0, opcode, payload, 0, payload.length, maskKey);
  return out;
}

/** A close frame whose payload is the u16 big-endian status code (§6.2.4, TV-24). */
export function encodeClose(code: number, maskKey: number | null = null): Uint8Array {
  return encodeFrame(WebSocketOpcode.Close, Uint8Array.of(code >>> 8, code & 0xff), maskKey);
}

/** One parsed frame header; the payload is `buf[payloadStart, payloadEnd)`, still masked if `masked`. */
export interface WebSocketFrame {
  fin: boolean;
  /** The three RSV bits (must be 0 without extensions, §6.2.5). */
  rsv: number;
  opcode: number;
  masked: boolean;
  maskKey: number;
  payloadStart: number;
  payloadEnd: number;
  /** Index just past the frame: where the next frame starts. */
  frameEnd: number;
}

/**
 * Parses the header of the frame at `buf[start]`; null while the header itself is incomplete. The payload may
 * extend past `end` (check `frameEnd <= end`), so a receiver can refuse an oversized frame from its header.
 * Lengths that do not fit 48 bits read as `Number.MAX_SAFE_INTEGER`. Pass `out` to reuse one object.
 */
export function parseFrameHeader(buf: Uint8Array, start: number, end: number, out?: WebSocketFrame): WebSocketFrame | null {
  if (end - start < 2) return null;
  const b0 = buf[start], b1 = buf[start + 1];
  let p = start + 2;
  let n = b1 & 0x7f;
  if (n === 126) {
    if (end - p < 2) return null;
    n = (buf[p] << 8) | buf[p + 1];
    p += 2;
  } else if (n === 127) {
    if (end - p < 8) return null;
    n = buf[p] || buf[p + 1] ? Number.MAX_SAFE_INTEGER
      : ((buf[p + 2] << 8) | buf[p + 3]) * 0x1_0000_0000 + ((buf[p + 4] << 24) >>> 0) + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]);
    p += 8;
  }
  const masked = (b1 & 0x80) !== 0;
  let maskKey = 0;
  if (masked) {
    if (end - p < 4) return null;
    maskKey = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
    p += 4;
  }
  const f = out ?? ({} as WebSocketFrame);
  f.fin = (b0 & 0x80) !== 0;
  f.rsv = (b0 >>> 4) & 0x07;
  f.opcode = b0 & 0x0f;
  f.masked = masked;
  f.maskKey = maskKey;
  f.payloadStart = p;
  f.payloadEnd = p + n;
  f.frameEnd = p + n;
  return f;
}

/** Parses the whole frame at `buf[start]`; null until all of it is in `buf[start, end)`. */
export function parseFrame(buf: Uint8Array, start: number, end: number, out?: WebSocketFrame): WebSocketFrame | null {
  const f = parseFrameHeader(buf, start, end, out);
  return f && f.frameEnd <= end ? f : null;
}

/** XORs `buf[start, end)` with the frame's key in place (masking is its own inverse). */
export function unmask(buf: Uint8Array, start: number, end: number, maskKey: number): void {
  for (let i = start; i < end; i++) buf[i] ^= (maskKey >>> (24 - 8 * ((i - start) & 3))) & 0xff;
}

/**
 * The per-frame checks of a UTP receiver (§6.2.5): returns 0 if acceptable, else the close code to send —
 * 1002 for RSV bits, wrong masking (`fromClient`: frames must be masked; otherwise must not be), unknown opcodes
 * or fragmented/oversized control frames; 1003 for text; 1009 above `maxPayload`. Reassembly rules
 * (unexpected continuations) need state and stay with the caller.
 */
export function checkFrame(f: WebSocketFrame, fromClient: boolean, maxPayload: number): number {
  if (f.rsv !== 0 || f.masked !== fromClient) return WebSocketCloseCode.ProtocolError;
  const n = f.payloadEnd - f.payloadStart;
  switch (f.opcode) {
    case WebSocketOpcode.Continuation:
    case WebSocketOpcode.Binary:
      return n > maxPayload ? WebSocketCloseCode.MessageTooBig : 0;
    case WebSocketOpcode.Text:
      return WebSocketCloseCode.UnsupportedData;
    case WebSocketOpcode.Close:
    case WebSocketOpcode.Ping:
    case WebSocketOpcode.Pong:
      return !f.fin || n > 125 ? WebSocketCloseCode.ProtocolError : 0;
    default:
      return WebSocketCloseCode.ProtocolError;
  }
}

// ---------------------------------------------------------------- upgrade exchange (§6.2.1–6.2.3)

/**
 * `Sec-WebSocket-Key` text: base64 of 16 bytes. Given four u32 words, each is written most-significant byte
 * first, as UTP draws its key (§6.2.1, `WebSocket.cs:708-717`).
 */
export function webSocketKey(key: Uint8Array | readonly [number, number, number, number]): string {
  let bytes: Uint8Array;
  if (key instanceof Uint8Array) {
    bytes = key;
  } else {
    bytes = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const w = key[i] >>> 0;
      bytes[4 * i] = w >>> 24; bytes[4 * i + 1] = (w >>> 16) & 0xff; bytes[4 * i + 2] = (w >>> 8) & 0xff; bytes[4 * i + 3] = w & 0xff;
    }
  }
  if (bytes.length !== 16) throw new RangeError(`a WebSocket key is 16 bytes, got ${bytes.length}`);
  return base64(bytes);
}

/**
 * `Host` header text as UTP writes it: the numeric endpoint, IPv6 uncompressed in brackets
 * (`[0000:…:0001]:7777`, §6.2.1) — never a DNS name.
 */
export function hostText(endpoint: NetworkEndpoint): string {
  if (endpoint.family !== NetworkFamily.Ipv6) return `${endpoint.address}:${endpoint.port}`;
  return `[${expandIPv6(endpoint.address)}]:${endpoint.port}`;
}

/** The client's upgrade request, byte for byte as UTP sends it (§6.2.1, TV-25): no Origin, protocol or extensions. */
export function buildUpgradeRequest(path: string, host: string, key: string): string {
  return `GET ${path} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nHost: ${host}\r\n\r\n`;
}

/** The server's 101 reply (§6.2.2, TV-25). */
export function buildUpgradeResponse(accept: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}


/** SHA-1 of some bytes; `node:crypto`'s `createHash('sha1')` or any other implementation. */
export type Sha1 = (data: Uint8Array) => Uint8Array;

/** `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)) (§6.2.2), with SHA-1 supplied by the caller. */
export function webSocketAccept(key: string, sha1: Sha1): string {
  return base64(sha1(ascii(key + WEBSOCKET_GUID)));
}

/** Same as `webSocketAccept` through WebCrypto (browsers in secure contexts, Node ≥ 20). */
export async function webSocketAcceptAsync(key: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-1', ascii(key + WEBSOCKET_GUID));
  return base64(new Uint8Array(digest));
}

/** A parsed HTTP head: the start line and headers by lower-case name (repeated headers joined with ", "). */
export interface HttpHead {
  startLine: string;
  headers: Map<string, string>;
}

/** Index just past the `\r\n\r\n` that ends an HTTP head in `bytes[start, end)`, or -1 if not yet complete. */
export function httpHeadEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i + 3 < end; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i + 4;
  }
  return -1;
}

/** Parses an HTTP head (text up to and including the blank line). Returns null if it has no start line. */
export function parseHttpHead(text: string): HttpHead | null {
  const lines = text.split('\r\n');
  const startLine = lines[0];
  if (!startLine) return null;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { startLine, headers };
}

/** UTP's server-side verdict on an upgrade request: 101 with the client key, or 400 / 404 (§6.2.2). */
export type UpgradeRequestVerdict = { status: 101; key: string } | { status: 400 | 404 };

/**
 * Validates a request the way UTP's server does (§6.2.2): Host present, 24-char key, version 13, Connection
 * containing `upgrade`, Upgrade `websocket`, header values ≤ 509 bytes, then the exact request line for `path`.
 */
export function checkUpgradeRequest(head: HttpHead, path = '/'): UpgradeRequestVerdict {
  const h = head.headers;
  for (const v of h.values()) if (v.length > 509) return { status: 400 };
  const key = h.get('sec-websocket-key');
  const ok = h.has('host') && key !== undefined && key.length === 24 && h.get('sec-websocket-version') === '13' &&
    hasToken(h.get('connection'), 'upgrade') && h.get('upgrade')?.toLowerCase() === 'websocket';
  if (!ok || !head.startLine.startsWith('GET ') || !head.startLine.endsWith(' HTTP/1.1')) return { status: 400 };
  if (head.startLine !== `GET ${path} HTTP/1.1`) return { status: 404 };
  return { status: 101, key: key! };
}

/**
 * Validates the server's reply the way UTP's client does (§6.2.3). Returns null if acceptable, else why not.
 * `expectedAccept` is `webSocketAccept(key, sha1)` of the key that was sent.
 */
export function checkUpgradeResponse(head: HttpHead, expectedAccept: string): string | null {
  const h = head.headers;
  if (!head.startLine.startsWith('HTTP/1.1 101 ')) return `status line '${head.startLine}' is not 'HTTP/1.1 101 …'`;
  if (!hasToken(h.get('connection'), 'upgrade')) return 'Connection header lacks the upgrade token';
  if (h.get('upgrade')?.toLowerCase() !== 'websocket') return 'Upgrade header is not websocket';
  if (h.has('sec-websocket-protocol')) return 'server negotiated a subprotocol; UTP negotiates none';
  if (h.has('sec-websocket-extensions')) return 'server negotiated extensions; UTP negotiates none';
  if (h.get('sec-websocket-accept') !== expectedAccept) return 'Sec-WebSocket-Accept does not match the key';
  return null;
}

// ---------------------------------------------------------------- helpers

const EMPTY = new Uint8Array(0);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[v >>> 18] + B64[(v >>> 12) & 63] + B64[(v >>> 6) & 63] + B64[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) s += B64[bytes[i] >>> 2] + B64[(bytes[i] & 3) << 4] + '==';
  else if (rest === 2) s += B64[bytes[i] >>> 2] + B64[((bytes[i] & 3) << 4) | (bytes[i + 1] >>> 4)] + B64[(bytes[i + 1] & 15) << 2] + '=';
  return s;
}

function ascii(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Comma-separated header value containing `token`, case-insensitively (§6.2.2 Connection rule). */
function hasToken(value: string | undefined, token: string): boolean {
  return value !== undefined && value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/** `::1` → `0000:0000:0000:0000:0000:0000:0000:0001` (UTP's endpoint text, §6.2.1). */
function expandIPv6(address: string): string {
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two hex groups.
  const dot = address.lastIndexOf(':');
  if (address.includes('.', dot)) {
    const o = address.slice(dot + 1).split('.').map(Number);
    address = `${address.slice(0, dot + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  let groups: string[];
  const dc = address.indexOf('::');
  if (dc < 0) {
    groups = address.split(':');
  } else {
    const head = dc > 0 ? address.slice(0, dc).split(':') : [];
    const tail = dc + 2 < address.length ? address.slice(dc + 2).split(':') : [];
    groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  }
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
