// RSS and CPU of another process from /proc (Linux), for the flood and soak tools: what an operator's `top` shows.
import { readFileSync } from 'node:fs';

/** One reading: resident memory and the CPU share since the previous reading (100 = one core). */
export interface ProcSample {
  /** Seconds since the sampler started. */
  t: number;
  rssMB: number;
  cpuPercent: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Samples `/proc/<pid>` on demand; `null` once the process is gone. */
export class ProcSampler {
  readonly pid: number;
  readonly #start = performance.now();
  #lastTicks: number;
  #lastAt: number;

  constructor(pid: number) {
    this.pid = pid;
    this.#lastTicks = cpuTicks(pid) ?? 0;
    this.#lastAt = performance.now();
  }

  sample(): ProcSample | null {
    const rss = rssMB(this.pid);
    const ticks = cpuTicks(this.pid);
    if (rss === null || ticks === null) return null;
    const now = performance.now();
    const seconds = (now - this.#lastAt) / 1000;
    const cpu = seconds > 0 ? ((ticks - this.#lastTicks) / TICKS_PER_SECOND / seconds) * 100 : 0;
    this.#lastTicks = ticks;
    this.#lastAt = now;
    return { t: (now - this.#start) / 1000, rssMB: rss, cpuPercent: cpu };
  }
}

/** Resident set size in MB (VmRSS), or null if the process is gone. */
export function rssMB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}
