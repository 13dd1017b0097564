// Resend back-off and the per-update bound (local timing, utp-ts only) between two endpoints on a fake clock: with
// acknowledgements flowing nothing changes, a peer that stops acknowledging gets few resends, and after it returns
// everything arrives, complete and in order, at a peer that runs UTP's defaults.
import { describe, expect, it } from 'vitest';
import { ReliableSequencedPipelineStage } from '../../../plugin/transport/stages/index.ts';
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { Endpoint, Link, withSeed } from './harness.ts';
import { hex, text } from '../../support/hex.ts';
import { SeededRandom } from '../../../plugin/transport/api/random.ts';
import { UtpSettingsError } from '../../../plugin/transport/api/errors.ts';

/** UtpTransport's server settings for the reliable stage (plugin/colyseus/server/transport.ts). */
const serverTiming = { resendBackoff: true, maxResendsPerUpdate: 8 };
const utpDefaults = (): NetworkSettings => new NetworkSettings();
const withTiming = (): NetworkSettings => new NetworkSettings().withReliableStageParameters(serverTiming);

/**
 * A sender `a` (queueing messages when its window is full, as Colyseus' pipeline does) and a UTP-default peer `b`,
 * `delay` ms apart; `lossToPeer` / `lossToSender` percent of the packets each way are lost (seeded).
 */
function pair(a: NetworkSettings, seed: number, lossToPeer: number, delay: number, lossToSender = lossToPeer) {
  const sender = new Endpoint([ReliableSequencedPipelineStage], a, { sendQueue: true });
  const peer = new Endpoint([ReliableSequencedPipelineStage], utpDefaults());
  const link = new Link(sender, peer, { seed, delay });
  const random = new SeededRandom(seed);
  // What the sender put on the wire, with the time. The losses are drawn per packet, so two runs that send the
  // same packets at the same times lose the same ones.
  const trace: string[] = [];
  const toPeer = sender.host.onPacket!;
  const toSender = peer.host.onPacket!;
  sender.host.onPacket = (p) => { trace.push(`${link.now} ${hex(p)}`); if (!random.chance(lossToPeer)) toPeer(p); };
  peer.host.onPacket = (p) => { if (!random.chance(lossToSender)) toSender(p); };
  return { sender, peer, link, trace };
}

describe('resend back-off with acknowledgements flowing', () => {
  // Timing is UTP's while an ack advances at least once per resend timeout: here the peer's acks are not lost and
  // every burst (50 ms apart, within the 64 ms minimum timeout) gets one.
  for (const [toPeer, toSender, delay] of [[10, 0, 5], [20, 0, 20]] as const) {
    it(`sends the same bytes at the same times as UTP's constant timeout (loss ${toPeer} % to the peer, ${toSender} % back, ${delay} ms delay)`, () => {
      withSeed(8100 + toPeer, (seed) => {
        const run = (settings: NetworkSettings) => {
          const r = pair(settings, seed, toPeer, delay, toSender);
          // Bursts of 3 every 50 ms: a lost last packet of a burst waits for its timer (a timed resend), and the
          // acks of the next burst reach the sender before a second timed resend of it would be due.
          for (let now = 0, i = 0; now <= 10_000; now++) {
            if (now % 50 === 0) for (let k = 0; k < 3; k++) r.sender.send(text(`m${i++}`));
            r.link.tick(now);
          }
          return { trace: r.trace, resent: r.sender.stats.packetsResent, delivered: r.peer.host.delivered.map((d) => Buffer.from(d).toString()) };
        };
        const utp = run(utpDefaults());
        expect(utp.resent).toBeGreaterThan(20); // losses were repaired by resends, so timing was exercised
        // Also with a per-second limit the link never reaches (here ≈ 6–15 resends/s).
        for (const ours of [run(withTiming()), run(withTiming().withReliableStageParameters({ maxResendsPerSecond: 50 }))]) {
          expect(ours.trace).toEqual(utp.trace);
          expect(ours.delivered).toEqual(utp.delivered);
        }
      });
    });
  }
});

describe('a peer that stops acknowledging (resendBackoff + maxResendsPerUpdate 8, peer with UTP defaults)', () => {
  /** 20 messages/s for 4 s; the peer is cut off both ways from 1 s to 3 s; returns what happened. */
  function stall(settings: NetworkSettings) {
    const r = pair(settings, 1, 0, 10);
    let cut = false;
    const toPeer = r.sender.host.onPacket!;
    const toSender = r.peer.host.onPacket!;
    r.sender.host.onPacket = (p) => { if (!cut) toPeer(p); else r.trace.push(`${r.link.now} ${hex(p)}`); };
    r.peer.host.onPacket = (p) => { if (!cut) toSender(p); };
    const resendTimes: number[] = [];
    const sent: string[] = [];
    let lastDelivery = 0;
    r.peer.host.onDeliver = () => { lastDelivery = r.link.now; };
    for (let now = 0; now <= 6000; now++) {
      cut = now >= 1000 && now < 3000;
      if (now % 50 === 0 && now <= 4000) { const m = `m${sent.length}`; sent.push(m); r.sender.send(text(m)); }
      const before = r.sender.stats.packetsResent;
      r.link.tick(now);
      for (let k = before; k < r.sender.stats.packetsResent; k++) if (cut) resendTimes.push(now);
    }
    return { resendTimes, sent, delivered: r.peer.host.delivered.map((d) => Buffer.from(d).toString()), lastDelivery, sender: r.sender };
  }

  it('resends at most 8 packets per round, in rounds spaced 1×, 2×… the timeout up to maximumResendTime', () => {
    const ours = stall(withTiming());
    const utp = stall(utpDefaults());
    const rounds = [...new Set(ours.resendTimes)];
    for (const t of rounds) expect(ours.resendTimes.filter((x) => x === t).length).toBeLessThanOrEqual(8);
    // After the first round of timed resends the connection's timer waits 64, 128, then 200 ms (maximumResendTime)
    // per round, each round taking the oldest due packets (more of them as the packets sent into the silence expire).
    const gaps = rounds.slice(1).map((t, i) => t - rounds[i]);
    const gated = gaps.slice(gaps.findIndex((g) => g >= 64));
    expect(gated.slice(0, 3)).toEqual([64, 128, 200]);
    expect(new Set(gated.slice(2))).toEqual(new Set([200]));
    // Bounded per interval: at most 8 resends in any 200 ms of the 2 s stall; UTP resends every due packet each time.
    for (let t = 1000; t < 3000; t += 10) {
      expect(ours.resendTimes.filter((x) => x >= t && x < t + 200).length).toBeLessThanOrEqual(8);
    }
    expect(ours.resendTimes.length).toBeLessThanOrEqual(90);
    expect(utp.resendTimes.length).toBeGreaterThan(500);
  });

  it('after the peer returns, everything is delivered complete and in order, about as soon as with UTP timing', () => {
    const ours = stall(withTiming());
    const utp = stall(utpDefaults());
    expect(ours.delivered).toEqual(ours.sent);
    expect(utp.delivered).toEqual(utp.sent);
    expect(ours.sender.inspect().inFlight).toBe(0);
    // The peer is back at 3000: the back-off may delay the first resend that reaches it by up to maximumResendTime
    // (200 ms), after which the first advancing ack resets it and the rest flows at UTP's pace.
    expect(ours.lastDelivery).toBeLessThanOrEqual(Math.max(utp.lastDelivery, 4000 + 10) + 200);
  });

  it('after the peer returns, a packet lost right after the first advancing ack is resent after its plain timeout', () => {
    const r = pair(withTiming(), 1, 0, 10);
    let dropNext = false;
    let cut = false;
    const toPeer = r.sender.host.onPacket!;
    const toSender = r.peer.host.onPacket!;
    r.sender.host.onPacket = (p) => { if (dropNext) { dropNext = false; return; } if (!cut) toPeer(p); };
    r.peer.host.onPacket = (p) => { if (!cut) toSender(p); };
    let now = 0;
    for (let i = 0; i < 10; i++) { r.sender.send(text(`a${i}`)); for (const end = now + 50; now < end; now++) r.link.tick(now); }
    cut = true;
    for (let i = 0; i < 10; i++) { r.sender.send(text(`b${i}`)); for (const end = now + 100; now < end; now++) r.link.tick(now); }
    cut = false; // the peer is back after a second of silence: the sender's timer is backed off to 200 ms
    const acked = r.sender.inspect().peerAckedSequence;
    while (r.sender.inspect().peerAckedSequence === acked) r.link.tick(now++);
    // Right after the first ack that advances, a new packet is lost. Without the reset it would wait for the
    // connection's backed-off timer; with it, it leaves once its own timeout has passed, as UTP's would.
    const sentAt = r.link.now;
    dropNext = true;
    r.sender.send(text('c0'));
    let resentAt = -1;
    let due = -1;
    const c0 = hex(text('c0'));
    for (; resentAt < 0 && now < sentAt + 1000; now++) {
      const timeout = r.sender.inspect().resendTimeout; // the update, which may resend, runs before this tick's receives
      const from = r.sender.host.sent.length;
      r.link.tick(now);
      if (r.sender.host.sent.slice(from).some((p) => hex(p).endsWith(c0))) { resentAt = now; due = sentAt + timeout + 1; }
    }
    expect(resentAt).toBe(due);
    r.link.tick(now + 100);
    expect(r.peer.host.delivered.map((d) => Buffer.from(d).toString())).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `b${i}`), 'c0',
    ]);
  });
});

describe('per-second resend limit (maxResendsPerSecond, local timing only)', () => {
  it('a peer silent for 3 s gets at most one second\'s worth plus the rate per second, then everything in order', () => {
    const run = (settings: NetworkSettings) => {
      const r = pair(settings, 1, 0, 10);
      let cut = false;
      const toPeer = r.sender.host.onPacket!;
      const toSender = r.peer.host.onPacket!;
      r.sender.host.onPacket = (p) => { if (!cut) toPeer(p); };
      r.peer.host.onPacket = (p) => { if (!cut) toSender(p); };
      const resendTimes: number[] = [];
      const sent: string[] = [];
      for (let now = 0; now <= 8000; now++) {
        cut = now >= 1000 && now < 4000;
        if (now % 50 === 0 && now <= 5000) { const m = `m${sent.length}`; sent.push(m); r.sender.send(text(m)); }
        const before = r.sender.stats.packetsResent;
        r.link.tick(now);
        for (let k = before; k < r.sender.stats.packetsResent; k++) resendTimes.push(now);
      }
      return { resendTimes, sent, delivered: r.peer.host.delivered.map((d) => Buffer.from(d).toString()), held: r.sender.stats.resendsHeld };
    };
    const limited = run(new NetworkSettings().withReliableStageParameters({ maxResendsPerSecond: 10 }));
    const utp = run(utpDefaults());
    const inStall = (t: number[]) => t.filter((x) => x >= 1000 && x < 4000).length;
    expect(inStall(limited.resendTimes)).toBeLessThanOrEqual(10 + 3 * 10);
    expect(inStall(limited.resendTimes)).toBeGreaterThanOrEqual(3 * 10); // it resends at the rate, not less
    expect(inStall(utp.resendTimes)).toBeGreaterThan(500);
    for (let t = 1000; t + 1000 <= 4000; t += 50) {
      expect(limited.resendTimes.filter((x) => x >= t && x < t + 1000).length).toBeLessThanOrEqual(20);
    }
    expect(limited.held).toBeGreaterThan(0); // every hold-back is counted
    expect(utp.held).toBe(0);
    expect(limited.delivered).toEqual(limited.sent);
    expect(utp.delivered).toEqual(utp.sent);
  });

  it('settings reject a negative limit with a typed error; 0 (no limit) is the default', () => {
    expect(() => new NetworkSettings().withReliableStageParameters({ maxResendsPerSecond: -1 })).toThrow(UtpSettingsError);
    expect(new NetworkSettings().reliableStage.maxResendsPerSecond).toBe(0);
  });
});
