// Totals over a set of bots, for the progress line, the summary and the tests.
import type { Bot } from './bot.ts';

export interface BotTotals {
  joined: number;
  reliableIn: number;
  unreliableIn: number;
  reliableOut: number;
  unreliableOut: number;
  rtts: number[];
  drops: number;
  reconnects: number;
  errors: string[];
}

export function summarize(bots: readonly Bot[]): BotTotals {
  const t: BotTotals = {
    joined: 0, reliableIn: 0, unreliableIn: 0, reliableOut: 0, unreliableOut: 0, rtts: [], drops: 0, reconnects: 0, errors: [],
  };
  for (const b of bots) {
    if (b.room) t.joined++;
    t.reliableIn += b.stats.reliableIn;
    t.unreliableIn += b.stats.unreliableIn;
    t.reliableOut += b.stats.reliableOut;
    t.unreliableOut += b.stats.unreliableOut;
    t.rtts.push(...b.stats.rtts);
    t.drops += b.stats.drops;
    t.reconnects += b.stats.reconnects;
    t.errors.push(...b.stats.errors);
  }
  return t;
}

/** The p-th percentile (nearest rank) of `values`; 0 when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
