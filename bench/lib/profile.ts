import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CpuProfile {
  nodes: Array<{ id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  fn: string;
  where: string;
  selfMs: number;
  /** Share of the non-idle samples. */
  percent: number;
}

/**
 * Self time per function over every `.cpuprofile` in `dir` (V8's `--cpu-prof` output), merged by function
 * and source line, idle time left out; `only` keeps functions by script URL (percentages stay of the whole).
 * Sample counts are turned into time with each profile's mean interval.
 */
export function hotSpots(dir: string, top = 5, only: (url: string) => boolean = () => true): HotSpot[] {
  const byKey = new Map<string, HotSpot>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const msPerSample = (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length);
    for (const n of p.nodes) {
      const { functionName, url, lineNumber } = n.callFrame;
      if (!n.hitCount || functionName === '(idle)') continue;
      const fn = functionName || '(anonymous)';
      const where = url ? `${basename(url)}:${lineNumber + 1}` : '';
      const key = `${fn}@${where}`;
      total += n.hitCount * msPerSample;
      if (!only(url)) continue;
      const h = byKey.get(key) ?? { fn, where, selfMs: 0, percent: 0 };
      h.selfMs += n.hitCount * msPerSample;
      byKey.set(key, h);
    }
  }
  const all = [...byKey.values()].sort((a, b) => b.selfMs - a.selfMs);
  for (const h of all) h.percent = (100 * h.selfMs) / Math.max(total, 1e-9);
  return all.slice(0, top);
}

/** Node flags that profile a bench process into `dir` (sampling every 250 µs: the default 1 ms misses short calls). */
export function profileArgs(dir: string | null): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=250'] : [];
}
