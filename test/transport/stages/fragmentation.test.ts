import { describe, expect, it } from 'vitest';
import {
  FragmentationPipelineStage, NullPipelineStage, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
} from '../../../plugin/transport/stages/index.ts';
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { StatusCode } from '../../../plugin/transport/api/status-codes.ts';
import { Endpoint, Link, settingsWithWindow, withSeed } from './harness.ts';
import { fromHex, hex } from '../../support/hex.ts';

const bytes = (n: number, salt = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + salt) & 0xff);
const fragWord = (p: Uint8Array, at: number) => p[at] | (p[at + 1] << 8);
const fragmentedReliable = (settings = new NetworkSettings()) =>
  new Endpoint([FragmentationPipelineStage, ReliableSequencedPipelineStage], settings, {}, 3);
const fragmentOnly = (settings = new NetworkSettings()) => new Endpoint([FragmentationPipelineStage], settings, {}, 4);

/** Raw fragment packet for pipeline 4 = [Fragmentation]. */
const frag = (word: number, payload: string) =>
  fromHex('010102030405060708 04' + (word & 0xff).toString(16).padStart(2, '0') + (word >>> 8).toString(16).padStart(2, '0') + payload);

describe('sender (§5.4)', () => {
  it('chunks are pathMtu − packetPadding − pipeline header capacity: 1376 with Reliable, 1388 alone', () => {
    const a = fragmentedReliable();
    a.send(bytes(4096));
    expect(a.host.sent.map((p) => p.length)).toEqual([1400, 1400, 10 + 14 + 4096 - 2 * 1376]);
    expect(a.host.sent.map((p) => fragWord(p, 22).toString(16))).toEqual(['8000', '1', '4002']);
    const b = fragmentOnly();
    b.send(bytes(1389));
    expect(b.host.sent.map((p) => p.length - 12)).toEqual([1388, 1]);
  });

  it('the first chunk leaves room for the headers of stages before Fragmentation', () => {
    const a = new Endpoint([UnreliableSequencedPipelineStage, FragmentationPipelineStage], undefined, {}, 5);
    a.send(bytes(3000));
    // chunk = 1400 − 10 − 4 = 1386; the first one carries the 2-byte sequenced header inside: 1384 + 2.
    expect(a.host.sent.map((p) => p.length - 12)).toEqual([1384, 1386, 3002 - 1384 - 1386]);
  });

  it('messages that fit go as one First|Last packet; every packet consumes a 14-bit sequence', () => {
    const a = fragmentOnly();
    a.host.record = false;
    for (let i = 0; i < 16384; i++) a.send(bytes(1));
    a.host.record = true;
    a.send(bytes(0));
    a.send(bytes(1));
    expect(a.host.sent.map((p) => hex(p.subarray(10)))).toEqual(['00c0', '01c000']);
  });

  it('oversize ⇒ −4, nothing sent; the limit is payloadCapacity', () => {
    const a = fragmentedReliable();
    expect(a.definition.payloadCapacity).toBe(4096);
    expect(a.send(bytes(4097))).toBe(StatusCode.NetworkPacketOverflow);
    expect(a.host.sent).toHaveLength(0);
    const big = fragmentedReliable(new NetworkSettings().withFragmentationStageParameters({ payloadCapacity: 20_000 }));
    expect(big.send(bytes(20_000))).toBe(0);
    expect(big.host.sent).toHaveLength(15);
  });

  it('a message the window cannot take whole returns −5 and sends none of its chunks (UTP sends a torso)', () => {
    const settings = settingsWithWindow(8);
    const a = fragmentedReliable(settings);
    const b = fragmentedReliable(settings);
    for (let i = 0; i < 6; i++) expect(a.send(bytes(10, i))).toBe(0);
    expect(a.send(bytes(4096))).toBe(StatusCode.NetworkSendQueueFull); // 2 of 3 chunks would fit
    expect(a.host.sent).toHaveLength(6);
    expect(a.send(bytes(2752, 3))).toBe(0); // 2 chunks: exactly the room left
    expect(a.host.sent).toHaveLength(8);
    for (const p of a.host.sent) b.receivePacket(p);
    b.update(1);
    a.receivePacket(b.host.sent[0]);
    expect(a.send(bytes(3000, 9))).toBe(0);
    for (const p of a.host.sent.slice(8)) b.receivePacket(p);
    expect(b.host.delivered.map((d) => d.length)).toEqual([10, 10, 10, 10, 10, 10, 2752, 3000]);
    expect(hex(b.host.delivered[7])).toBe(hex(bytes(3000, 9)));
    expect(b.stats.packetsDropped).toBe(0); // no torso to discard
  });

  it('with a send queue, a message goes whole into window and queue, or not at all', () => {
    const settings = settingsWithWindow(8);
    const one = new Endpoint([FragmentationPipelineStage, ReliableSequencedPipelineStage], settings, { sendQueue: 1 }, 3);
    for (let i = 0; i < 8; i++) expect(one.send(bytes(10, i))).toBe(0);
    expect(one.send(bytes(2752))).toBe(StatusCode.NetworkSendQueueFull); // 2 chunks, 1 queue place
    expect(one.stats.queuedMessages).toBe(0);
    const two = new Endpoint([FragmentationPipelineStage, ReliableSequencedPipelineStage], settings, { sendQueue: 2 }, 3);
    for (let i = 0; i < 7; i++) expect(two.send(bytes(10, i))).toBe(0);
    expect(two.send(bytes(4096))).toBe(0); // 3 chunks: 1 slot + 2 queue places
    expect(two.host.sent).toHaveLength(8);
    expect(two.stats.queuedMessages).toBe(2);
  });
});

describe('receiver (§5.4)', () => {
  it('a broken message is skipped until the next First; nothing corrupt is delivered', () => {
    const b = fragmentOnly();
    b.receivePacket(frag(0x0005, 'aa')); // middle fragment without a First: skipped
    b.receivePacket(frag(0x8006, 'bb'));
    b.receivePacket(frag(0x4008, 'cc')); // seq 8 ≠ expected 7: broken
    b.receivePacket(frag(0x8009, 'dd'));
    b.receivePacket(frag(0x000a, 'ee'));
    b.receivePacket(frag(0x400b, 'ff'));
    b.receivePacket(frag(0xc00c, '11'));
    expect(b.host.delivered.map(hex)).toEqual(['ddeeff', '11']);
    expect(b.stats.packetsDropped).toBe(2);
  });

  it('a message over the local capacity is dropped, not delivered', () => {
    const a = fragmentOnly(new NetworkSettings().withFragmentationStageParameters({ payloadCapacity: 8000 }));
    const b = fragmentOnly(); // 4096
    a.send(bytes(5000));
    a.send(bytes(100));
    for (const p of a.host.sent) b.receivePacket(p);
    expect(b.host.delivered.map((d) => d.length)).toEqual([100]);
  });

  it('reassembled messages are fresh buffers', () => {
    const a = fragmentOnly();
    const b = fragmentOnly();
    a.send(bytes(3000));
    a.send(bytes(3000, 1));
    for (const p of a.host.sent) b.receivePacket(p);
    expect(b.host.delivered.map(hex)).toEqual([hex(bytes(3000)), hex(bytes(3000, 1))]);
  });
});

describe('every size class under loss', () => {
  it('[Fragmentation, Reliable] delivers messages of 0..payloadCapacity bytes exactly', () => {
    withSeed(2024, (seed) => {
      const a = fragmentedReliable();
      const b = fragmentedReliable();
      const link = new Link(a, b, { seed, lossPercent: 10, duplicatePercent: 5, reorderPercent: 5, delay: 2 });
      const sizes = [0, 1, 2, 100, 1375, 1376, 1377, 2751, 2752, 2753, 4095, 4096];
      for (let n = 3; n < 4096; n += 97) sizes.push(n);
      const sent: string[] = [];
      let next = 0;
      for (let now = 1; b.host.delivered.length < sizes.length; now++) {
        if (now > 100_000) throw new Error(`stuck at ${b.host.delivered.length}/${sizes.length}`);
        link.tick(now);
        while (next < sizes.length) {
          const m = bytes(sizes[next], next);
          const rc = a.send(m);
          if (rc === StatusCode.NetworkSendQueueFull) break; // partial: retried whole next tick
          expect(rc).toBe(0);
          sent.push(hex(m));
          next++;
        }
      }
      expect(b.host.delivered.map(hex)).toEqual(sent);
    });
  });

  it('[Fragmentation] alone loses whole messages, never delivers a damaged one', () => {
    withSeed(99, (seed) => {
      const a = fragmentOnly();
      const b = fragmentOnly();
      const link = new Link(a, b, { seed, lossPercent: 10, delay: 1 });
      const sent = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const m = bytes(1 + ((i * 131) % 4096), i);
        sent.add(hex(m));
        a.send(m);
      }
      link.deliverDue(10);
      const got = b.host.delivered.map(hex);
      for (const g of got) expect(sent.has(g)).toBe(true);
      expect(got.length).toBeGreaterThan(100);
      expect(got.length).toBeLessThan(300);
    });
  });
});

describe('composition', () => {
  it('a Null stage after Fragmentation changes nothing on the wire', () => {
    const a = new Endpoint([FragmentationPipelineStage, NullPipelineStage], undefined, {}, 4);
    const b = fragmentOnly();
    a.send(bytes(3000));
    const plain = fragmentOnly();
    plain.send(bytes(3000));
    expect(a.host.sent.map(hex)).toEqual(plain.host.sent.map(hex));
    for (const p of a.host.sent) b.receivePacket(p);
    expect(b.host.delivered.map(hex)).toEqual([hex(bytes(3000))]);
  });
});
