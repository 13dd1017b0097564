import { describe, expect, it } from 'vitest';
import { LinkShaper } from '../../bench/lib/delayed-link.ts';

/** A minimal IPv4 header with protocol `proto` (6 TCP, 17 UDP, 1 ICMP). */
function ipv4(proto: number): Uint8Array {
  const p = new Uint8Array(28);
  p[0] = 0x45;
  p[9] = proto;
  return p;
}

const shape = { delayMs: 20, jitterMs: 5, lossPercent: 2, seed: 7 };

describe('LinkShaper (the delayed link of rtt-delayed-link)', () => {
  it('drops the configured share of TCP and UDP packets in each direction', () => {
    const s = new LinkShaper([10, 11], shape);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      s.arrive(0, ipv4(17), i);
      s.arrive(1, ipv4(6), i);
      s.takeDue(i);
    }
    expect(s.counters.droppedUdp / n).toBeGreaterThan(0.017);
    expect(s.counters.droppedUdp / n).toBeLessThan(0.023);
    expect(s.counters.droppedTcp / n).toBeGreaterThan(0.017);
    expect(s.counters.droppedTcp / n).toBeLessThan(0.023);
  });

  it('makes the same decisions from the same seed, and others from another seed', () => {
    const decisions = (seed: number): boolean[] => {
      const s = new LinkShaper([10, 11], { ...shape, seed });
      return Array.from({ length: 2_000 }, (_, i) => s.arrive(0, ipv4(17), i));
    };
    expect(decisions(7)).toEqual(decisions(7));
    expect(decisions(7)).not.toEqual(decisions(8));
  });

  it('delays each packet by the delay ± the jitter and hands it to the other device in due order', () => {
    const s = new LinkShaper([10, 11], { ...shape, lossPercent: 0 });
    for (let i = 0; i < 1_000; i++) expect(s.arrive(i % 2 === 0 ? 0 : 1, ipv4(17), 1_000)).toBe(true);
    expect(s.takeDue(1_000 + 15 - 0.001)).toEqual([]);
    const out = s.takeDue(1_000 + 25);
    expect(out).toHaveLength(1_000);
    expect(s.queue).toHaveLength(0);
    const dues = out.map((p) => p.due);
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    const mean = dues.reduce((a, b) => a + b, 0) / dues.length - 1_000;
    expect(mean).toBeGreaterThan(19.5);
    expect(mean).toBeLessThan(20.5);
    expect(Math.max(...dues) - Math.min(...dues)).toBeGreaterThan(9); // the jitter is really there
    const sent = new Set(out.map((p) => p.to));
    expect(sent).toEqual(new Set([10, 11]));
  });

  it('sends a packet from the clients\' device to the server\'s and back', () => {
    const s = new LinkShaper([10, 11], { ...shape, lossPercent: 0 });
    s.arrive(0, ipv4(6), 0);
    expect(s.takeDue(100).map((p) => p.to)).toEqual([11]);
    s.arrive(1, ipv4(6), 0);
    expect(s.takeDue(100).map((p) => p.to)).toEqual([10]);
  });

  it('never forwards what is not TCP or UDP over IPv4, and counts it', () => {
    const s = new LinkShaper([10, 11], { ...shape, lossPercent: 0 });
    const v6 = new Uint8Array(48);
    v6[0] = 0x60;
    expect(s.arrive(0, v6, 0)).toBe(false);
    expect(s.arrive(0, ipv4(1), 0)).toBe(false);
    expect(s.arrive(0, new Uint8Array(8), 0)).toBe(false);
    expect(s.counters.ignored).toBe(3);
    expect(s.queue).toHaveLength(0);
  });

  it('restarts counters and random streams when reshaped', () => {
    const s = new LinkShaper([10, 11], { ...shape, lossPercent: 100 });
    s.arrive(0, ipv4(17), 0);
    expect(s.counters.droppedUdp).toBe(1);
    s.reshape({ ...shape, lossPercent: 0 });
    expect(s.counters.droppedUdp).toBe(0);
    expect(s.arrive(0, ipv4(17), 0)).toBe(true);
  });
});
