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

/** One side of one round, as a benchmark measured it (`Suite.better` says which way is better). */
export interface Sample {
  value: number;
  /** Diagnostics kept in the JSON (losses, server CPU…), never used in the ratio. */
  extra: Record<string, number>;
}

export interface Round {
  round: number;
  /** What this round measured, when rounds are configurations rather than repeats (wire-bytes). */
  label?: string;
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

/** A goal stated in absolute terms (GC share, memory for 10,000 connections…), checked beside the ratio. */
export interface Check {
  label: string;
  /** The measured figure, formatted. */
  value: string;
  /** The goal, formatted ('< 1 %'). */
  goal: string;
  met: boolean;
}

/** What a suite returns. */
export interface BenchOutcome {
  rounds: Round[];
  /** Shown under the table and in the report: what exactly is compared. */
  note: string;
  /** Absolute goals; the benchmark's goal is met only when the ratio and every check are. */
  checks?: Check[];
  /** Lines printed under the table and shown in the report (breakdowns, percentiles, the loss method…). */
  details?: string[];
}

/**
 * Which way the ratio ours/baseline should go: 'higher' (ratio ≥ goal: throughput), 'lower' (ratio ≤ goal: CPU,
 * memory, latency), 'exact' (ratio = goal: a model that must match to the byte).
 */
export type Better = 'higher' | 'lower' | 'exact';

/** Whether a ratio meets its goal (exact: within 1e-9). */
export function goalMet(better: Better, goal: number, ratio: number): boolean {
  if (better === 'lower') return ratio <= goal;
  if (better === 'exact') return Math.abs(ratio - goal) <= 1e-9;
  return ratio >= goal;
}

/** '≥ 0.8×', '≤ 0.25×', '= 1.0×'. */
export function goalText(better: Better, goal: number): string {
  return `${better === 'lower' ? '≤' : better === 'exact' ? '=' : '≥'} ${goal}×`;
}

export interface Suite {
  name: string;
  /** Ratio ours/baseline the project aims for, in the direction `better` says. */
  goal: number;
  /** Default 'higher'. */
  better?: Better;
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
  better: Better;
  skipped: string | null;
  note: string;
  checks: Check[];
  details: string[];
  rounds: Round[];
  ours: Summary | null;
  baseline: Summary | null;
  ratio: Summary | null;
  met: boolean | null;
}
