import type { Summary } from './stats.ts';

/** How a suite should run, from the command line. */
export interface RunOptions {
  quick: boolean;
  rounds: number;
  /** Measured time per side per round. */
  durationMs: number;
  /** Unmeasured time before it, so both sides are JIT-warm and the kernel buffers are in steady state. */
  warmupMs: number;
  /** When set, ours' server process runs with `--cpu-prof` and writes its profile here. */
  profileDir: string | null;
  /** Pin the server to core 0 and the load generator to core 1 (taskset), so they never share a core. */
  pin: boolean;
  /** How often a round disturbed by other processes may be repeated. */
  retries: number;
  log: (line: string) => void;
}

/** One side of one round, as a benchmark measured it. `value` is higher-is-better. */
export interface Sample {
  value: number;
  /** Diagnostics kept in the JSON (losses, server CPU…), never used in the ratio. */
  extra: Record<string, number>;
}

export interface Round {
  round: number;
  order: 'ours-first' | 'baseline-first';
  ours: Sample;
  baseline: Sample;
  /** ours.value / baseline.value, paired within the round. */
  ratio: number;
  /** Other processes used more than NOISY_CORES during this round (kept because retries ran out). */
  noisy?: boolean;
  /** Earlier attempts of this round, thrown away because other processes were busy. */
  discarded?: Round[];
}

/** What a suite returns. */
export interface BenchOutcome {
  rounds: Round[];
  /** Shown under the table and in the report: what exactly is compared. */
  note: string;
}

export interface Suite {
  name: string;
  /** Ratio ours/baseline the project aims for (higher is better). */
  goal: number;
  unit: string;
  description: string;
  /** A reason to skip, or null when the benchmark can run. */
  unavailable?(): Promise<string | null>;
  run(opts: RunOptions): Promise<BenchOutcome>;
}

/** One benchmark's entry in latest.json. */
export interface BenchResult {
  name: string;
  description: string;
  unit: string;
  goal: number;
  skipped: string | null;
  note: string;
  rounds: Round[];
  ours: Summary | null;
  baseline: Summary | null;
  ratio: Summary | null;
  met: boolean | null;
}
