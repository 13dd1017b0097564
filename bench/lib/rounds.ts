import type { Side } from './echo-pair.ts';
import type { Round, RunOptions, Sample } from './types.ts';

/** A side measured while other processes used more than this many cores is re-run (see `alternate`). */
export const NOISY_CORES = 0.25;

/**
 * Runs ours and the baseline side by side for `opts.rounds` rounds, alternating which goes first
 * (ours, baseline | baseline, ours | …) so that drift on a noisy machine hits both sides alike. The
 * ratio is taken within each round, from adjacent runs. A round where either side shared the machine
 * with other work (`extra.otherCores` > NOISY_CORES) is run again, up to `opts.retries` times; the
 * discarded attempts are kept (`discarded`) and the last attempt counts whatever its load (`noisy`).
 */
export async function alternate(name: string, opts: RunOptions, measure: (side: Side) => Promise<Sample>, unit: string): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['ours', 'baseline'] : ['baseline', 'ours'];
    const discarded: Round[] = [];
    for (let attempt = 0; ; attempt++) {
      const got: Partial<Record<Side, Sample>> = {};
      for (const side of order) {
        opts.log(`  ${name} round ${round}/${opts.rounds}: ${side}…`);
        got[side] = await measure(side);
      }
      const ours = got.ours!;
      const baseline = got.baseline!;
      const r: Round = { round, order: order[0] === 'ours' ? 'ours-first' : 'baseline-first', ours, baseline, ratio: ours.value / baseline.value };
      const busy = Math.max(ours.extra.otherCores ?? 0, baseline.extra.otherCores ?? 0);
      const retry = busy > NOISY_CORES && attempt < opts.retries;
      opts.log(`  ${name} round ${round}/${opts.rounds}: ours ${fmt(ours.value)} ${unit}, baseline ${fmt(baseline.value)} ${unit}, `
        + `ratio ${r.ratio.toFixed(3)} (other load ${load(ours)}/${load(baseline)} cores)${retry ? ' — machine busy, repeating' : ''}`);
      if (!retry) {
        if (discarded.length) r.discarded = discarded;
        if (busy > NOISY_CORES) r.noisy = true;
        rounds.push(r);
        break;
      }
      discarded.push(r);
    }
  }
  return rounds;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** CPU used by other processes while a side was measured, if the benchmark recorded it. */
function load(s: Sample): string {
  if (s.extra.otherCores !== undefined) return s.extra.otherCores.toFixed(2);
  // Measured at real-time priority (the latency suites): reported, but it barely reaches the benchmark.
  return s.extra.otherCoresShielded === undefined ? '?' : `${s.extra.otherCoresShielded.toFixed(2)} shielded`;
}
