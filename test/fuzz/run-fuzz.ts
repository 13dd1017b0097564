import { Mutator } from './mutator.ts';
import type { FuzzOutcome, FuzzSuite, FuzzTarget } from './target.ts';

/** What one target went through: inputs, exceptions that escaped its parser, and its outcome. */
export interface FuzzResult {
  name: string;
  inputs: number;
  escaped: number;
  firstEscape: string | null;
  outcome: FuzzOutcome;
  seconds: number;
}

/**
 * Feeds `inputs` generated inputs to each target of `suite`, seeded by `seed` and the target's name, counting what
 * throws out of a parser (it must be nothing) and asking the target whether its legitimate peer survived.
 */
export async function fuzzSuite(
  suite: FuzzSuite, inputs: number, seed: number, onProgress?: (r: FuzzResult) => void, only?: readonly string[],
): Promise<FuzzResult[]> {
  const results: FuzzResult[] = [];
  try {
    for (const target of suite.targets) {
      if (only && !only.includes(target.name)) continue;
      const r = await fuzzTarget(target, inputs, seed);
      results.push(r);
      onProgress?.(r);
    }
  } finally {
    await suite.dispose();
  }
  return results;
}

async function fuzzTarget(target: FuzzTarget, inputs: number, seed: number): Promise<FuzzResult> {
  const m = new Mutator(seed ^ hash(target.name));
  const batch = target.batch ?? 64;
  let escaped = 0, firstEscape: string | null = null;
  const started = performance.now();
  target.start?.();
  for (let i = 0; i < inputs; i++) {
    try {
      const r = target.input(m);
      if (r) await r;
    } catch (err) {
      escaped++;
      firstEscape ??= (err as Error)?.stack ?? String(err);
    }
    if (target.tick && (i + 1) % batch === 0) {
      try {
        await target.tick();
      } catch (err) {
        escaped++;
        firstEscape ??= (err as Error)?.stack ?? String(err);
      }
    }
  }
  const outcome = await target.finish();
  return { name: target.name, inputs, escaped, firstEscape, outcome, seconds: (performance.now() - started) / 1000 };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
