/**
 * Stateless HelloVerifyRequest (RFC 6347 §4.2.1): a ClientHello without a valid cookie is answered with a small
 * HelloVerifyRequest and forgotten, so a forged source address costs the server no state and gets back fewer bytes
 * than it sent. The cookie is an HMAC of the client's address, port and ClientHello random under a secret that
 * rotates; the current and the previous secret are accepted.
 */
import { createHmac, randomBytes } from 'node:crypto';

const RECORD_HEADER = 13;   // type, version, epoch, sequence (6), length
const HANDSHAKE_HEADER = 12; // msg_type, length (3), message_seq, fragment_offset (3), fragment_length (3)
export const COOKIE_LENGTH = 20;

/** The fields of an unfragmented, epoch-0 ClientHello record that the cookie exchange needs. */
export interface ClientHelloSniff {
  readonly recordSequence: Uint8Array;  // 6 bytes, echoed in the HelloVerifyRequest
  readonly messageSeq: number;
  readonly random: Uint8Array;          // 32 bytes
  readonly cookie: Uint8Array;
}

/** UTP's test (spec §6.4: byte 0 = 0x16 handshake, byte 13 = 0x01 ClientHello, length ≥ 25), then the fields. */
export function sniffClientHello(b: Uint8Array, start: number, end: number): ClientHelloSniff | undefined {
  const len = end - start;
  if (len < 25 || b[start] !== 0x16 || b[start + 13] !== 0x01) return undefined;
  if (b[start + 3] !== 0 || b[start + 4] !== 0) return undefined;                              // epoch 0
  const recordLength = (b[start + 11] << 8) | b[start + 12];
  if (RECORD_HEADER + recordLength > len) return undefined;
  const h = start + RECORD_HEADER;
  const bodyLength = (b[h + 1] << 16) | (b[h + 2] << 8) | b[h + 3];
  const fragOffset = (b[h + 6] << 16) | (b[h + 7] << 8) | b[h + 8];
  const fragLength = (b[h + 9] << 16) | (b[h + 10] << 8) | b[h + 11];
  if (fragOffset !== 0 || fragLength !== bodyLength || HANDSHAKE_HEADER + bodyLength > recordLength) return undefined;
  const body = h + HANDSHAKE_HEADER;
  const sessionIdAt = body + 2 + 32;
  if (sessionIdAt >= end) return undefined;
  const cookieAt = sessionIdAt + 1 + b[sessionIdAt];
  if (cookieAt >= end || cookieAt + 1 + b[cookieAt] > end) return undefined;
  return {
    recordSequence: b.subarray(start + 5, start + 11),
    messageSeq: (b[h + 4] << 8) | b[h + 5],
    random: b.subarray(body + 2, body + 34),
    cookie: b.subarray(cookieAt + 1, cookieAt + 1 + b[cookieAt]),
  };
}

/** Issues and checks cookies; `rotate(now)` changes the secret every `lifetimeMS`. */
export class CookieJar {
  private secret = randomBytes(32);
  private previous = randomBytes(32);
  private rotatedAt: number | undefined;
  private readonly lifetimeMS: number;

  constructor(lifetimeMS: number) {
    this.lifetimeMS = lifetimeMS;
  }

  rotate(now: number): void {
    if (this.rotatedAt === undefined) this.rotatedAt = now;
    else if (now - this.rotatedAt >= this.lifetimeMS) {
      this.previous = this.secret;
      this.secret = randomBytes(32);
      this.rotatedAt = now;
    }
  }

  cookie(address: string, port: number, random: Uint8Array, secret = this.secret): Buffer {
    return createHmac('sha256', secret).update(`${address}|${port}|`).update(random).digest().subarray(0, COOKIE_LENGTH);
  }

  valid(address: string, port: number, hello: ClientHelloSniff): boolean {
    if (hello.cookie.length !== COOKIE_LENGTH) return false;
    const c = Buffer.from(hello.cookie);
    return c.equals(this.cookie(address, port, hello.random)) || c.equals(this.cookie(address, port, hello.random, this.previous));
  }
}

/** The HelloVerifyRequest record answering `hello` (RFC 6347 §4.2.1; 25 + 3 + cookie bytes). */
export function helloVerifyRequest(hello: ClientHelloSniff, cookie: Uint8Array): Buffer {
  const bodyLength = 3 + cookie.length;
  const out = Buffer.alloc(RECORD_HEADER + HANDSHAKE_HEADER + bodyLength);
  out[0] = 0x16; out[1] = 0xfe; out[2] = 0xff;               // handshake, DTLS 1.0 in the record (RFC 6347 §4.2.1)
  out.set(hello.recordSequence, 5);                          // epoch 0, the ClientHello's record sequence
  out.writeUInt16BE(HANDSHAKE_HEADER + bodyLength, 11);
  const h = RECORD_HEADER;
  out[h] = 3;                                                // hello_verify_request
  out.writeUIntBE(bodyLength, h + 1, 3);
  out.writeUInt16BE(hello.messageSeq, h + 4);
  out.writeUIntBE(bodyLength, h + 9, 3);                     // fragment offset 0, whole body
  out[h + 12] = 0xfe; out[h + 13] = 0xff;                    // server_version
  out[h + 14] = cookie.length;
  out.set(cookie, h + 15);
  return out;
}
