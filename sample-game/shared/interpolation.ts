// Other players are drawn slightly in the past (INTERPOLATION_MS), between two snapshots that already arrived, so
// their motion is smooth whatever the jitter; a ServerClock maps local time to the server's tick.
import { TICK_MS } from './constants.ts';

/** Estimates the server's current tick from snapshot arrivals. */
export class ServerClock {
  /** local ms − tick × TICK_MS, following the fastest arrivals; null before the first snapshot. */
  #offset: number | null = null;

  /**
   * A snapshot of `tick` arrived at local time `now`. Earlier-than-expected arrivals move the estimate at once;
   * later ones (jitter, or a slower path) move it slowly, so a late packet does not shift the timeline.
   */
  observe(tick: number, now: number): void {
    const offset = now - tick * TICK_MS;
    if (this.#offset === null || offset < this.#offset) this.#offset = offset;
    else this.#offset += (offset - this.#offset) * 0.02;
  }

  get synced(): boolean {
    return this.#offset !== null;
  }

  /** The server tick (fractional) at local time `now`. */
  tickAt(now: number): number {
    return this.#offset === null ? 0 : (now - this.#offset) / TICK_MS;
  }
}

/** One position of an entity at a server tick, with what is drawn from it. */
export interface Sample {
  tick: number;
  x: number;
  y: number;
  fx: number;
  fy: number;
  dash: number;
  stun: number;
}

/** Samples kept per entity (about 1 s). */
export const BUFFER_SAMPLES = 32;
/** How far past the newest sample positions are extrapolated, in ticks; then they hold. */
export const MAX_EXTRAPOLATION_TICKS = 3;
/** Two samples further apart than this are a teleport (respawn): no sliding between them. */
export const TELEPORT_DISTANCE = 200;

/** The snapshots of one entity, and where it is at any tick between them. */
export class InterpolationBuffer {
  readonly #samples: Sample[] = [];

  get size(): number {
    return this.#samples.length;
  }

  get newest(): Sample | null {
    return this.#samples.at(-1) ?? null;
  }

  /** Adds a sample; one not newer than the newest is ignored (the channel already drops stale packets). */
  push(sample: Sample): void {
    const s = this.#samples;
    if (s.length > 0 && sample.tick <= s[s.length - 1].tick) return;
    s.push(sample);
    if (s.length > BUFFER_SAMPLES) s.shift();
  }

  /** The state at `tick` (fractional): interpolated, briefly extrapolated past the newest, null when empty. */
  sample(tick: number): Sample | null {
    const s = this.#samples;
    if (s.length === 0) return null;
    if (tick <= s[0].tick) return { ...s[0], tick };
    const last = s[s.length - 1];
    if (tick >= last.tick) {
      if (s.length < 2) return { ...last, tick };
      const prev = s[s.length - 2];
      if (far(prev, last)) return { ...last, tick };
      const ahead = Math.min(tick - last.tick, MAX_EXTRAPOLATION_TICKS);
      const k = ahead / (last.tick - prev.tick);
      return { ...last, tick, x: last.x + (last.x - prev.x) * k, y: last.y + (last.y - prev.y) * k };
    }
    let i = s.length - 2;
    while (i > 0 && s[i].tick > tick) i--;
    const a = s[i];
    const b = s[i + 1];
    if (far(a, b)) return { ...a, tick };
    const t = (tick - a.tick) / (b.tick - a.tick);
    return {
      tick, x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t,
      fx: a.fx + (b.fx - a.fx) * t, fy: a.fy + (b.fy - a.fy) * t, dash: a.dash, stun: a.stun,
    };
  }
}

function far(a: Sample, b: Sample): boolean {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  return dx * dx + dy * dy > TELEPORT_DISTANCE * TELEPORT_DISTANCE;
}
