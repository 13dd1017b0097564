import { describe, expect, it } from 'vitest';
import { ReliableSequencedPipelineStage } from '../../../plugin/transport/stages/index.ts';
import {
  createReliableHeaderFields, readReliableHeader, reliableMaskBytes,
} from '../../../plugin/transport/stages/reliable-header.ts';
import { StatusCode } from '../../../plugin/transport/api/status-codes.ts';
import { Endpoint, Link, settingsWithWindow, withSeed } from './harness.ts';
import { fromHex, hex, text } from '../../support/hex.ts';

const reliable = (windowSize = 32, options = {}) =>
  new Endpoint([ReliableSequencedPipelineStage], settingsWithWindow(windowSize), options);

/** Parsed reliable header of a recorded packet (after the 10-byte SCL Data prefix). */
function header(packet: Uint8Array, windowSize = 32) {
  const h = createReliableHeaderFields();
  const mask = new Uint8Array(reliableMaskBytes(windowSize));
  if (!readReliableHeader(packet, 10, packet.length, windowSize, h, mask)) throw new Error('bad header');
  return { ...h, mask: hex(mask), payload: Buffer.from(packet.subarray(10 + h.size)).toString() };
}

const strings = (e: Endpoint) => e.host.delivered.map((d) => Buffer.from(d).toString());

describe('window full', () => {
  it('returns −5 exactly when slot seq mod window is still occupied, transmitting nothing', () => {
    const a = reliable(32);
    const b = reliable(32);
    for (let i = 0; i < 32; i++) expect(a.send(text(`m${i}`))).toBe(StatusCode.Success);
    expect(a.send(text('m32'))).toBe(StatusCode.NetworkSendQueueFull);
    expect(a.host.sent).toHaveLength(32);
    expect(a.inspect().nextSendSequence).toBe(32);
    // The peer got 1..31 but not 0: its ack (31, bit 31 clear) frees nothing.
    for (const p of a.host.sent.slice(1)) b.receivePacket(p);
    b.update(1);
    a.receivePacket(b.host.sent[0]);
    expect(a.inspect().inFlight).toBe(1);
    expect(a.send(text('m32'))).toBe(StatusCode.NetworkSendQueueFull); // slot 0 still holds seq 0
    // Now seq 0 arrives: one slot frees, exactly one more send fits.
    b.receivePacket(a.host.sent[0]);
    b.update(2);
    a.receivePacket(b.host.sent[1]);
    expect(a.inspect().inFlight).toBe(0);
    for (let i = 32; i < 64; i++) expect(a.send(text(`m${i}`))).toBe(StatusCode.Success);
    expect(a.send(text('m64'))).toBe(StatusCode.NetworkSendQueueFull);
  });

  it('the smallest window (8) fills after 8', () => {
    const a = reliable(1); // rounded up to 8 (§5.3.3)
    for (let i = 0; i < 8; i++) expect(a.send(text('x'))).toBe(0);
    expect(a.send(text('x'))).toBe(StatusCode.NetworkSendQueueFull);
    expect(a.host.sent[0].length).toBe(10 + 12 + 1); // still the 12-byte header
  });

  it('a packet the wire refuses does not consume a sequence', () => {
    const a = reliable();
    a.host.sendResult = StatusCode.NetworkSendQueueFull;
    expect(a.send(text('x'))).toBe(StatusCode.NetworkSendQueueFull);
    expect(a.inspect().nextSendSequence).toBe(0);
    a.host.sendResult = 0;
    expect(a.send(text('y'))).toBe(0);
    expect(header(a.host.sent[0])).toMatchObject({ sequence: 0, payload: 'y' });
  });
});

describe('opt-in send queue (utp-ts only)', () => {
  it('queues instead of −5 and delivers everything in order through a lossy link', () => {
    withSeed(77, (seed) => {
      const a = reliable(32, { sendQueue: true });
      const b = reliable(32);
      const link = new Link(a, b, { seed, lossPercent: 10, delay: 3 });
      for (let i = 0; i < 500; i++) expect(a.send(text(`m${i}`))).toBe(StatusCode.Success);
      expect(a.host.sent).toHaveLength(32); // the rest waits locally: the wire sees plain UTP
      expect(a.stats.queuedMessages).toBe(468);
      for (let now = 1; b.host.delivered.length < 500; now++) {
        if (now > 20_000) throw new Error('stuck');
        link.tick(now);
      }
      expect(strings(b)).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
      expect(a.stats.queuedMessages).toBe(0);
    });
  });

  it('a bounded queue returns −5 when it is full too', () => {
    const a = reliable(32, { sendQueue: 3 });
    for (let i = 0; i < 35; i++) expect(a.send(text('x'))).toBe(0);
    expect(a.send(text('x'))).toBe(StatusCode.NetworkSendQueueFull);
    expect(a.stats.queuedMessages).toBe(3);
  });

  it('a new message never overtakes queued ones', () => {
    const a = reliable(8, { sendQueue: true });
    const b = reliable(8);
    for (let i = 0; i < 10; i++) a.send(text(`m${i}`));
    for (const p of a.host.sent) b.receivePacket(p);
    b.update(1);
    a.receivePacket(b.host.sent[0]); // frees all 8 slots, 2 queued
    a.send(text('m10')); // must leave after m8, m9
    expect(a.host.sent.slice(8).map((p) => header(p, 8).payload)).toEqual(['m8', 'm9', 'm10']);
  });
});

describe('acknowledgements', () => {
  it('an ack for a packet received in update N leaves in update N+1, once', () => {
    const a = reliable();
    const b = reliable();
    a.send(text('x'));
    b.update(10);
    b.receivePacket(a.host.sent[0]);
    expect(b.host.sent).toHaveLength(0);
    b.update(13);
    expect(b.host.sent.map((p) => header(p))).toMatchObject([
      { type: 1, sequence: 0, ackedSequence: 0, processingTime: 3, mask: 'ffffffff' },
    ]);
    expect(b.host.sent[0].length).toBe(10 + 12 + 1); // one filler byte
    b.update(14);
    expect(b.host.sent).toHaveLength(1);
  });

  it('a piggy-backed ack makes the ack-only unnecessary', () => {
    const a = reliable();
    const b = reliable();
    a.send(text('x'));
    b.receivePacket(a.host.sent[0]);
    b.send(text('reply'));
    b.update(1);
    expect(b.host.sent.map((p) => header(p))).toMatchObject([{ type: 0, ackedSequence: 0, payload: 'reply' }]);
    expect(b.stats.acksSent).toBe(0);
  });

  it('ack-only packets never enter the receive window and their filler is never delivered', () => {
    const b = reliable();
    // Type 1 with SequenceId 5 and filler 'Z': must be ignored as data whatever the fields say.
    b.receivePacket(fromHex('010102030405060708 01 0100 0000 0500 ffff ffffffff 5a'));
    expect(b.host.delivered).toHaveLength(0);
    expect(b.inspect().receivedSequence).toBe(-1);
    b.update(1);
    expect(b.host.sent).toHaveLength(0); // nothing to acknowledge
    const a = reliable();
    a.send(text('first'));
    b.receivePacket(a.host.sent[0]);
    expect(strings(b)).toEqual(['first']);
  });

  it('duplicates: payload dropped, counted, and 3 of them trigger an ack-only', () => {
    const a = reliable();
    const b = reliable();
    a.send(text('x'));
    b.receivePacket(a.host.sent[0]);
    b.update(1); // ack-only for seq 0
    expect(b.host.sent).toHaveLength(1);
    b.receivePacket(a.host.sent[0]);
    b.receivePacket(a.host.sent[0]);
    b.update(2);
    expect(b.host.sent).toHaveLength(1); // 2 duplicates: not yet
    b.receivePacket(a.host.sent[0]);
    b.update(3);
    expect(b.host.sent).toHaveLength(2);
    expect(strings(b)).toEqual(['x']);
    expect(b.stats.packetsDuplicated).toBe(3);
  });

  it('the ack fields of a duplicate are still processed', () => {
    const a = reliable();
    const b = reliable();
    a.send(text('a0'));
    a.send(text('a1'));
    b.receivePacket(a.host.sent[0]);
    b.send(text('b0')); // acks a0
    a.receivePacket(b.host.sent[0]);
    expect(a.inspect().inFlight).toBe(1);
    b.receivePacket(a.host.sent[1]);
    b.send(text('b1')); // acks a1
    // b1's header with SequenceId 0: a duplicate of b0 for a, but carrying the newer ack of a1.
    const dup = b.host.sent[1].slice();
    dup[14] = 0;
    a.receivePacket(dup);
    expect(a.stats.packetsDuplicated).toBe(1);
    expect(strings(a)).toEqual(['b0']);
    expect(a.inspect().inFlight).toBe(0);
  });

  it('stale and too-new packets are dropped', () => {
    const a = reliable(8);
    const b = reliable(8);
    const link = new Link(a, b, { seed: 1, delay: 1 });
    link.b.host.onPacket = null; // b's acks never reach a: a keeps resending nothing new
    for (let i = 0; i < 8; i++) a.send(text(`m${i}`));
    link.tick(1);
    expect(strings(b)).toHaveLength(8);
    // Craft seq 17 (> newest 7 + window 8) and seq 65535 (behind the window).
    const tooNew = a.host.sent[0].slice();
    tooNew[14] = 17;
    b.receivePacket(tooNew);
    const stale = a.host.sent[0].slice();
    stale[14] = 0xff;
    stale[15] = 0xff;
    b.receivePacket(stale);
    expect(b.stats.packetsDropped).toBe(2);
    expect(b.inspect().receivedSequence).toBe(7);
  });

  it('malformed headers are dropped (short, mask length contradicting the window)', () => {
    const b = reliable(32);
    b.receivePacket(fromHex('010102030405060708 01 00000000000000'));
    b.receivePacket(fromHex('010102030405060708 01 0004 0000 0000 ffff ffffffff 41'));
    b.receivePacket(fromHex('010102030405060708 01 0000 0000 0000 ffff ffff'));
    expect(b.stats.packetsDropped).toBe(3);
    const w = reliable(256);
    w.receivePacket(fromHex('010102030405060708 01 0000 0000 0000 ffff ffffffff 41'));
    expect(w.stats.packetsDropped).toBe(1);
    expect(b.host.delivered.length + w.host.delivered.length).toBe(0);
  });
});

describe('resends', () => {
  it('resends after clamp(RTO, 64, 200) from the stored copy, with a fresh header and no back-off', () => {
    const a = reliable();
    const b = reliable();
    a.send(text('m0'));
    a.send(text('m1'));
    const original = hex(a.host.sent[1]);
    b.send(text('news')); // a learns something before resending: the resend carries it
    a.host.now = 5;
    a.receivePacket(b.host.sent[0]);
    a.host.sent.length = 0;
    a.update(64);
    expect(a.host.sent).toHaveLength(1); // the ack-only for b's packet; nothing is due yet (now > 0 + 64 is false)
    a.host.sent.length = 0;
    a.update(65);
    const resent = a.host.sent.map((p) => header(p));
    expect(resent).toMatchObject([{ sequence: 0, payload: 'm0', ackedSequence: 0 }, { sequence: 1, payload: 'm1' }]);
    const resentHex = hex(a.host.sent[1]);
    expect(resentHex.slice(28, 32)).toBe(original.slice(28, 32)); // same SequenceId (bytes 14-15)
    expect(resentHex.slice(44)).toBe(original.slice(44)); // same payload
    expect(resentHex.slice(32, 36)).not.toBe(original.slice(32, 36)); // fresh AckedSequenceId
    expect(a.stats.packetsResent).toBe(2);
    a.host.sent.length = 0;
    a.update(129);
    expect(a.host.sent).toHaveLength(0);
    a.update(130); // 65 ms later again: constant interval, no back-off
    expect(a.host.sent).toHaveLength(2);
  });

  it('a new packet goes to the carrier as stored, and nothing writes into it while it may still be in flight', () => {
    const a = reliable();
    const b = reliable();
    for (let i = 0; i < 6; i++) a.send(text(`m${i}`));
    expect(a.host.kept.map((k) => k.bytes)).toEqual(a.host.sent.map(hex)); // every first transmission, uncopied
    const sent = [...a.host.sent];
    b.send(text('news')); // so that a's resends carry other ack fields than its first transmissions
    for (const i of [0, 1, 3, 4]) b.receivePacket(sent[i]); // 2 and 5 lost
    b.update(1);
    a.host.now = 10;
    for (const p of b.host.sent) a.receivePacket(p); // fast retransmit of 2
    a.update(300); // timed resends of 2 and 5
    expect(a.stats.packetsResent).toBeGreaterThanOrEqual(3);
    expect(a.host.keptAltered()).toBe(0);
    // Released with 2 and 5 unacknowledged: their buffers are not reused by another connection's stage (acknowledged
    // ones are: the peer got them, so the carrier, which sends in order, is done with their first transmission).
    a.pipeline.dispose();
    const c = reliable();
    for (let i = 0; i < 30; i++) c.send(text(`c${i}`));
    const unacked = [a.host.kept[2], a.host.kept[5]];
    expect(unacked.map((k) => hex(k.buffer.subarray(k.start, k.end)))).toEqual(unacked.map((k) => k.bytes));
  });

  it('counts the sequences a newer packet skips as lost, once; the late arrival is held, not counted again', () => {
    const a = reliable();
    const b = reliable();
    for (let i = 0; i < 6; i++) a.send(text(`m${i}`));
    const sent = [...a.host.sent];
    b.receivePacket(sent[0]);
    b.receivePacket(sent[3]); // 1 and 2 missing
    expect(b.stats.packetsLost).toBe(2);
    b.receivePacket(sent[1]); // a late one (reordered, or resent) fills a hole
    b.receivePacket(sent[5]); // 4 missing
    expect(b.stats.packetsLost).toBe(3);
    expect(strings(b)).toEqual(['m0', 'm1']);
  });

  it('fast retransmit: a hole behind a newer acknowledged packet is resent at once, and not again', () => {
    const a = reliable();
    const b = reliable();
    for (let i = 0; i < 12; i++) a.send(text(`m${i}`));
    const originals = [...a.host.sent];
    const eight = hex(originals[8]);
    for (let i = 0; i < 11; i++) if (i !== 8) b.receivePacket(originals[i]);
    b.update(1); // ack-only: acked 10, bit 2 (seq 8) clear
    a.host.sent.length = 0;
    a.host.now = 10; // far below the 64 ms timeout
    a.receivePacket(b.host.sent[0]);
    expect(a.host.sent.map(hex)).toEqual([eight]); // same bytes as a timed resend would have
    expect(a.stats.packetsResent).toBe(1);
    a.receivePacket(b.host.sent[0]); // the same ack again: no storm
    // Seq 11 was first sent before the fast resend: its ack (8 still missing) proves nothing new.
    b.receivePacket(originals[11]);
    b.update(2);
    a.host.now = 11;
    a.receivePacket(b.host.sent[1]);
    expect(a.host.sent).toHaveLength(1);
    // Seq 12 is first sent after the fast resend: if it is acknowledged while 8 is still missing, that
    // resend was lost too, so 8 goes out again at once.
    a.send(text('m12'));
    b.receivePacket(a.host.sent[1]);
    b.update(3);
    a.host.now = 12;
    a.receivePacket(b.host.sent[2]);
    expect(a.host.sent.slice(2).map((p) => header(p).sequence)).toEqual([8]);
    expect(a.stats.packetsResent).toBe(2);
  });

  it('RTT converges toward the link round trip, ProcessingTime excluded', () => {
    withSeed(5, (seed) => {
      for (const [delay, expected] of [[20, 40], [60, 120]]) {
        const a = reliable();
        const b = reliable();
        const link = new Link(a, b, { seed, delay });
        let warmUpResends = 0;
        for (let now = 1; now <= 3000; now++) {
          link.tick(now);
          if (now % 7 === 0) a.send(text('ping'));
          if (now % 50 === 0) b.send(text('pong')); // piggy-backed acks with non-zero processing time
          if (now === 1000) warmUpResends = a.stats.packetsResent; // before the first samples the timeout is 64 ms
        }
        expect(Math.abs(a.stats.rtt - expected)).toBeLessThan(1.5);
        expect(a.stats.rttVariance).toBeLessThan(1.5);
        // UTP's timeout plus, locally, the granularity G (here the 7 ms ack cadence of a's sends) and the
        // peer's ack delay (~1 ms): RFC 6298's SRTT + max(G, 4·RTTVAR), never below UTP's value.
        const utp = Math.min(Math.max(Math.trunc(a.stats.rtt + 4 * a.stats.rttVariance), 64), 200);
        expect(a.stats.resendTimeout).toBeGreaterThanOrEqual(utp);
        expect(a.stats.resendTimeout).toBeLessThanOrEqual(utp + 7 + 3);
        // Once estimated, nothing is resent on a lossless link, also above the 64 ms floor where UTP's own
        // formula (RTTVAR decays to 0 on a constant link) fires just before the ack is back.
        expect(a.stats.packetsResent).toBe(warmUpResends);
      }
    });
  });

  it('RTT sample: only AckedSequenceId, first report only, rtt ≥ 1', () => {
    const a = reliable();
    a.send(text('x'));
    a.host.now = 30;
    // acked 0, processing time 25 → sample 5.
    a.receivePacket(fromHex('010102030405060708 01 01 00 1900 0000 0000 ffffffff 00'));
    expect(a.inspect().lastRtt).toBe(5);
    expect(a.stats.rtt).toBeCloseTo(50 + (5 - 50) / 8);
    a.host.now = 90;
    a.receivePacket(fromHex('010102030405060708 01 01 00 0000 0000 0000 ffffffff 00'));
    expect(a.inspect().lastRtt).toBe(5); // second report of seq 0: no sample
    a.send(text('y'));
    a.host.now = 91;
    a.receivePacket(fromHex('010102030405060708 01 01 00 6400 0000 0100 ffffffff 00'));
    expect(a.inspect().lastRtt).toBe(1); // 91 − 90 − 100 clamps to 1
  });
});

describe('inspect', () => {
  it('is a read-only snapshot of the window, sequences and RTT', () => {
    const a = reliable();
    a.send(text('x'));
    const snap = a.inspect();
    expect(snap).toMatchObject({
      windowSize: 32, headerCapacity: 12, nextSendSequence: 1, peerAckedSequence: -1, inFlight: 1,
      receivedSequence: -1, lastDeliveredSequence: -1, bufferedOutOfOrder: 0, queuedMessages: 0,
      srtt: 50, rttVariance: 5, resendTimeout: 64,
    });
    snap.inFlight = 99;
    expect(a.inspect().inFlight).toBe(1);
  });
});
