import { runEchoPair } from '../lib/echo-pair.ts';
import { alternate } from '../lib/rounds.ts';
import type { Suite } from '../lib/types.ts';

const spec = { pipeline: 'null', inflight: 64, size: 64 } as const;

export const udpEchoThroughput: Suite = {
  name: 'udp-echo-throughput',
  goal: 0.8,
  unit: 'msg/s',
  description: `Unreliable echo throughput: ${spec.inflight} messages of ${spec.size} B in flight, pipeline 0 (NetworkPipeline.Null), over 127.0.0.1.`,
  async run(opts) {
    const rounds = await alternate(this.name, opts, (side) => runEchoPair(side, spec, opts), this.unit);
    return {
      rounds,
      note: 'Full UTP path on both ends (NetworkDriver client → NetworkDriver echo server) vs raw node:dgram on both ends; '
        + 'separate server and load-generator processes; lost windows are re-sent after 25 ms without echoes.',
    };
  },
};
