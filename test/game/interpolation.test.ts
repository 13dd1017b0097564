// The interpolation buffer for other players and the clock that places it in server time.
import { describe, expect, it } from 'vitest';
import { INTERPOLATION_MS, TICK_MS } from '../../sample-game/shared/constants.ts';
import {
  BUFFER_SAMPLES, InterpolationBuffer, MAX_EXTRAPOLATION_TICKS, ServerClock, type Sample,
} from '../../sample-game/shared/interpolation.ts';
import { seededRandom } from '../../sample-game/shared/rules.ts';

const sample = (tick: number, x: number, y = 0): Sample => ({ tick, x, y, fx: 1, fy: 0, dash: 0, stun: 0 });

describe('InterpolationBuffer', () => {
  it('interpolates between the samples around a tick', () => {
    const b = new InterpolationBuffer();
    b.push(sample(10, 0));
    b.push(sample(11, 10));
    b.push(sample(13, 30, 20));                       // tick 12 was lost
    expect(b.sample(10.5)!.x).toBeCloseTo(5);
    expect(b.sample(12)!.x).toBeCloseTo(20);
    expect(b.sample(12)!.y).toBeCloseTo(10);
    expect(b.sample(5)!.x).toBe(0);                   // before the oldest: hold it
  });

  it('extrapolates briefly past the newest sample, then holds', () => {
    const b = new InterpolationBuffer();
    b.push(sample(1, 0));
    b.push(sample(2, 10));
    expect(b.sample(3)!.x).toBeCloseTo(20);
    expect(b.sample(50)!.x).toBeCloseTo(10 + 10 * MAX_EXTRAPOLATION_TICKS);
  });

  it('does not slide across a teleport', () => {
    const b = new InterpolationBuffer();
    b.push(sample(1, 0));
    b.push(sample(2, 900));
    expect(b.sample(1.5)!.x).toBe(0);
    expect(b.sample(2)!.x).toBe(900);
    expect(b.sample(4)!.x).toBe(900);
  });

  it('ignores stale samples and keeps a bounded history', () => {
    const b = new InterpolationBuffer();
    for (let t = 1; t <= 100; t++) b.push(sample(t, t));
    b.push(sample(50, -1));
    expect(b.size).toBe(BUFFER_SAMPLES);
    expect(b.newest!.x).toBe(100);
    expect(new InterpolationBuffer().sample(1)).toBeNull();
  });
});

describe('ServerClock', () => {
  it('follows the fastest arrivals, so jitter does not shake the timeline', () => {
    const clock = new ServerClock();
    expect(clock.synced).toBe(false);
    const random = seededRandom(9);
    const base = 5000;
    const latency = 40;
    for (let tick = 1; tick <= 300; tick++) {
      const jitter = random() * 60;
      clock.observe(tick, base + tick * TICK_MS + latency + jitter);
    }
    // "Now" is the arrival time of tick 300 at the least delay seen: the estimate is within a few ms of it.
    const now = base + 300 * TICK_MS + latency;
    expect(Math.abs(clock.tickAt(now) - 300)).toBeLessThan(0.5);
    // With INTERPOLATION_MS of delay, the render tick is behind the newest received tick even for late packets.
    const renderTick = clock.tickAt(now + 60) - INTERPOLATION_MS / TICK_MS;
    expect(renderTick).toBeLessThan(300);
  });

  it('moves at once when packets come earlier (a shorter path), slowly when later', () => {
    const clock = new ServerClock();
    clock.observe(10, 1000);
    clock.observe(11, 1000 + TICK_MS - 20);          // 20 ms earlier than expected
    expect(clock.tickAt(1000 + TICK_MS - 20)).toBeCloseTo(11);
    clock.observe(12, 1000 + 2 * TICK_MS + 100);       // 120 ms late: only 2 % of it is taken
    expect(clock.tickAt(1000 + 2 * TICK_MS - 20)).toBeGreaterThan(11.9);
  });
});
