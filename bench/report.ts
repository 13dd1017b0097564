// bench/results/report.html: one self-contained page, charts drawn as inline SVG by hand.
import type { HotSpot } from './lib/profile.ts';
import { goalText, type BenchResult } from './lib/types.ts';

export interface ReportData {
  date: string;
  mode: string;
  options: { rounds: number; durationMs: number; warmupMs: number; pinned?: boolean };
  machine: Record<string, unknown>;
  benchmarks: BenchResult[];
  profile: { all: HotSpot[]; plugin: HotSpot[] } | null;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const GREEN = '#2e7d32';
const RED = '#c62828';
const OURS = '#1565c0';
const BASE = '#9e9e9e';

/** Ratio ours/baseline per benchmark: median bar, min–max whisker, one dot per round, dashed goal line. */
function ratioChart(benches: BenchResult[]): string {
  const ran = benches.filter((b) => b.ratio);
  if (ran.length === 0) return '<p>No benchmark ran.</p>';
  const W = 760, left = 190, right = 20, rowH = 56, top = 10;
  const H = top + ran.length * rowH + 30;
  const xmax = Math.ceil(Math.max(1.2, ...ran.map((b) => Math.max(b.ratio!.max, b.goal) * 1.1)) * 5) / 5;
  const x = (v: number): number => left + ((W - left - right) * v) / xmax;
  const out: string[] = [];
  const step = xmax > 6 ? 1 : xmax > 3 ? 0.5 : 0.2;
  for (let t = 0; t <= xmax + 1e-9; t += step) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${H - 30}" stroke="#eee"/>`,
      `<text x="${x(t)}" y="${H - 12}" text-anchor="middle" font-size="11">${t.toFixed(1)}×</text>`);
  }
  out.push(`<line x1="${x(1)}" x2="${x(1)}" y1="${top}" y2="${H - 30}" stroke="#bbb"/>`);
  ran.forEach((b, i) => {
    const y = top + i * rowH, r = b.ratio!, mid = y + rowH / 2;
    const color = b.met ? GREEN : RED;
    out.push(`<text x="${left - 8}" y="${mid + 4}" text-anchor="end" font-size="12">${esc(b.name)}</text>`,
      `<rect x="${x(0)}" y="${y + 14}" width="${x(r.median) - x(0)}" height="${rowH - 28}" fill="${color}" opacity="0.35"><title>median ${r.median.toFixed(3)}×</title></rect>`,
      `<line x1="${x(r.min)}" x2="${x(r.max)}" y1="${mid}" y2="${mid}" stroke="${color}" stroke-width="2"/>`,
      `<line x1="${x(b.goal)}" x2="${x(b.goal)}" y1="${y + 6}" y2="${y + rowH - 6}" stroke="#000" stroke-dasharray="4 3"><title>goal ${esc(goalText(b.better, b.goal))}</title></line>`,
      `<text x="${x(b.goal) + 3}" y="${y + 12}" font-size="10">goal ${esc(goalText(b.better, b.goal))}</text>`);
    b.rounds.flatMap((rd) => rd.discarded ?? []).forEach((rd) => {
      out.push(`<circle cx="${x(rd.ratio)}" cy="${mid}" r="3.5" fill="none" stroke="#888"><title>discarded attempt of round ${rd.round} (machine busy): ${rd.ratio.toFixed(3)}×</title></circle>`);
    });
    b.rounds.forEach((rd, k) => {
      const dy = Math.max(-12, Math.min(12, (k - (b.rounds.length - 1) / 2) * 4));
      out.push(`<circle cx="${x(rd.ratio)}" cy="${mid + dy}" r="3.5" fill="${color}"><title>${esc(rd.label ?? `round ${rd.round}`)} (${rd.order}): ${rd.ratio.toFixed(3)}×</title></circle>`);
    });
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${out.join('')}</svg>`;
}

/** Absolute rate per round, ours and baseline side by side, to show drift and noise. */
function roundsChart(b: BenchResult): string {
  const W = 760, H = 220, left = 80, right = 20, top = 14, bottom = 34;
  const vals = b.rounds.flatMap((r) => [r.ours.value, r.baseline.value]);
  const ymax = Math.max(...vals) * 1.1;
  const n = b.rounds.length;
  const x = (i: number): number => left + ((W - left - right) * (i + 0.5)) / n;
  const y = (v: number): number => top + (H - top - bottom) * (1 - v / ymax);
  const out: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = (ymax * k) / 4;
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${fig(v)}</text>`);
  }
  const series = (pick: 'ours' | 'baseline', color: string, dx: number): void => {
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${b.rounds.map((r, i) => `${x(i) + dx},${y(r[pick].value)}`).join(' ')}"/>`);
    b.rounds.forEach((r, i) => out.push(`<circle cx="${x(i) + dx}" cy="${y(r[pick].value)}" r="4" fill="${color}"><title>${pick} ${esc(r.label ?? `round ${r.round}`)}: ${fig(r[pick].value)} ${esc(b.unit)}</title></circle>`));
  };
  series('baseline', BASE, 4);
  series('ours', OURS, -4);
  if (n <= 12) b.rounds.forEach((r, i) => out.push(`<text x="${x(i)}" y="${H - 16}" text-anchor="middle" font-size="11">${esc(r.label ? r.round : `round ${r.round}`)}</text>`));
  out.push(`<text x="${left}" y="${H - 2}" font-size="11"><tspan fill="${OURS}">● ours</tspan>  <tspan fill="${BASE}">● baseline</tspan>  (${esc(b.unit)})</text>`);
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${out.join('')}</svg>`;
}

/** Large figures as integers with separators, small ones with 3 significant digits. */
function fig(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();
}

function benchSection(b: BenchResult): string {
  const goal = esc(goalText(b.better, b.goal));
  if (!b.ratio) return `<h2>${esc(b.name)}</h2><p>${esc(b.description)}</p><p>Goal ${goal}. <b>Skipped:</b> ${esc(b.skipped)}</p>`;
  // Diagnostics: every extra figure both sides recorded (otherCores has its own column).
  const keys = [...new Set(b.rounds.flatMap((r) => Object.keys(r.ours.extra)))].filter((k) => k !== 'otherCores').slice(0, 6);
  const head = keys.map((k) => `<th>${esc(k)} ours / base</th>`).join('');
  const rows = b.rounds.map((r) => `<tr><td>${esc(r.label ?? r.round)}${r.noisy ? ' (busy)' : ''}</td><td>${r.order}</td><td>${fig(r.ours.value)}</td><td>${fig(r.baseline.value)}</td><td>${r.ratio.toFixed(3)}</td>`
    + keys.map((k) => `<td>${r.ours.extra[k] === undefined ? '—' : fig(r.ours.extra[k])} / ${r.baseline.extra[k] === undefined ? '—' : fig(r.baseline.extra[k])}</td>`).join('')
    + `<td>${(r.ours.extra.otherCores ?? 0).toFixed(2)} / ${(r.baseline.extra.otherCores ?? 0).toFixed(2)}</td></tr>`).join('');
  const checks = b.checks.length
    ? `<ul>${b.checks.map((c) => `<li>${esc(c.label)}: <b>${esc(c.value)}</b> (goal ${esc(c.goal)}) — <span style="color:${c.met ? GREEN : RED}">${c.met ? 'met' : 'not met'}</span></li>`).join('')}</ul>`
    : '';
  const details = b.details.length ? `<pre style="font-size:12px;background:#fafafa;padding:6px;overflow-x:auto">${esc(b.details.join('\n'))}</pre>` : '';
  return `<h2>${esc(b.name)} — ${b.ratio.median.toFixed(3)}× (goal ${goal}${b.checks.length ? ' and the checks below' : ''}, ${b.met ? 'met' : 'not met'})</h2>
<p>${esc(b.description)}<br><small>${esc(b.note)}</small></p>
${checks}
<p>${b.rounds.reduce((n, r) => n + (r.discarded?.length ?? 0), 0)} attempt(s) discarded (other processes busy). Ratio spread over ${b.rounds.length} rounds: min ${b.ratio.min.toFixed(3)}, Q1 ${b.ratio.q1.toFixed(3)}, Q3 ${b.ratio.q3.toFixed(3)}, max ${b.ratio.max.toFixed(3)}.</p>
${roundsChart(b)}
${details}
<table><tr><th>round</th><th>order</th><th>ours (${esc(b.unit)})</th><th>baseline</th><th>ratio</th>${head}<th>other load (cores) ours / base</th></tr>${rows}</table>
`;
}

export function renderReport(d: ReportData): string {
  const machine = Object.entries(d.machine).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(Array.isArray(v) ? v.map((n) => Number(n).toFixed(2)).join(' ') : v)}</td></tr>`).join('');
  const hot = (list: HotSpot[]): string => `<table><tr><th>% of CPU</th><th>function</th><th>where</th></tr>${list.map((h) => `<tr><td>${h.percent.toFixed(1)}</td><td>${esc(h.fn)}</td><td>${esc(h.where)}</td></tr>`).join('')}</table>`;
  const profile = d.profile
    ? `<h2>CPU profile of ours' server (self time; ratios of a profiled run are not representative)</h2>${hot(d.profile.all)}<h3>In plugin/ only</h3>${hot(d.profile.plugin)}`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>utp-ts bench ${esc(d.date)}</title>
<style>body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;font-size:13px;text-align:right}th{background:#f5f5f5}h2{font-size:1.1em;margin-top:2em}</style></head><body>
<h1>utp-ts benchmarks</h1>
<p>${esc(d.date)} — ${esc(d.mode)} run: ${d.options.rounds} rounds × ${d.options.durationMs} ms per side (after ${d.options.warmupMs} ms warm-up)${d.options.pinned ? ', server and load generator pinned to separate cores' : ''}, ours and baseline alternated.
Each ratio is ours/baseline within one round; each goal says which way is better (≥ throughput, ≤ cost or latency, = an exact model). Bars: median; line: min–max; dots: rounds; hollow dots: attempts discarded because other processes were busy; dashed: goal.</p>
${ratioChart(d.benchmarks)}
<table>${machine}</table>
${d.benchmarks.map(benchSection).join('\n')}
${profile}
</body></html>
`;
}
