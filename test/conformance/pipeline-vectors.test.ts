import { describe, expect, it } from 'vitest';
import {
  FragmentationPipelineStage, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
} from '../../plugin/transport/stages/index.ts';
import { vectorBytes } from '../support/vectors.ts';
import { Endpoint, settingsWithWindow } from '../transport/stages/harness.ts';
import { fromHex, hex, text } from '../support/hex.ts';

// The spec's pipelines (§9): 1 = [Reliable], 2 = [UnreliableSequenced], 3 = [Fragmentation, Reliable].
const reliable = (settings = settingsWithWindow(32)) => new Endpoint([ReliableSequencedPipelineStage], settings, {}, 1);
const unreliable = () => new Endpoint([UnreliableSequencedPipelineStage], undefined, {}, 2);
const fragmented = () => new Endpoint([FragmentationPipelineStage, ReliableSequencedPipelineStage], undefined, {}, 3);
const messageM = () => Uint8Array.from({ length: 2000 }, (_, i) => (i * 7) & 0xff);

describe('TV-9 reliable data, seq 0, nothing received', () => {
  it('is the first packet a reliable pipeline sends', () => {
    const a = reliable();
    expect(a.send(text('hi'))).toBe(0);
    expect(a.host.takeSent()).toEqual([hex(vectorBytes('TV-9'))]);
  });

  it('delivers "hi" from both the 2.6+ and the 2.0-2.5 (zero mask) form', () => {
    for (const form of [hex(vectorBytes('TV-9')), '010102030405060708' + '01' + '000000000000ffff' + '00000000' + '6869']) {
      const b = reliable();
      b.receivePacket(fromHex(form));
      expect(b.host.delivered.map(hex)).toEqual(['6869']);
    }
  });
});

describe('TV-10 ack-only after receiving 0, 1, 3 with 16 ms processing time', () => {
  it('leaves in the update after the receives, byte for byte', () => {
    const peer = reliable();
    for (let i = 0; i < 4; i++) peer.send(text(`m${i}`));
    const [p0, p1, , p3] = peer.host.sent;
    const a = reliable();
    a.update(100); // start of the driver update: nothing to ack yet
    expect(a.host.sent).toHaveLength(0);
    for (const p of [p0, p1, p3]) a.receivePacket(p);
    expect(a.host.delivered.map((d) => Buffer.from(d).toString())).toEqual(['m0', 'm1']);
    a.update(116);
    expect(a.host.takeSent()).toEqual([hex(vectorBytes('TV-10'))]);
    expect(a.stats.acksSent).toBe(1);
    a.update(117); // nothing new: no second ack-only
    expect(a.host.sent).toHaveLength(0);
  });

  it('releases exactly the acknowledged packets on the sender', () => {
    const a = reliable();
    for (let i = 0; i < 4; i++) a.send(text(`m${i}`));
    a.host.now = 20;
    a.receivePacket(vectorBytes('TV-10'));
    const snap = a.inspect();
    expect(snap.peerAckedSequence).toBe(3);
    expect(snap.inFlight).toBe(1); // seq 2
    // RTT sample for seq 3 only: rtt = 20 − 0 − 16 = 4.
    expect(snap.lastRtt).toBe(4);
    expect(a.host.delivered).toHaveLength(0); // the filler byte is never delivered
  });
});

describe('TV-11 unreliable sequenced', () => {
  it('the sixth message carries seq 5', () => {
    const a = unreliable();
    for (let i = 0; i < 5; i++) a.send(text('x'));
    a.host.sent.length = 0;
    a.send(text('hi'));
    expect(a.host.takeSent()).toEqual([hex(vectorBytes('TV-11'))]);
  });

  it('is accepted by a fresh receiver', () => {
    const b = unreliable();
    b.receivePacket(vectorBytes('TV-11'));
    expect(b.host.delivered.map(hex)).toEqual(['6869']);
  });
});

describe('TV-12 2000-byte message on [Fragmentation, Reliable]', () => {
  it('is cut into 1376 + 624 bytes behind both headers', () => {
    const a = fragmented();
    expect(a.send(messageM())).toBe(0);
    expect(a.host.takeSent()).toEqual([hex(vectorBytes('TV-12a')), hex(vectorBytes('TV-12b'))]);
    a.send(text('next'));
    expect(a.host.sent[0].subarray(22, 24)).toEqual(fromHex('02c0')); // First|Last, frag seq 2
  });

  it('reassembles into M', () => {
    const b = fragmented();
    b.receivePacket(vectorBytes('TV-12a'));
    expect(b.host.delivered).toHaveLength(0);
    b.receivePacket(vectorBytes('TV-12b'));
    expect(b.host.delivered).toHaveLength(1);
    expect(hex(b.host.delivered[0])).toBe(hex(messageM()));
  });
});

describe('TV-13 headers of larger windows', () => {
  const headerOf = (packet: Uint8Array, size: number) => hex(packet.subarray(10, 10 + size));

  it('window 64: 16 bytes', () => {
    const a = reliable(settingsWithWindow(64));
    a.send(text('x'));
    expect(headerOf(a.host.sent[0], 16)).toBe('000000000000ffff' + 'ff'.repeat(8));
    expect(a.host.sent[0].length).toBe(10 + 16 + 1);
  });

  it('window 256 before the peer acknowledged anything: full 32-byte mask', () => {
    const a = reliable(settingsWithWindow(256));
    a.send(text('x'));
    expect(headerOf(a.host.sent[0], 40)).toBe('002000000000ffff' + 'ff'.repeat(32));
    expect(a.host.sent[0].length).toBe(10 + 40 + 1);
  });

  it('window 256 optimised: seq 5, acked 9, nothing missing → 9 bytes', () => {
    const a = reliable(settingsWithWindow(256));
    const b = reliable(settingsWithWindow(256));
    for (let i = 0; i < 5; i++) a.send(text(`a${i}`));
    for (const p of a.host.sent) b.receivePacket(p);
    for (let i = 0; i < 10; i++) b.send(text(`b${i}`)); // these ack a's 0..4
    for (const p of b.host.sent) a.receivePacket(p);
    a.host.sent.length = 0;
    a.send(text('x'));
    expect(hex(a.host.sent[0])).toBe('010102030405060708' + '01' + '0001000005000900ff' + '78');
    // And the peer reads it: trimmed mask bytes count as all ones.
    b.receivePacket(a.host.sent[0]);
    expect(b.host.delivered.map((d) => Buffer.from(d).toString())).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'x']);
    expect(b.inspect().inFlight).toBe(0);
  });
});
