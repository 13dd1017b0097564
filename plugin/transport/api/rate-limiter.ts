/**
 * Per-source token buckets (the relay's packets, WebRTC offers, room and allocation creation over HTTP): each key
 * (a source address) may do `rate` things per second on average and `burst` at once. Time comes from the caller,
 * so tests run on a fake clock.
 */
export class RateLimiter {
  /** Packets per second each source may send on average. */
  readonly rate: number;
  /** Packets a source may send at once (its bucket size). Default 2 × `rate`. */
  readonly burst: number;
  /** Sources remembered at most: forged source addresses cannot grow the table without limit. */
  readonly maxSources: number;
  readonly #buckets = new Map<string, { tokens: number; last: number }>();
  /** Calls of `allow` that returned false. */
  refused = 0;

  /** `rate` packets per second on average, `burst` at once (default 2 × rate), `maxSources` keys remembered (default 65,536). Throws `RangeError` on a bad value. */
  constructor(rate: number, burst = 2 * rate, maxSources = 65_536) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError(`rate limit needs rate > 0 and burst ≥ 1, got ${rate}/${burst}`);
    if (!(maxSources >= 1)) throw new RangeError(`rate limit needs maxSources ≥ 1, got ${maxSources}`);
    this.rate = rate;
    this.burst = burst;
    this.maxSources = maxSources;
  }

  /** Takes one token for `key` at time `now` (ms); false if its bucket is empty. */
  allow(key: string, now: number): boolean {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      // Full: forget the source seen first (a Map iterates in insertion order); a flood of forged sources cycles
      // its own entries, and a returning source starts with a fresh bucket.
      if (this.#buckets.size >= this.maxSources) this.#buckets.delete(this.#buckets.keys().next().value!);
      b = { tokens: this.burst, last: now };
      this.#buckets.set(key, b);
    } else if (now > b.last) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) * this.rate) / 1000);
      b.last = now;
    }
    if (b.tokens < 1) { this.refused++; return false; }
    b.tokens -= 1;
    return true;
  }

  /** Forgets buckets that have refilled completely (their sources went quiet). */
  sweep(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.last) * this.rate) / 1000 >= this.burst) this.#buckets.delete(k);
    }
  }

  /** Addresses tracked. */
  get size(): number { return this.#buckets.size; }
}
