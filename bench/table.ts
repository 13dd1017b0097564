import { fmt } from './lib/rounds.ts';
import { median } from './lib/stats.ts';
import { goalMet, goalText, type BenchResult } from './lib/types.ts';

/** The end-of-run table, plus one note per benchmark saying exactly what was compared. */
export function printTable(results: readonly BenchResult[]): void {
  const head = ['benchmark', 'ours', 'baseline', 'ratio median', 'ratio spread (min–max, ±)', 'goal', 'met?'];
  const rows = results.map((r) => {
    const goal = goalText(r.better, r.goal) + (r.checks.length ? ` + ${r.checks.length} check${r.checks.length > 1 ? 's' : ''}` : '');
    if (!r.ratio || !r.ours || !r.baseline) return [r.name, '—', '—', '—', r.skipped ?? '', goal, 'skipped'];
    const half = (100 * (r.ratio.max - r.ratio.min)) / 2 / r.ratio.median;
    const straddles = goalMet(r.better, r.goal, r.ratio.min) !== goalMet(r.better, r.goal, r.ratio.max);
    return [
      r.name, `${num(r.ours.median)} ${r.unit}`, `${num(r.baseline.median)} ${r.unit}`, `${r.ratio.median.toFixed(3)}×`,
      `${r.ratio.min.toFixed(3)}–${r.ratio.max.toFixed(3)} (±${half.toFixed(1)}%)`, goal,
      (r.met ? 'yes' : 'no') + (straddles ? ' (noisy)' : ''),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  console.log('\n' + line(head));
  console.log(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const r of results) if (r.note) console.log(`${r.name}: ${r.note}`);
  for (const r of results) {
    for (const c of r.checks) console.log(`${r.name}: ${c.label}: ${c.value} (goal ${c.goal}) — ${c.met ? 'met' : 'NOT met'}`);
    for (const d of r.details) console.log(`${r.name}: ${d}`);
  }
  for (const r of results) {
    const other = r.rounds.flatMap((x) => [x.ours.extra.otherCores, x.baseline.extra.otherCores]).filter((v) => v !== undefined);
    const discarded = r.rounds.reduce((n, x) => n + (x.discarded?.length ?? 0), 0);
    const noisy = r.rounds.filter((x) => x.noisy).length;
    if (other.length) {
      console.log(`${r.name}: CPU used by other processes while measuring: median ${median(other).toFixed(2)}, max ${Math.max(...other).toFixed(2)} cores; `
        + `${discarded} attempt(s) repeated, ${noisy} busy round(s) kept.`);
    }
  }
  console.log('Ratios are ours/baseline per round (adjacent runs, order alternated); the goal column says which way is better '
    + '(≥ throughput, ≤ cost or latency, = exact model); no thresholds are enforced.\n');
}

/** Large figures as integers with separators, small ones with 3 significant digits. */
export function num(n: number): string {
  return Math.abs(n) >= 100 ? fmt(n) : Number(n.toPrecision(3)).toString();
}
