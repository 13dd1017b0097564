import type { DriverStatistics } from '../transport/api/driver.ts';

/** `1.2 KB/s`, `340 B/s`, `3.4 MB/s`: a rate an operator reads at a glance. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1 << 20) return `${(bytesPerSecond / (1 << 20)).toFixed(1)} MB/s`;
  if (bytesPerSecond >= 1024) return `${(bytesPerSecond / 1024).toFixed(1)} KB/s`;
  return `${Math.round(bytesPerSecond)} B/s`;
}

/** ` dropped refused=3 unknownToken=1` for the non-zero counters, or '' when nothing was dropped. */
export function dropsText(dropped: Record<string, number>): string {
  const parts = Object.entries(dropped).filter(([, n]) => n > 0).map(([reason, n]) => `${reason}=${n}`);
  return parts.length ? ` dropped ${parts.join(' ')}` : '';
}

/**
 * One line of a server's state (`utp echo --stats`):
 * `stats connections=2 half-open=130 proven=2 evicted=0 expired=5 in=1.2 KB/s out=0.9 KB/s dropped refused=12`.
 * Drops and evictions count since start; bandwidth is the last second's.
 */
export function driverStatsLine(s: DriverStatistics): string {
  const a = s.admission;
  return `stats connections=${s.connections} half-open=${a.halfOpen} proven=${a.proven} evicted=${a.evicted} `
    + `expired=${a.expired} withheld=${a.packetsWithheld + a.acceptPayloadsWithheld} `
    + `in=${formatRate(s.receiveBandwidth)} out=${formatRate(s.sendBandwidth)}${dropsText(s.dropped)}`;
}
