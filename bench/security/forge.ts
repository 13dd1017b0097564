// Forged first packets an attacker with a spoofed source address can send: each one must draw back no more bytes
// than it carries (issue 13). Built from the spec's layouts (utp-protocol.md §3.2, §7.2), random where a real
// client would put its own values, so every packet looks like a new stranger.
import { randomFillSync } from 'node:crypto';

/** What to forge: a UTP ConnectionRequest (bare, or with a Colyseus-style join payload) or a Relay message. */
export const FORGE_KINDS = ['utp', 'utp-join', 'relay-ping', 'relay-bind', 'relay-connect', 'relay-version'] as const;
export type ForgeKind = (typeof FORGE_KINDS)[number];

/** A source of forged packets of one kind; `next()` returns a fresh packet (random token, id…) each call. */
export function forger(kind: ForgeKind): () => Uint8Array {
  switch (kind) {
    // §3.2: 55 54 50 01 | 01 | token[8] — 13 bytes, the smallest request there is.
    case 'utp': return () => handshake(null);
    // §3.2 with a payload, as UtpSDK sends its room path: the game server parses it and tries the join.
    case 'utp-join': return () => handshake(JOIN_PAYLOAD);
    // §7.2 PING: DA 72 00 02 | allocation id[16] | 01 00 — 22 bytes, an allocation nobody has.
    case 'relay-ping': return () => relay(2, 22, (b) => { b[20] = 1; });
    // §7.2 BIND: 295 bytes, connection data of an allocation nobody has, a random HMAC.
    case 'relay-bind': return () => relay(0, 295, (b) => { b[4] = 0; b[7] = 255; });
    // §7.2 CONNECT_REQUEST: 276 bytes from an unknown allocation.
    case 'relay-connect': return () => relay(3, 276, (b) => { b[20] = 255; });
    // A Relay header with an unknown version: 4 bytes, the cheapest message a relay might answer (ERROR 0).
    case 'relay-version': return () => Uint8Array.of(0xda, 0x72, 0x07, 0x02);
  }
}

const JOIN_PAYLOAD = new TextEncoder().encode('/xYz12AbC/qWe34RtY?sessionId=aBcD1234');

function handshake(payload: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(13 + (payload ? 2 + payload.length : 0));
  b.set([0x55, 0x54, 0x50, 0x01, 0x01]);
  randomFillSync(b, 5, 8);
  if (payload) {
    b[13] = payload.length & 0xff;
    b[14] = payload.length >>> 8;
    b.set(payload, 15);
  }
  return b;
}

function relay(type: number, size: number, fix: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(size);
  randomFillSync(b, 4);
  b.set([0xda, 0x72, 0x00, type]);
  fix(b);
  return b;
}
