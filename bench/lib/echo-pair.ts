import os from 'node:os';
import { BenchProcess, processScript } from './proc.ts';
import type { RunOptions, Sample } from './types.ts';

export type Side = 'ours' | 'baseline';

export interface EchoSpec {
  /** Pipeline of ours ('null' = NetworkPipeline.Null); the baseline is always raw dgram. */
  pipeline: 'null' | 'reliable';
  inflight: number;
  size: number;
  /** Reliable window size given to both UTP peers. */
  window?: number;
}

/**
 * One side of one round: starts the echo server process, then the load generator process against it,
 * and returns echoes per second. Kept as diagnostics: the server's CPU time per echoed message, and
 * `otherCores`, the CPU the rest of the machine used meanwhile (busy time of all cores minus both bench
 * processes', in cores): a round with other work running is a noisy round. Ours' server runs under
 * `--cpu-prof` when profiling.
 */
export async function runEchoPair(side: Side, spec: EchoSpec, opts: RunOptions): Promise<Sample> {
  const impl = side === 'ours' ? 'utp' : 'dgram';
  const common = ['--pipeline', spec.pipeline, '--window', String(spec.window ?? 32)];
  const execArgv = side === 'ours' && opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const server = new BenchProcess(processScript(`${impl}-echo-server.ts`), common, execArgv, opts.pin ? 0 : undefined);
  let loadgen: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready');
    loadgen = new BenchProcess(processScript(`${impl}-loadgen.ts`), [
      ...common, '--port', String(port), '--inflight', String(spec.inflight), '--size', String(spec.size),
      '--warmup', String(opts.warmupMs), '--duration', String(opts.durationMs),
    ], [], opts.pin ? 1 : undefined);
    await loadgen.next('measuring', opts.warmupMs + 20_000);
    server.send({ type: 'mark' });
    const busy0 = machineBusyMs();
    const r = await loadgen.next('result', opts.durationMs + 20_000);
    const busy = machineBusyMs() - busy0;
    const s: Record<string, unknown> = (await server.stop()) ?? {};
    const messages = r.messages as number;
    const elapsedMs = r.elapsedMs as number;
    const oursMs = ((s.cpuUs as number) + (r.cpuUs as number)) / 1000;
    return {
      value: (messages * 1000) / elapsedMs,
      extra: {
        messages, elapsedMs, lost: r.lost as number, refused: r.refused as number,
        otherCores: Math.max(0, (busy - oursMs) / elapsedMs),
        serverCpuUsPerMsg: (s.cpuUs as number) / Math.max(1, s.echoed as number),
        clientCpuUsPerMsg: (r.cpuUs as number) / Math.max(1, messages),
        serverDatagramsPerMsg: (s.datagrams as number) / Math.max(1, s.echoed as number),
        serverQueueFull: s.queueFull as number,
      },
    };
  } finally {
    loadgen?.kill();
    server.kill();
  }
}

/** Busy time of all cores since boot, in ms (user + nice + sys + irq). */
function machineBusyMs(): number {
  let t = 0;
  for (const c of os.cpus()) t += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return t;
}
