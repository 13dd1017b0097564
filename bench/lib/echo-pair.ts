import os from 'node:os';
import { BenchProcess, processScript } from './proc.ts';
import { profileArgs } from './profile.ts';
import type { RunOptions, Sample } from './types.ts';

export type Side = 'ours' | 'baseline';

export interface EchoSpec {
  /** Pipeline of ours ('null' = NetworkPipeline.Null). */
  pipeline: 'null' | 'reliable';
  /**
   * What carries ours and what the baseline is: 'udp' (default) = UTP over UDP vs raw node:dgram; 'ws' = UTP over
   * WebSocket (WebSocketServerInterface + WebSocketNetworkInterface) vs plain `ws`.
   */
  carrier?: 'udp' | 'ws' | 'dtls';
  /** The baseline is UTP itself over this carrier instead of the raw socket library (dtls-pingpong: 'udp'). */
  baselineCarrier?: 'udp';
  inflight: number;
  size: number;
  /** Reliable window size given to both UTP peers. */
  window?: number;
  /** A steady send rate (messages/s) instead of `inflight` in flight. */
  rate?: number;
  /** Measure heap allocation and GC time in the server (`--heap 1`). */
  heap?: boolean;
}

/**
 * One side of one round: starts the echo server process, then the load generator process against it,
 * and returns echoes per second. Kept as diagnostics: the server's CPU time per echoed message, and
 * `otherCores`, the CPU the rest of the machine used meanwhile (busy time of all cores minus both bench
 * processes', in cores): a round with other work running is a noisy round. Ours' server runs under
 * `--cpu-prof` when profiling.
 */
export async function runEchoPair(side: Side, spec: EchoSpec, opts: RunOptions): Promise<Sample> {
  const carrier = side === 'baseline' && spec.baselineCarrier ? spec.baselineCarrier : spec.carrier ?? 'udp';
  const impl = side === 'ours' || spec.baselineCarrier ? 'utp' : carrier === 'ws' ? 'ws' : 'dgram';
  const common = ['--pipeline', spec.pipeline, '--window', String(spec.window ?? 32), '--carrier', carrier];
  const execArgv = side === 'ours' ? profileArgs(opts.profileDir) : [];
  const server = new BenchProcess(processScript(`${impl}-echo-server.ts`), [...common, '--heap', spec.heap ? '1' : '0'], execArgv, opts.pin ? 0 : undefined);
  let loadgen: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready');
    loadgen = new BenchProcess(processScript(`${impl}-loadgen.ts`), [
      ...common, '--port', String(port), '--inflight', String(spec.inflight), '--size', String(spec.size),
      '--warmup', String(opts.warmupMs), '--duration', String(opts.durationMs), ...(spec.rate ? ['--rate', String(spec.rate)] : []),
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
        ...(spec.heap ? {
          serverEchoed: s.echoed as number,
          heapBytesPerMsg: (s.allocatedBytes as number) / Math.max(1, s.echoed as number),
          gcPercent: (100 * (s.gcMs as number)) / (s.elapsedMs as number),
          gcCount: s.gcCount as number,
          serverMsgPerSecond: ((s.echoed as number) * 1000) / (s.elapsedMs as number),
        } : {}),
      },
    };
  } finally {
    loadgen?.kill();
    server.kill();
  }
}

/** Busy time of all cores since boot, in ms (user + nice + sys + irq). */
export function machineBusyMs(): number {
  let t = 0;
  for (const c of os.cpus()) t += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return t;
}
