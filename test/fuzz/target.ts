import type { Mutator } from './mutator.ts';

/** One parser under fuzz. `input` feeds one generated input; the harness counts anything it throws as escaped. */
export interface FuzzTarget {
  readonly name: string;
  /** Before the first input (e.g. a snapshot of the counters, so the outcome reports this target's drops only). */
  start?(): void;
  input(m: Mutator): void | Promise<void>;
  /** Every `batch` inputs: pump the drivers and let the legitimate peer exchange a message. */
  tick?(): void | Promise<void>;
  readonly batch?: number;
  /** After the run: throws if the legitimate exchange broke; returns what was dropped or refused, by reason. */
  finish(): Promise<FuzzOutcome>;
}

export interface FuzzOutcome {
  /** Inputs the target dropped or refused, by reason (non-zero only). */
  dropped: Record<string, number>;
  /** Messages the legitimate peer exchanged meanwhile (round trips). */
  exchanged?: number;
  /** Anything else worth printing. */
  note?: string;
}

/** A group of targets sharing a set-up (one server for the UTP parsers…), disposed after the last one. */
export interface FuzzSuite {
  readonly targets: FuzzTarget[];
  dispose(): Promise<void>;
}

export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

/** `after − before` for every counter, non-zero only. */
export function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return nonZero(Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])));
}

/**
 * Silences the console while a Colyseus target runs (Colyseus logs every undecodable message and failed matchmaking
 * call through it); returns a function that restores it and says how many errors were logged meanwhile.
 */
export function quietConsole(): () => number {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  let errors = 0;
  Object.assign(console, { log() {}, info() {}, warn() {}, debug() {}, error() { errors++; } });
  return () => { Object.assign(console, saved); return errors; };
}
