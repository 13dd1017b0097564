import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runEchoPair } from '../lib/echo-pair.ts';
import { alternate } from '../lib/rounds.ts';
import type { Suite } from '../lib/types.ts';
import { stagesModule } from '../lib/utp-setup.ts';

const spec = { pipeline: 'reliable', inflight: 32, size: 64, window: 32 } as const;

export const reliablePingpong: Suite = {
  name: 'reliable-pingpong',
  goal: 0.6,
  unit: 'msg/s',
  description: `Reliable ping-pong: ${spec.inflight} messages of ${spec.size} B in flight on [ReliableSequencedPipelineStage], window ${spec.window}, over 127.0.0.1.`,
  async unavailable() {
    if (!existsSync(fileURLToPath(stagesModule))) return 'stages not available (plugin/transport/stages/index.ts missing)';
    const mod = (await import(stagesModule.href)) as Record<string, unknown>;
    return mod.ReliableSequencedPipelineStage ? null : 'stages not available (no ReliableSequencedPipelineStage export)';
  },
  async run(opts) {
    const rounds = await alternate(this.name, opts, (side) => runEchoPair(side, spec, opts), this.unit);
    return {
      rounds,
      note: 'Full UTP path on both ends with the reliable pipeline (acks, resend timers, -5 back-pressure retried after each update) '
        + 'vs raw node:dgram ping-pong on both ends with the same number in flight (no reliability).',
    };
  },
};
