/**
 * A small seeded pseudo-random generator for the network simulators (pipeline stage and driver-wide
 * layer). Not cryptographic: it only has to be fast, well mixed and reproducible from a 32-bit seed,
 * so that a simulated run can be replayed exactly (UTP's `RandomSeed` parameters, spec §5.5).
 *
 * Construction: a Weyl sequence (the state advances by the 32-bit golden-ratio constant) passed through a
 * 32-bit avalanche finaliser. Every seed, including 0, gives a full-period stream of 2^32 outputs.
 */
export class SeededRandom {
  #state: number;

  /** `seed` is used modulo 2^32. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Next value, uniform in 0..2^32-1. */
  nextU32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n ≥ 1. */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Uniform integer in [min, max], both inclusive. */
  nextRange(min: number, max: number): number {
    return min + this.nextInt(max - min + 1);
  }

  /** True with probability `percent` / 100 (0 never, 100 always). Always consumes one draw. */
  chance(percent: number): boolean {
    return this.nextFloat() * 100 < percent;
  }

  /** The internal state, to snapshot or resume a stream. */
  get state(): number {
    return this.#state;
  }
}

/**
 * A seed for parameters that say "0 = pick one" (UTP seeds from the clock there). Not reproducible by
 * design; pass a non-zero seed for reproducible runs.
 */
export function randomSeed(): number {
  return ((Math.random() * 0xffffffff) >>> 0) || 1;
}
