/**
 * DTLS 1.2 application_data records (RFC 6347 §4.1), framed by utp-ts around werift's negotiated cipher: the data
 * path's share of werift's record layer without its generic codec, objects and promises. One record per datagram,
 * as UTP sends. The bytes are werift's own (test/transport/layers/dtls-record.test.ts compares both paths).
 *
 *   type (1) = 23 | version (2) = 0xfefd | epoch (2) | sequence (6) | length (2) | explicit nonce? | ciphertext | tag
 */
import type { RecordCipher, SealingCipher } from './dtls-library.ts';

export const RECORD_HEADER_SIZE = 13;
export const APPLICATION_DATA = 23;
export const DTLS_1_2 = 0xfefd;

/** The header of an application_data record as read by `readApplicationHeader`. */
export interface RecordFields {
  epoch: number;
  sequence: number;
  version: number;
}

/**
 * Seals bytes[start, end) as one application_data record at out[0…) with werift's cipher; returns the record's
 * length. `out` must hold the plaintext + 13 + 8 (explicit nonce, AES-GCM) + 16 (tag).
 */
export function sealApplicationData(cipher: RecordCipher, sessionType: number, epoch: number, sequence: number,
  bytes: Uint8Array, start: number, end: number, out: Buffer): number {
  let body: number;
  if ((cipher as SealingCipher).seal) {
    body = (cipher as SealingCipher).seal(sessionType, APPLICATION_DATA, DTLS_1_2, epoch, sequence, bytes, start, end, out, RECORD_HEADER_SIZE);
  } else {
    const plaintext = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    const sealed = cipher.encrypt(sessionType, plaintext, { type: APPLICATION_DATA, version: DTLS_1_2, epoch, sequenceNumber: sequence });
    out.set(sealed, RECORD_HEADER_SIZE);
    body = sealed.length;
  }
  const high = Math.floor(sequence / 0x100000000);   // 48-bit sequence: 16 bits here, 32 below
  const low = sequence >>> 0;
  out[0] = APPLICATION_DATA;
  out[1] = DTLS_1_2 >>> 8; out[2] = DTLS_1_2 & 0xff;
  out[3] = epoch >>> 8; out[4] = epoch & 0xff;
  out[5] = high >>> 8; out[6] = high & 0xff;
  out[7] = low >>> 24; out[8] = (low >>> 16) & 0xff; out[9] = (low >>> 8) & 0xff; out[10] = low & 0xff;
  out[11] = body >>> 8; out[12] = body & 0xff;
  return RECORD_HEADER_SIZE + body;
}

/**
 * Reads the header of the record of `type` that is exactly bytes[start, end) into `fields`; false when it is not
 * one (another type, or a length that does not fill the datagram).
 */
export function readRecordHeader(bytes: Uint8Array, start: number, end: number, type: number, fields: RecordFields): boolean {
  if (end - start < RECORD_HEADER_SIZE || bytes[start] !== type) return false;
  if (((bytes[start + 11] << 8) | bytes[start + 12]) !== end - start - RECORD_HEADER_SIZE) return false;
  fields.version = (bytes[start + 1] << 8) | bytes[start + 2];
  fields.epoch = (bytes[start + 3] << 8) | bytes[start + 4];
  fields.sequence = ((bytes[start + 5] << 8) | bytes[start + 6]) * 0x100000000
    + (((bytes[start + 7] << 24) | (bytes[start + 8] << 16) | (bytes[start + 9] << 8) | bytes[start + 10]) >>> 0);
  return true;
}

/**
 * Opens the body of an encrypted record of `type` whose header `readRecordHeader` read: the plaintext, or throws
 * (bad tag). Application data, and alerts after the handshake (werift misreads those: it takes the ciphertext's
 * first bytes for a plaintext alert whenever they happen to name one).
 */
export function openRecord(cipher: RecordCipher, sessionType: number, type: number, fields: RecordFields,
  bytes: Uint8Array, start: number, end: number): Buffer {
  const bodyStart = start + RECORD_HEADER_SIZE;
  if ((cipher as SealingCipher).open) {
    return (cipher as SealingCipher).open(sessionType, type, fields.version, fields.epoch, fields.sequence, bytes, bodyStart, end);
  }
  return cipher.decrypt(sessionType, Buffer.from(bytes.buffer, bytes.byteOffset + bodyStart, end - bodyStart),
    { type, version: fields.version, epoch: fields.epoch, sequenceNumber: fields.sequence });
}

/**
 * RFC 6347 §4.1.2.6 anti-replay window over the 48-bit sequence numbers of one epoch, 64 records wide: newer
 * records always pass, older ones once each while inside the window. Two 32-bit words, bit i = highest − i.
 */
export class ReplayWindow {
  private highest = -1;
  private near = 0;   // bits 0–31
  private far = 0;    // bits 32–63

  mayReceive(seq: number): boolean {
    if (seq > this.highest) return true;
    const offset = this.highest - seq;
    if (offset >= 64) return false;
    return offset < 32 ? (this.near & (1 << offset)) === 0 : (this.far & (1 << (offset - 32))) === 0;
  }

  received(seq: number): void {
    if (seq > this.highest) {
      const shift = seq - this.highest;
      if (shift >= 64) { this.far = 0; this.near = 1; }
      else if (shift >= 32) { this.far = shift === 32 ? this.near : this.near << (shift - 32); this.near = 1; }
      else { this.far = (this.far << shift) | (this.near >>> (32 - shift)); this.near = (this.near << shift) | 1; }
      this.highest = seq;
    } else {
      const offset = this.highest - seq;
      if (offset < 32) this.near |= 1 << offset;
      else if (offset < 64) this.far |= 1 << (offset - 32);
    }
  }
}
