// Server CPU of one Colyseus room with N clients receiving 20 Hz patches: UtpTransport (UDP) vs
// @colyseus/ws-transport, same room code. One file: the suite, and (run as a script) its two child processes —
// `--role server` (the Colyseus server, CPU measured) and `--role load` (the N SDK clients).
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { alternate } from '../lib/rounds.ts';
import { BenchProcess } from '../lib/proc.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const CLIENTS = 32;
const QUICK_CLIENTS = 16;

export const colyseusCpu: Suite = {
  name: 'colyseus-cpu',
  goal: 0.8,
  unit: 'patches/CPU-s',
  description: `One Colyseus room, ${CLIENTS} clients, every player moving at 20 Hz with 20 Hz patches: patches delivered per `
    + 'second of server CPU, UtpTransport (UDP) vs @colyseus/ws-transport.',
  async unavailable() {
    for (const mod of ['@colyseus/core', '@colyseus/schema', '@colyseus/sdk', '@colyseus/ws-transport']) {
      try { await import(mod); } catch { return `${mod} is not installed (npm install)`; }
    }
    return null;
  },
  async run(opts) {
    const clients = opts.quick ? QUICK_CLIENTS : CLIENTS;
    const rounds = await alternate(this.name, opts, (side) => measure(side, clients, opts), this.unit);
    return {
      rounds,
      note: `Same room code on both sides (${clients} players, x/y float32 moved every 50 ms, patchRate 50 ms), clients in a `
        + 'separate process. Value = state patches received by all clients ÷ CPU seconds of the server process; '
        + 'ours = UtpTransport + UtpSDK over UDP (reliable fragmented pipeline, 10 ms driver timer), baseline = '
        + '@colyseus/ws-transport + the stock SDK over WebSocket.',
    };
  },
};

async function measure(side: Side, clients: number, opts: RunOptions): Promise<Sample> {
  const transport = side === 'ours' ? 'utp' : 'ws';
  const execArgv = side === 'ours' && opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const server = new BenchProcess(SELF, ['--role', 'server', '--transport', transport], execArgv, opts.pin ? 0 : undefined);
  let load: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready');
    load = new BenchProcess(SELF, [
      '--role', 'load', '--transport', transport, '--port', String(port), '--clients', String(clients),
      '--warmup', String(opts.warmupMs), '--duration', String(opts.durationMs),
    ], [], opts.pin ? 1 : undefined);
    await load.next('measuring', opts.warmupMs + 60_000);
    server.send({ type: 'mark' });
    const busy0 = machineBusyMs();
    const r = await load.next('result', opts.durationMs + 30_000);
    const busy = machineBusyMs() - busy0;
    const s: Record<string, unknown> = (await server.stop()) ?? {};
    const serverCpuUs = s.cpuUs as number;
    const patches = r.patches as number;
    const elapsedMs = r.elapsedMs as number;
    const oursMs = (serverCpuUs + (r.cpuUs as number)) / 1000;
    return {
      value: patches / Math.max(1e-6, serverCpuUs / 1e6),
      extra: {
        clients, patches, elapsedMs,
        patchesPerSecond: (patches * 1000) / elapsedMs,
        serverCpuPercent: (100 * serverCpuUs) / 1000 / elapsedMs,
        serverCpuUsPerPatch: serverCpuUs / Math.max(1, patches),
        serverRssMB: (s.rss as number) / 2 ** 20,
        otherCores: Math.max(0, (busy - oursMs) / elapsedMs),
      },
    };
  } finally {
    load?.kill();
    server.kill();
  }
}

function machineBusyMs(): number {
  let t = 0;
  for (const c of os.cpus()) t += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return t;
}

// ---------------------------------------------------------------- child processes

type Msg = { type: string; [key: string]: unknown };

function send(msg: Msg, then?: () => void): void {
  process.send!(msg, undefined, {}, () => then?.());
}

function args(): Record<string, string> {
  const out: Record<string, string> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i].replace(/^--/, '')] = a[i + 1];
  return out;
}

async function serverRole(a: Record<string, string>): Promise<void> {
  const { Room } = await import('@colyseus/core');
  const { schema, t } = await import('@colyseus/schema');
  const { startColyseusServer } = await import('../../plugin/colyseus/server/index.ts');
  const Player = schema({ x: t.float32().default(0), y: t.float32().default(0) }, 'BenchPlayer');
  const State = schema({ players: t.map(Player), tick: t.uint32().default(0) }, 'BenchState');
  class BenchRoom extends Room {
    override maxClients = 1000;
    override state = new State();
    override onCreate(): void {
      this.patchRate = 50;
      this.setSimulationInterval(() => {
        const s = this.state as InstanceType<typeof State>;
        s.tick++;
        let i = 0;
        for (const p of s.players.values()) {
          p.x = Math.sin(s.tick / 10 + i) * 100;
          p.y = Math.cos(s.tick / 10 + i++) * 100;
        }
      }, 50);
    }
    override onJoin(client: { sessionId: string }): void {
      (this.state as InstanceType<typeof State>).players.set(client.sessionId, new Player());
    }
    override onLeave(client: { sessionId: string }): void {
      (this.state as InstanceType<typeof State>).players.delete(client.sessionId);
    }
  }
  let transport;
  if (a.transport === 'utp') {
    const { UtpTransport } = await import('../../plugin/colyseus/server/index.ts');
    transport = new UtpTransport({ webSocket: false });
  } else {
    const { WebSocketTransport } = await import('@colyseus/ws-transport');
    transport = new WebSocketTransport();
  }
  const started = await startColyseusServer({ transport, rooms: { bench: BenchRoom } });
  let mark = process.cpuUsage();
  process.on('message', (m: Msg) => {
    if (m.type === 'mark') mark = process.cpuUsage();
    if (m.type === 'stop') {
      const used = process.cpuUsage(mark);
      send({ type: 'stopped', cpuUs: used.user + used.system, rss: process.memoryUsage().rss }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: started.port });
}

async function loadRole(a: Record<string, string>): Promise<void> {
  const n = Number(a.clients);
  const endpoint = `http://127.0.0.1:${a.port}`;
  let sdk: { joinOrCreate(name: string): Promise<{ onStateChange(cb: () => void): void }> };
  if (a.transport === 'utp') {
    const { UtpSDK } = await import('../../plugin/colyseus/index.ts');
    sdk = new UtpSDK(endpoint, { utp: { carrier: 'udp' } });
  } else {
    const { ColyseusSDK } = await import('@colyseus/sdk');
    sdk = new ColyseusSDK(endpoint);
  }
  let patches = 0;
  for (let i = 0; i < n; i++) {
    const room = await sdk.joinOrCreate('bench');
    room.onStateChange(() => { patches++; });
  }
  await new Promise((r) => setTimeout(r, Number(a.warmup)));
  const cpu0 = process.cpuUsage();
  const p0 = patches;
  const t0 = performance.now();
  send({ type: 'measuring' });
  await new Promise((r) => setTimeout(r, Number(a.duration)));
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'result', patches: patches - p0, elapsedMs: performance.now() - t0, cpuUs: cpu.user + cpu.system }, () => process.exit(0));
}

if (process.argv[1] === SELF && process.send) {
  process.on('uncaughtException', (err) => send({ type: 'error', message: err.stack ?? String(err) }, () => process.exit(1)));
  process.on('unhandledRejection', (err) => send({ type: 'error', message: String((err as Error)?.stack ?? err) }, () => process.exit(1)));
  const a = args();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'load') await loadRole(a);
}
