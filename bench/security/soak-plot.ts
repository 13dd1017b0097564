// The soak's plot: RSS (MB, left axis) and CPU (% of one core, right axis) over time, as a standalone SVG.
import type { ProcSample } from './proc-sampler.ts';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An SVG of `samples`; `warmupT` (seconds) draws a dashed line where the RSS baseline was taken. */
export function soakPlot(samples: readonly ProcSample[], title: string, warmupT?: number): string {
  const W = 760, H = 300, left = 60, right = 60, top = 30, bottom = 40;
  const tmax = Math.max(1, ...samples.map((s) => s.t));
  const rssMax = niceCeil(Math.max(1, ...samples.map((s) => s.rssMB)) * 1.1);
  const cpuMax = niceCeil(Math.max(10, ...samples.map((s) => s.cpuPercent)) * 1.1);
  const x = (t: number): number => left + ((W - left - right) * t) / tmax;
  const yRss = (v: number): number => H - bottom - ((H - top - bottom) * v) / rssMax;
  const yCpu = (v: number): number => H - bottom - ((H - top - bottom) * v) / cpuMax;
  const line = (y: (s: ProcSample) => number): string => samples.map((s) => `${x(s.t).toFixed(1)},${y(s).toFixed(1)}`).join(' ');
  const out: string[] = [`<text x="${left}" y="18" font-size="13">${esc(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const y = top + ((H - top - bottom) * i) / 4;
    out.push(`<line x1="${left}" x2="${W - right}" y1="${y}" y2="${y}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#1565c0">${(rssMax * (1 - i / 4)).toFixed(0)} MB</text>`,
      `<text x="${W - right + 6}" y="${y + 4}" font-size="11" fill="#c62828">${(cpuMax * (1 - i / 4)).toFixed(0)} %</text>`);
  }
  // Minutes on the time axis, seconds for a run shorter than two minutes.
  const [unit, per] = tmax >= 120 ? ['min', 60] : ['s', 1];
  for (let i = 0; i <= 5; i++) {
    const t = (tmax * i) / 5;
    out.push(`<text x="${x(t)}" y="${H - bottom + 16}" text-anchor="middle" font-size="11">${axisLabel(t / per)}</text>`);
  }
  out.push(`<text x="${(left + W - right) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">time (${unit})</text>`);
  if (warmupT !== undefined) {
    out.push(`<line x1="${x(warmupT)}" x2="${x(warmupT)}" y1="${top}" y2="${H - bottom}" stroke="#888" stroke-dasharray="4 3"><title>end of warm-up</title></line>`);
  }
  out.push(`<polyline points="${line((s) => yCpu(s.cpuPercent))}" fill="none" stroke="#c62828" stroke-width="1.5"><title>server CPU (% of one core)</title></polyline>`,
    `<polyline points="${line((s) => yRss(s.rssMB))}" fill="none" stroke="#1565c0" stroke-width="2"><title>server RSS (MB)</title></polyline>`,
    `<text x="${W - right - 150}" y="18" font-size="11" fill="#1565c0">— RSS (MB)</text>`,
    `<text x="${W - right - 70}" y="18" font-size="11" fill="#c62828">— CPU (%)</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${out.join('')}</svg>\n`;
}

function niceCeil(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v)) / 2;
  return Math.ceil(v / step) * step;
}

function axisLabel(v: number): string {
  return v >= 10 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
}
