import { describe, expect, it } from 'vitest';
import {
  classify, formatToken, handshakePayloadStart, HandshakeType, MessageType, PacketKind, readMtuAckSize,
  readMtuCheckLength, tokenHigh, tokenLow, writeHandshake, writeMessageHeader, writeMtuAck, writeMtuCheck,
} from '../../plugin/transport/layers/simple-connection.ts';
import { vectorBytes } from '../support/vectors.ts';
import { hex, text } from '../support/hex.ts';

const T = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

function build(write: (b: Uint8Array) => number): Uint8Array {
  const b = new Uint8Array(2048);
  return b.slice(0, write(b));
}

describe('SCL codec encodes every connection-layer vector byte-exactly (spec §9)', () => {
  it('TV-1 ConnectionRequest without payload', () => {
    expect(hex(build((b) => writeHandshake(b, 0, HandshakeType.ConnectionRequest, T, null)))).toBe(hex(vectorBytes('TV-1')));
  });
  it('TV-2 ConnectionRequest with payload "auth"', () => {
    expect(hex(build((b) => writeHandshake(b, 0, HandshakeType.ConnectionRequest, T, text('auth'))))).toBe(hex(vectorBytes('TV-2')));
  });
  it('TV-3a/b ConnectionAccept, with and without payload', () => {
    expect(hex(build((b) => writeHandshake(b, 0, HandshakeType.ConnectionAccept, T, null)))).toBe(hex(vectorBytes('TV-3a')));
    expect(hex(build((b) => writeHandshake(b, 0, HandshakeType.ConnectionAccept, T, text('ok'))))).toBe(hex(vectorBytes('TV-3b')));
  });
  it('TV-4 Data on pipeline 0', () => {
    const got = build((b) => { writeMessageHeader(b, 0, MessageType.Data, T); b[9] = 0; b.set(text('hi'), 10); return 12; });
    expect(hex(got)).toBe(hex(vectorBytes('TV-4')));
  });
  it('TV-5 Heartbeat and TV-6 Disconnect (no reason byte)', () => {
    expect(hex(build((b) => writeMessageHeader(b, 0, MessageType.Heartbeat, T)))).toBe(hex(vectorBytes('TV-5')));
    expect(hex(build((b) => writeMessageHeader(b, 0, MessageType.Disconnect, T)))).toBe(hex(vectorBytes('TV-6')));
  });
  it('TV-7 MtuCheck 1024-byte probe and the other probe lengths', () => {
    expect(hex(build((b) => writeMtuCheck(b, 0, T, 1024, 0)))).toBe(hex(vectorBytes('TV-7')));
    for (const [size, l] of [[1300, 1289], [1380, 1369], [1400, 1389]]) {
      const p = build((b) => writeMtuCheck(b, 0, T, size, 0));
      expect(p.length).toBe(size);
      expect(readMtuCheckLength(p, 0, p.length)).toBe(l);
    }
  });
  it('TV-8 MtuAck reporting 1400', () => {
    expect(hex(build((b) => writeMtuAck(b, 0, T, 1400)))).toBe(hex(vectorBytes('TV-8')));
  });
});

describe('SCL codec decodes the vectors', () => {
  it('classifies handshakes and messages as §3.1 orders it', () => {
    for (const id of ['TV-1', 'TV-2', 'TV-3a', 'TV-3b']) {
      const v = vectorBytes(id);
      expect(classify(v, 0, v.length)).toBe(PacketKind.Handshake);
      expect(tokenLow(v, 5)).toBe(0x04030201);
      expect(tokenHigh(v, 5)).toBe(0x08070605);
    }
    for (const id of ['TV-4', 'TV-5', 'TV-6', 'TV-7', 'TV-8']) {
      const v = vectorBytes(id);
      expect(classify(v, 0, v.length)).toBe(PacketKind.Message);
    }
  });
  it('finds handshake payloads only when the u16 length is exact', () => {
    const v = vectorBytes('TV-2');
    const at = handshakePayloadStart(v, 0, v.length);
    expect(new TextDecoder().decode(v.subarray(at))).toBe('auth');
    expect(handshakePayloadStart(vectorBytes('TV-1'), 0, 13)).toBe(-1);
    const wrong = v.slice(); wrong[13] = 5;
    expect(handshakePayloadStart(wrong, 0, wrong.length)).toBe(-1);
    // Two bytes after the header are "no payload", not an empty one (§3.2: remainder must be > 2).
    const two = Uint8Array.of(...vectorBytes('TV-1'), 0, 0);
    expect(handshakePayloadStart(two, 0, two.length)).toBe(-1);
  });
  it('reads MtuCheck and MtuAck bodies', () => {
    const check = vectorBytes('TV-7');
    expect(readMtuCheckLength(check, 0, check.length)).toBe(1013);
    const ack = vectorBytes('TV-8');
    expect(readMtuAckSize(ack, 0, ack.length)).toBe(1400);
    const bad = ack.slice(); bad[9] = 3;
    expect(readMtuAckSize(bad, 0, bad.length)).toBe(-1);
  });
  it('drops bad versions and short packets', () => {
    const v = vectorBytes('TV-1').slice(); v[3] = 2;
    expect(classify(v, 0, v.length)).toBe(PacketKind.BadVersion);
    expect(classify(vectorBytes('TV-5'), 0, 8)).toBe(PacketKind.Invalid);
    // A 12-byte "UTP…" packet is too short to be a handshake and is read as a message (§3.1).
    expect(classify(vectorBytes('TV-1'), 0, 12)).toBe(PacketKind.Message);
  });
  it('prints tokens byte-reversed, as UTP logs them (§3.3)', () => {
    expect(formatToken(T)).toBe('0x0807060504030201');
  });
});
