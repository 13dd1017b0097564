import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createReliableHeaderFields, maskGet, maskOr, maskSet, maskShiftLeft, maskTrimmedLength, readReliableHeader,
  reliableHeaderCapacity, reliableMaskBytes, writeReliableHeader,
} from '../../../plugin/transport/stages/reliable-header.ts';
import { fromHex, hex } from '../../support/hex.ts';

/** The mask as a little-endian big integer: bit d of the integer = mask bit d (§5.3.2). */
const toBig = (m: Uint8Array) => m.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);

describe('header sizes (§5.3.1)', () => {
  it('12 B up to window 32, 16 B up to 64, 8 + window/8 beyond', () => {
    expect([8, 32, 40, 64, 72, 256, 2040].map(reliableHeaderCapacity)).toEqual([12, 12, 16, 16, 17, 40, 263]);
  });
});

describe('ack mask bit math (§5.3.2)', () => {
  it('bit d is byte d>>3, bit d&7, LSB first', () => {
    const m = new Uint8Array(4);
    maskSet(m, 0);
    maskSet(m, 9);
    maskSet(m, 31);
    expect(hex(m)).toBe('01020080');
    expect([0, 1, 9, 31, 32].map((d) => maskGet(m, d))).toEqual([true, false, true, true, false]);
  });

  it('shifting left moves bits to larger distances and drops the top, like a fixed-width integer', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }).chain((len) => fc.tuple(fc.uint8Array({ minLength: len, maxLength: len }), fc.nat(8 * len + 8))),
      ([bytes, n]) => {
        const m = bytes.slice();
        maskShiftLeft(m, n);
        const width = BigInt(8 * bytes.length);
        expect(toBig(m)).toBe((toBig(bytes) << BigInt(n)) & ((1n << width) - 1n));
      },
    ));
  });

  it('receiving 0, 1, 3 from an all-ones start gives FD FF FF FF (TV-10)', () => {
    const m = new Uint8Array(4).fill(0xff);
    maskShiftLeft(m, 1); maskSet(m, 0); // 0
    maskShiftLeft(m, 1); maskSet(m, 0); // 1
    maskShiftLeft(m, 2); maskSet(m, 0); // 3
    expect(hex(m)).toBe('fdffffff');
  });

  it('trimmed length: smallest prefix holding every 0-bit, at least 1 (TV-13)', () => {
    expect(maskTrimmedLength(new Uint8Array(32).fill(0xff))).toBe(1);
    const m = new Uint8Array(32).fill(0xff);
    m[5] = 0xfe;
    expect(maskTrimmedLength(m)).toBe(6);
    m[0] = 0;
    expect(maskTrimmedLength(m)).toBe(6);
  });

  it('OR merges masks for the same acked sequence', () => {
    const a = fromHex('0f00');
    maskOr(a, fromHex('f001'));
    expect(hex(a)).toBe('ff01');
  });
});

describe('header codec', () => {
  it('round-trips every field for narrow and wide windows', () => {
    fc.assert(fc.property(
      fc.constantFrom(8, 32, 64, 72, 256, 2040), fc.nat(1), fc.nat(0xffff), fc.nat(0xffff), fc.nat(0xffff), fc.nat(),
      (window, type, proc, seq, acked, seed) => {
        const full = reliableMaskBytes(window);
        const mask = Uint8Array.from({ length: full }, (_, i) => (seed >>> (i % 24)) & 0xff);
        const wide = window > 64;
        const len = wide ? 1 + (seed % full) : full;
        const buf = new Uint8Array(8 + full + 3);
        const size = writeReliableHeader(buf, 1, type, proc, seq, acked, mask, len, wide);
        expect(size).toBe(8 + len);
        const h = createReliableHeaderFields();
        const out = new Uint8Array(full);
        expect(readReliableHeader(buf, 1, 1 + size, window, h, out)).toBe(true);
        expect(h).toEqual({ type, processingTime: proc, sequence: seq, ackedSequence: acked, size });
        // Trimmed-away bytes read as all ones.
        expect(hex(out)).toBe(hex(mask.subarray(0, len)) + 'ff'.repeat(full - len));
      },
    ));
  });

  it('rejects short packets and AckMaskLength contradicting the local window', () => {
    const h = createReliableHeaderFields();
    const narrow = new Uint8Array(4);
    const wide = new Uint8Array(32);
    expect(readReliableHeader(fromHex('00000000000000'), 0, 7, 32, h, narrow)).toBe(false);
    expect(readReliableHeader(fromHex('0000000000000000ffffff'), 0, 11, 32, h, narrow)).toBe(false);
    expect(readReliableHeader(fromHex('0001000000000000ffffffff'), 0, 12, 32, h, narrow)).toBe(false);
    expect(readReliableHeader(fromHex('0000000000000000ffffffff'), 0, 12, 256, h, wide)).toBe(false);
    expect(readReliableHeader(fromHex('0021000000000000' + 'ff'.repeat(33)), 0, 41, 256, h, wide)).toBe(false);
    expect(readReliableHeader(fromHex('0002000000000000ff'), 0, 9, 256, h, wide)).toBe(false);
    expect(readReliableHeader(fromHex('0002000000000000ffff'), 0, 10, 256, h, wide)).toBe(true);
  });
});
