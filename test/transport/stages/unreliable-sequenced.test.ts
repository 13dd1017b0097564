import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnreliableSequencedPipelineStage, greaterThan16 } from '../../../plugin/transport/stages/index.ts';
import { Endpoint } from './harness.ts';
import { fromHex, hex, text } from '../../support/hex.ts';

const endpoint = () => new Endpoint([UnreliableSequencedPipelineStage], undefined, {}, 2);

/** A wire packet of pipeline 2 with sequence `seq` and a 4-byte payload naming the send index. */
function packet(seq: number, index: number): Uint8Array {
  const p = fromHex('010102030405060708 02 0000 00000000');
  p[10] = seq & 0xff;
  p[11] = seq >>> 8;
  new DataView(p.buffer).setUint32(12, index, true);
  return p;
}

describe('greaterThan16 (§5.2)', () => {
  it('matches 16-bit serial arithmetic with half range 0x7FFF', () => {
    expect(greaterThan16(1, 0)).toBe(true);
    expect(greaterThan16(0, 65535)).toBe(true);
    expect(greaterThan16(0x7fff, 0)).toBe(true);
    expect(greaterThan16(0x8000, 0)).toBe(false);
    expect(greaterThan16(5, 5)).toBe(false);
    expect(greaterThan16(65535, 0)).toBe(false);
  });
});

describe('UnreliableSequencedPipelineStage', () => {
  it('counts 0, 1, 2… and wraps at 65536', () => {
    const a = endpoint();
    a.host.record = false;
    for (let i = 0; i < 65536; i++) a.send(text(''));
    a.host.record = true;
    a.send(text('w'));
    a.send(text('x'));
    expect(a.host.sent.map((p) => hex(p.subarray(10)))).toEqual(['000077', '010078']);
  });

  it('the first packet is accepted (last = 65535), equal or older ones are dropped and counted', () => {
    const b = endpoint();
    b.receivePacket(packet(0, 0));
    b.receivePacket(packet(0, 1));
    b.receivePacket(packet(3, 2));
    b.receivePacket(packet(2, 3));
    b.receivePacket(packet(0x8003, 4)); // exactly half a range ahead: not newer
    b.receivePacket(fromHex('010102030405060708 02 05')); // too short for the header
    expect(b.host.delivered.map((d) => d[0])).toEqual([0, 2]);
    expect(b.stats.packetsDropped).toBe(4);
  });

  it('counts the sequences skipped by a newer packet as lost, across the wrap (NetStats.loss)', () => {
    const b = endpoint();
    b.receivePacket(packet(0, 0));
    b.receivePacket(packet(1, 1));
    expect(b.stats.packetsLost).toBe(0);
    b.receivePacket(packet(4, 2)); // 2 and 3 never came
    expect(b.stats.packetsLost).toBe(2);
    b.receivePacket(packet(3, 3)); // late: dropped as stale, already counted lost
    expect(b.stats.packetsLost).toBe(2);
    const c = endpoint();
    for (const seq of [0x4000, 0x8000, 0xc000, 65534]) c.receivePacket(packet(seq, 0)); // walk to the wrap
    const before = c.stats.packetsLost;
    c.receivePacket(packet(1, 1)); // 65535 and 0 skipped across the wrap
    expect(c.stats.packetsLost - before).toBe(2);
  });

  it('never delivers an older message after a newer one, whatever the arrival order (property)', () => {
    fc.assert(fc.property(
      fc.nat(0xffff), // first sequence (the sender may be anywhere in the cycle)
      fc.array(fc.nat(300), { minLength: 1, maxLength: 200 }), // arrivals: send indices, duplicates allowed
      (base, arrivals) => {
        const b = endpoint();
        // Walk "last" from its initial 65535 to base in accepted steps of a quarter range.
        let last = 0xffff;
        while (last !== base && !greaterThan16(base, last)) b.receivePacket(packet((last = (last + 0x4000) & 0xffff), 1e6));
        if (last !== base) b.receivePacket(packet(base, 1e6));
        expect(b.inspect()).toMatchObject({ lastReceived: base });
        b.host.delivered.length = 0;
        for (const i of arrivals) b.receivePacket(packet((base + 1 + i) & 0xffff, i));
        const got = b.host.delivered.map((d) => new DataView(d.buffer, d.byteOffset).getUint32(0, true));
        for (let k = 1; k < got.length; k++) expect(got[k]).toBeGreaterThan(got[k - 1]);
        // Each arrival that was newer than everything before it is delivered.
        let max = -1;
        const expected: number[] = [];
        for (const i of arrivals) if (i > max) { expected.push(i); max = i; }
        expect(got).toEqual(expected);
      },
    ));
  });
});
