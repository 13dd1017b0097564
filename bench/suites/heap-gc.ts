import { runEchoPair } from '../lib/echo-pair.ts';
import { alternate } from '../lib/rounds.ts';
import { median } from '../lib/stats.ts';
import type { Suite } from '../lib/types.ts';

const RATE = 50_000;
const spec = { pipeline: 'null', inflight: 0, size: 64, rate: RATE, heap: true } as const;
const GC_GOAL_PERCENT = 1;

export const heapGc: Suite = {
  name: 'heap-gc',
  goal: 1.0,
  better: 'lower',
  unit: 'B heap/msg',
  description: `Heap bytes allocated per echoed message in the server at a steady ${RATE.toLocaleString('en-US')} messages/s of `
    + `${spec.size} B (UTP pipeline 0 echo server vs raw node:dgram echo server), and the server's GC time share.`,
  async run(opts) {
    const rounds = await alternate(this.name, opts, async (side) => {
      const s = await runEchoPair(side, spec, opts);
      // The value is heap bytes per message; the rate the load generator achieved stays a diagnostic.
      return { value: s.extra.heapBytesPerMsg, extra: { ...s.extra, echoesPerSecond: s.value } };
    }, this.unit);
    const gc = median(rounds.map((r) => r.ours.extra.gcPercent));
    const gcBase = median(rounds.map((r) => r.baseline.extra.gcPercent));
    const rate = median(rounds.map((r) => r.ours.extra.serverMsgPerSecond));
    return {
      rounds,
      note: `A load generator in another process sends ${RATE.toLocaleString('en-US')} datagrams/s (paced every ms) and counts echoes; `
        + 'the server under test echoes each one (so it receives and sends that many). Heap allocation over the measured '
        + 'interval = growth of used_heap_size + what every collection freed (v8.GCProfiler); GC time from a '
        + 'PerformanceObserver on gc entries. Ours = NetworkDriver (UDP, pipeline 0) echo server driven by setImmediate '
        + 'updates; baseline = a node:dgram socket sending each message back.',
      checks: [{
        label: `GC time share of ours' server at ${Math.round(rate).toLocaleString('en-US')} msg/s`,
        value: `${gc.toFixed(2)} % (baseline ${gcBase.toFixed(2)} %)`, goal: `< ${GC_GOAL_PERCENT} %`, met: gc < GC_GOAL_PERCENT,
      }],
    };
  },
};
