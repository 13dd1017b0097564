import type { Side } from './echo-pair.ts';
import { alternate } from './rounds.ts';
import type { Round, RunOptions, Sample } from './types.ts';

/** One side of one round, plus its slowest samples (for percentiles pooled over every round). */
export interface TailSample { sample: Sample; tail: number[] }

/** Rounds whose samples report `extra.samples` and their slowest values, pooled and per round. */
export interface TailRounds {
  rounds: Round[];
  /** Quantile `q` over every round's samples together (each round sent back enough of its slowest). */
  pooled(side: Side, q: number): number;
  /** Median over rounds of `extra[key]`. */
  med(side: Side, key: string): number;
  /** Samples measured per side over every round. */
  counts: Record<Side, number>;
}

/**
 * `alternate` for latency suites: both sides of a round (and of a repeated attempt) share a seed, and the slowest
 * samples of every round — kept or discarded — are pooled, so p99 and p99.9 come from all samples together.
 */
export async function tailRounds(
  name: string, opts: RunOptions, unit: string, measure: (side: Side, seed: number) => Promise<TailSample>,
): Promise<TailRounds> {
  const tails: Record<Side, number[]> = { ours: [], baseline: [] };
  const counts: Record<Side, number> = { ours: 0, baseline: 0 };
  let sides = 0;
  const rounds = await alternate(name, opts, async (side) => {
    const { sample, tail } = await measure(side, 1 + Math.floor(sides++ / 2));
    tails[side].push(...tail);
    counts[side] += sample.extra.samples;
    return sample;
  }, unit);
  return {
    rounds,
    counts,
    pooled(side, q) {
      const t = [...tails[side]].sort((a, b) => b - a);
      return t[Math.min(Math.floor((1 - q) * counts[side]), t.length - 1)] ?? Number.NaN;
    },
    med(side, key) {
      const v = rounds.map((r) => r[side].extra[key]).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)];
    },
  };
}
