import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataStreamReader, DataStreamWriter } from '../../../plugin/index.ts';

describe('DataStreamWriter / DataStreamReader', () => {
  it('writes little-endian by default and big-endian for the NetworkByteOrder variants (spec §1)', () => {
    const w = new DataStreamWriter(32);
    w.writeUShort(0x0102); w.writeUInt(0x01020304); w.writeUShortNetworkByteOrder(0x0102); w.writeUIntNetworkByteOrder(0x01020304);
    expect(Buffer.from(w.asUint8Array()).toString('hex')).toBe('0201' + '04030201' + '0102' + '01020304');
  });

  it('round-trips every type through a reader over a window of a larger array', () => {
    fc.assert(fc.property(
      fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.float({ noNaN: true }), fc.double({ noNaN: true }), fc.string(), fc.nat(7),
      (s16, u16, s32, u32, s64, u64, f32, f64, text, offset) => {
        const backing = new Uint8Array(offset + 200);
        const w = new DataStreamWriter(backing, offset, 190);
        w.writeShort(s16); w.writeUShort(u16); w.writeInt(s32); w.writeUInt(u32); w.writeLong(s64); w.writeULong(u64);
        w.writeFloat(f32); w.writeDouble(f64); w.writeShortNetworkByteOrder(s16); w.writeUShortNetworkByteOrder(u16);
        w.writeIntNetworkByteOrder(s32); w.writeUIntNetworkByteOrder(u32); w.writeFixedString(text.slice(0, 20));
        expect(w.hasFailedWrites).toBe(false);
        const r = new DataStreamReader(backing, offset, w.length);
        expect([r.readShort(), r.readUShort(), r.readInt(), r.readUInt(), r.readLong(), r.readULong()]).toEqual([s16, u16, s32, u32, s64, u64]);
        expect(r.readFloat()).toBe(Math.fround(f32));
        expect(r.readDouble()).toBe(f64);
        expect([r.readShortNetworkByteOrder(), r.readUShortNetworkByteOrder(), r.readIntNetworkByteOrder(), r.readUIntNetworkByteOrder()]).toEqual([s16, u16, s32, u32]);
        expect(r.readFixedString()).toBe(text.slice(0, 20));
        expect(r.remaining).toBe(0);
        expect(r.hasFailedReads).toBe(false);
      }));
  });

  it('reports overflow instead of writing past its window', () => {
    const backing = new Uint8Array(8).fill(0xee);
    const w = new DataStreamWriter(backing, 2, 4);
    expect(w.writeUShort(1)).toBe(true);
    expect(w.writeUInt(2)).toBe(false); // would need 6 bytes of 4
    expect(w.writeByte(3)).toBe(false); // stays failed, like UTP's HasFailedWrites
    expect(w.hasFailedWrites).toBe(true);
    expect(Buffer.from(backing).toString('hex')).toBe('eeee0100eeeeeeee');
  });

  it('reports underflow and returns zeros', () => {
    const r = new DataStreamReader(Uint8Array.of(1, 2, 3));
    expect(r.readUShort()).toBe(0x0201);
    expect(r.readUShort()).toBe(0);
    expect(r.hasFailedReads).toBe(true);
  });
});
