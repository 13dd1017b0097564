import { HANDSHAKE_HEADER_SIZE, HandshakeType, MESSAGE_HEADER_SIZE, MessageType } from '../layers/simple-connection.ts';

/**
 * Which UTP connections use one stream link (a WebSocket), so that the link closes with the last of them.
 * UTP's WebSocket layer closes its socket (1000) when the connection above it closes (§6.2.6); our interfaces
 * own no connection state, so they watch the two packets that bound a connection's life: the ConnectionRequest
 * (`55 54 50 01 | 01 | token`, §3.2) and the Disconnect (`02 | token`, exactly 9 bytes, §3.4). Several
 * connections from one driver to one server share the link (as they share a UDP socket); closing it on the
 * first Disconnect would cut the others.
 */
export class LinkTokens {
  #tokens: Set<string> | null = null;

  /** Notes the token of a ConnectionRequest crossing the link (either direction); other packets cost one compare. */
  noteRequest(bytes: Uint8Array, start: number, end: number): void {
    if (isConnectionRequest(bytes, start, end)) (this.#tokens ??= new Set()).add(tokenKey(bytes, start + 5));
  }

  /**
   * For an outgoing packet: true if it is an SCL Disconnect after which no noted connection uses the link, i.e.
   * the link should close now. Allocates only for Disconnects.
   */
  endsLink(bytes: Uint8Array, start: number, end: number): boolean {
    if (!isSclDisconnect(bytes, start, end)) return false;
    this.#tokens?.delete(tokenKey(bytes, start + 1));
    return !this.#tokens || this.#tokens.size === 0;
  }
}

/** True if `bytes[start, end)` is an SCL ConnectionRequest (`55 54 50 01 | 01 | token …`, §3.2). */
export function isConnectionRequest(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= HANDSHAKE_HEADER_SIZE && bytes[start] === 0x55 && bytes[start + 1] === 0x54 &&
    bytes[start + 2] === 0x50 && bytes[start + 4] === HandshakeType.ConnectionRequest;
}

/**
 * True if `bytes[start, end)` is an SCL Disconnect (`02 | token`, exactly 9 bytes, §3.4) — unambiguous: data is
 * ≥ 10 bytes and handshakes start with `55`.
 */
export function isSclDisconnect(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start === MESSAGE_HEADER_SIZE && bytes[start] === MessageType.Disconnect;
}

function tokenKey(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i < at + 8; i++) s += String.fromCharCode(b[i]);
  return s;
}
