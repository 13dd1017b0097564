import { describe, expect, it } from 'vitest';
import { ReliableSequencedPipelineStage } from '../../../plugin/transport/stages/index.ts';
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { UtpSettingsError } from '../../../plugin/transport/api/errors.ts';
import { Endpoint } from './harness.ts';
import { hex, text } from '../../support/hex.ts';

/** Reliable endpoint with the local resend settings (utp-ts only; UTP's defaults are off). */
function reliable(p: { resendBackoff?: boolean; maxResendsPerUpdate?: number; minimumResendTime?: number } = {}) {
  const settings = new NetworkSettings().withReliableStageParameters({ windowSize: 32, ...p });
  return new Endpoint([ReliableSequencedPipelineStage], settings);
}

/** Updates `e` every millisecond from `from` to `to` and returns the times at which it transmitted something. */
function sendTimes(e: Endpoint, from: number, to: number): number[] {
  const times: number[] = [];
  for (let now = from; now <= to; now++) {
    const before = e.host.sent.length;
    e.update(now);
    if (e.host.sent.length > before) times.push(now);
  }
  return times;
}

const gaps = (times: number[], start: number) => times.map((t, i) => t - (i === 0 ? start : times[i - 1]));

describe('resend back-off (resendBackoff, local timing only)', () => {
  it('a peer that stops acknowledging sees resends spaced 1×, 2×, 4×… the timeout, capped at maximumResendTime', () => {
    // Timeout before any sample: UTP's initial RTO 50, floored at minimumResendTime 20 ⇒ 50 ms; maximum 200.
    const a = reliable({ resendBackoff: true, minimumResendTime: 20 });
    expect(a.inspect().resendTimeout).toBe(50);
    a.send(text('m0'));
    const original = hex(a.host.sent[0]);
    // A resend is due when now > sendTime + timeout, i.e. 1 ms after each interval.
    const times = sendTimes(a, 1, 1000);
    expect(gaps(times, 0)).toEqual([51, 101, 201, 201, 201, 201]);
    // Every resend is the original packet byte for byte (nothing received, so even the header is unchanged).
    expect(a.host.sent.slice(1).map(hex)).toEqual(times.map(() => original));
    expect(a.stats.packetsResent).toBe(6);
  });

  it('without the setting the interval stays constant (UTP, spec §5.3.4)', () => {
    const a = reliable({ minimumResendTime: 20 });
    a.send(text('m0'));
    expect(gaps(sendTimes(a, 1, 400), 0)).toEqual([51, 51, 51, 51, 51, 51, 51]);
  });

  it('an acknowledgement that advances resets the back-off of the packets still in flight', () => {
    // maximumResendTime 1000 so that the back-off, not the cap, would decide the next interval.
    const settings = new NetworkSettings().withReliableStageParameters({ resendBackoff: true, minimumResendTime: 20, maximumResendTime: 1000 });
    const a = new Endpoint([ReliableSequencedPipelineStage], settings);
    const b = new Endpoint([ReliableSequencedPipelineStage], settings);
    a.send(text('m0'));
    a.send(text('m1'));
    const originals = [...a.host.sent];
    expect(sendTimes(a, 1, 160)).toEqual([51, 152]); // two rounds of resends: the next would wait 4 × 50
    // Now seq 0 arrives and b acknowledges it (seq 1 still missing): the ack advances.
    b.receivePacket(originals[0]);
    b.update(1);
    a.host.now = 170;
    a.receivePacket(b.host.sent[0]);
    expect(a.inspect().inFlight).toBe(1);
    const timeout = a.inspect().resendTimeout; // the new RTT sample (170 ms) raised it to about 200
    expect(timeout).toBeLessThan(4 * 200);
    a.host.sent.length = 0;
    // Seq 1 is due after the plain timeout from its last resend at 152, not after 4 × the timeout.
    const times = sendTimes(a, 171, 1200);
    expect(times[0]).toBe(152 + timeout + 1);
    expect(Buffer.from(a.host.sent[0].subarray(22)).toString()).toBe('m1');
    // Unanswered again, it backs off anew: 1×, then 2× the timeout.
    expect(times[1] - times[0]).toBe(2 * a.inspect().resendTimeout + 1);
  });
});

describe('per-update resend bound (maxResendsPerUpdate, local timing only)', () => {
  it('resends at most N due packets per update, oldest first; the rest leave in the next updates, same bytes', () => {
    const a = reliable({ maxResendsPerUpdate: 3 });
    for (let i = 0; i < 8; i++) a.send(text(`m${i}`));
    const originals = a.host.sent.map(hex);
    a.host.sent.length = 0;
    a.update(65); // all eight due (64 ms timeout)
    expect(a.host.sent.map(hex)).toEqual(originals.slice(0, 3));
    a.update(66);
    expect(a.host.sent.map(hex)).toEqual(originals.slice(0, 6));
    a.update(67);
    expect(a.host.sent.map(hex)).toEqual(originals);
    a.update(68); // nothing due any more
    expect(a.host.sent).toHaveLength(8);
    expect(a.stats.packetsResent).toBe(8);
  });

  it('with back-off, a round of bounded resends holds the next round for the (doubling) timeout', () => {
    const a = reliable({ maxResendsPerUpdate: 3, resendBackoff: true });
    for (let i = 0; i < 8; i++) a.send(text(`m${i}`));
    const originals = a.host.sent.map(hex);
    a.host.sent.length = 0;
    const seqAt = new Map<number, string[]>();
    for (let now = 1; now <= 300; now++) {
      const before = a.host.sent.length;
      a.update(now);
      if (a.host.sent.length > before) seqAt.set(now, a.host.sent.slice(before).map((p) => hex(p)));
    }
    // 65: the three oldest; the connection's timer then waits 64 ms, then 128 (the next three, then 0-2 again).
    expect([...seqAt.keys()]).toEqual([65, 129, 257]);
    expect(seqAt.get(65)).toEqual(originals.slice(0, 3));
    expect(seqAt.get(129)).toEqual(originals.slice(3, 6));
    expect(seqAt.get(257)).toEqual(originals.slice(0, 3));
  });

  it('0 means no bound: every due packet in one update, as UTP does', () => {
    const a = reliable({ maxResendsPerUpdate: 0 });
    for (let i = 0; i < 8; i++) a.send(text(`m${i}`));
    a.host.sent.length = 0;
    a.update(65);
    expect(a.host.sent).toHaveLength(8);
  });

  it('settings reject a negative bound and a non-boolean back-off with a typed error', () => {
    expect(() => new NetworkSettings().withReliableStageParameters({ maxResendsPerUpdate: -1 })).toThrow(UtpSettingsError);
    expect(() => new NetworkSettings().withReliableStageParameters({ resendBackoff: 1 as unknown as boolean }))
      .toThrow(UtpSettingsError);
  });
});
