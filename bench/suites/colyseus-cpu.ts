// Server CPU of one Colyseus room with N clients receiving 20 Hz patches: UtpTransport (UDP) vs
// @colyseus/ws-transport (and @colyseus/uwebsockets-transport where it installs), same room code. One file: the
// suites, and (run as a script) their two child processes — `--role server` (the Colyseus server, CPU measured)
// and `--role load` (the N SDK clients).
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { udpDrops, udpReceiveErrors } from '../lib/udp.ts';
import { fileURLToPath } from 'node:url';
import { profileArgs } from '../lib/profile.ts';
import { alternate } from '../lib/rounds.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { SyscallCounter } from '../lib/syscalls.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const CLIENTS = 100;
const QUICK_CLIENTS = 32;
const COLYSEUS = ['@colyseus/core', '@colyseus/schema', '@colyseus/sdk', '@colyseus/ws-transport'];
const UWS = '@colyseus/uwebsockets-transport';

async function missing(mods: string[]): Promise<string | null> {
  for (const mod of mods) {
    try { await import(mod); } catch { return mod; }
  }
  return null;
}

/** Which clients the load process runs: the stock SDKs, or the lean clients of both transports (see `joinClients`). */
type Client = 'sdk' | 'lean';

function note(clients: number, baseline: string, client: Client = 'sdk'): string {
  const who = client === 'sdk'
    ? `ours = UtpTransport + UtpSDK over UDP (reliable fragmented pipeline, 10 ms driver timer), baseline = ${baseline}`
    : 'ours = UtpTransport, baseline = @colyseus/ws-transport; both with lean clients that speak the SDKs\' protocol '
      + '(matchmaking, JOIN_ROOM acknowledgement, UtpSDK\'s UTP settings and pipelines, one WebSocket per client as the SDK) '
      + `but count patches without decoding them, so one load process keeps up with ${clients} clients `
      + `(UTP: ${LEAN_CLIENTS_PER_SOCKET} clients per UDP socket and driver; bench/lib/lean-colyseus*.ts)`;
  return `Same room code on both sides (${clients} players, x/y float32 moved every 50 ms, patchRate 50 ms), clients in a `
    + 'separate process. Value = CPU time of the server process (user + system) ÷ state patches received by all clients, '
    + `so ratio = our CPU ÷ theirs per patch (lower is better); ${who}.`;
}

/** UtpTransport vs ws-transport with `clients` players (`quickClients` with --quick), joined by `client`s. */
function colyseusCpuSuite(name: string, clients: number, quickClients: number, client: Client): Suite {
  return {
    name,
    goal: 0.8,
    better: 'lower',
    unit: 'µs CPU/patch',
    description: `One Colyseus room, ${clients} clients (quick: ${quickClients}), every player moving at 20 Hz with 20 Hz patches: `
      + 'server CPU per delivered patch, UtpTransport (UDP) vs @colyseus/ws-transport.',
    async unavailable() {
      const mod = await missing(COLYSEUS);
      return mod ? `${mod} is not installed (npm install)` : null;
    },
    async run(opts) {
      const n = opts.quick ? quickClients : clients;
      const rounds = await alternate(this.name, opts, (side) => measure(side, side === 'ours' ? 'utp' : 'ws', n, opts, client), this.unit);
      // What UDP alone costs for this traffic: the same datagrams in and out of a raw node:dgram socket, nothing else.
      const med = (f: (r: (typeof rounds)[number]) => number): number => {
        const v = rounds.map(f).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)];
      };
      const out = Math.round(med((r) => r.ours.extra.bytesOutPerDatagram));
      const inn = Math.round(med((r) => r.ours.extra.bytesInPerDatagram));
      const ws = med((r) => r.baseline.value);
      const ours = med((r) => r.ours.value);
      const floor = await dgramFloor(n, out, inn, opts);
      return {
        rounds,
        note: note(n, '@colyseus/ws-transport + the stock SDK over WebSocket (ws)', client),
        details: [
          `ours per patch (medians): ${med((r) => r.ours.extra.datagramsOutPerPatch).toFixed(2)} datagram(s) of ${out} B out `
            + `(of which ${med((r) => r.ours.extra.resendsPerPatch).toFixed(2)} resends and ${med((r) => r.ours.extra.ackOnlyOutPerPatch).toFixed(2)} ack-only), `
            + `${med((r) => r.ours.extra.datagramsInPerPatch).toFixed(2)} of ${inn} B in (the client's ack), `
            + `${Math.round(med((r) => r.ours.extra.driverUpdatesPerSecond))} driver updates/s, system CPU ${(100 * med((r) => r.ours.extra.serverSystemCpuShare)).toFixed(0)} % `
            + `(ws: ${(100 * med((r) => r.baseline.extra.serverSystemCpuShare)).toFixed(0)} %); system calls per patch: `
            + `${med((r) => r.ours.extra.syscallsPerPatch).toFixed(2)} (ws: ${med((r) => r.baseline.extra.syscallsPerPatch).toFixed(2)}).`,
          `load generator (medians, ours / ws): CPU ${med((r) => r.ours.extra.loadCpuPercent).toFixed(0)} % / `
            + `${med((r) => r.baseline.extra.loadCpuPercent).toFixed(0)} % of a core, patches received ${(100 * med((r) => r.ours.extra.patchesDeliveredShare)).toFixed(0)} % / `
            + `${(100 * med((r) => r.baseline.extra.patchesDeliveredShare)).toFixed(0)} % of those sent (clients × 20/s), kernel UDP receive-buffer drops per patch `
            + `${med((r) => r.ours.extra.udpDropsPerPatch).toFixed(2)} (${med((r) => r.ours.extra.serverUdpDropsPerPatch).toFixed(2)} at the server's socket); server CPU ${med((r) => r.ours.extra.serverCpuPercent).toFixed(0)} % / ${med((r) => r.baseline.extra.serverCpuPercent).toFixed(0)} %.`,
          `raw node:dgram floor of that traffic (a bare socket sending one ${out} B datagram per client every 50 ms and receiving one `
            + `${inn} B reply 0–10 ms later per datagram; no UTP, no Colyseus): ${floor.toFixed(1)} µs CPU/patch = `
            + `${(floor / ws).toFixed(2)}× ws-transport's whole server, ${(100 * floor / ours).toFixed(0)} % of ours.`,
        ],
      };
    },
  };
}

export const colyseusCpu = colyseusCpuSuite('colyseus-cpu', CLIENTS, QUICK_CLIENTS, 'sdk');
/**
 * The same room at 500 players: per-connection costs (timers, acks) grow with the room. Lean clients on both sides:
 * 500 UtpSDKs (each with its own socket, driver, 10 ms timer and schema decoder) saturate one core of the load process
 * and receive a quarter of the patches, their sockets overflow and their acks come late, which made the server resend.
 */
export const colyseusCpu500 = colyseusCpuSuite('colyseus-cpu-500', 500, 64, 'lean');

/** Server CPU per patch of a raw dgram socket doing only the datagram I/O that ours does per patch. */
async function dgramFloor(clients: number, outBytes: number, inBytes: number, opts: RunOptions): Promise<number> {
  const server = new BenchProcess(SELF, ['--role', 'floor-server', '--size', String(outBytes)]);
  let load: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready');
    load = new BenchProcess(SELF, ['--role', 'floor-clients', '--port', String(port), '--clients', String(clients), '--size', String(inBytes)]);
    const { ports } = await load.next('ready');
    server.send({ type: 'go', ports, warmup: opts.warmupMs, duration: opts.durationMs });
    const r = await server.next('result', opts.warmupMs + opts.durationMs + 20_000);
    return r.usPerPatch as number;
  } finally {
    load?.kill();
    server.kill();
  }
}

/** The same against uWebSockets.js, which npm fetches from GitHub: skipped where that cannot install. */
export const colyseusCpuUws: Suite = {
  name: 'colyseus-cpu-uws',
  goal: 0.8,
  better: 'lower',
  unit: 'µs CPU/patch',
  description: `As colyseus-cpu, baseline @colyseus/uwebsockets-transport (uWebSockets.js).`,
  async unavailable() {
    const mod = await missing(COLYSEUS);
    if (mod) return `${mod} is not installed (npm install)`;
    if (await missing([UWS, 'uWebSockets.js'])) {
      return `not installable here (${UWS} needs uWebSockets.js from GitHub)`;
    }
    return null;
  },
  async run(opts) {
    const clients = opts.quick ? QUICK_CLIENTS : CLIENTS;
    const rounds = await alternate(this.name, opts, (side) => measure(side, side === 'ours' ? 'utp' : 'uws', clients, opts), this.unit);
    return { rounds, note: note(clients, '@colyseus/uwebsockets-transport + the stock SDK over WebSocket') };
  },
};

async function measure(side: Side, transport: 'utp' | 'ws' | 'uws', clients: number, opts: RunOptions, client: Client = 'sdk'): Promise<Sample> {
  const execArgv = side === 'ours' ? profileArgs(opts.profileDir) : [];
  const server = new BenchProcess(SELF, ['--role', 'server', '--transport', transport], execArgv, opts.pin ? 0 : undefined);
  let load: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready');
    load = new BenchProcess(SELF, [
      '--role', 'load', '--transport', transport, '--client', client, '--port', String(port), '--clients', String(clients),
      '--warmup', String(opts.warmupMs), '--duration', String(opts.durationMs),
    ], [], opts.pin ? 1 : undefined);
    // Everyone joins a still room first (joining under full patch traffic fails at 500 on a busy machine), then it moves.
    await load.next('joined', 30_000 + clients * 300);
    server.send({ type: 'go' });
    load.send({ type: 'start' });
    await load.next('measuring', opts.warmupMs + 60_000);
    server.send({ type: 'mark' });
    const syscalls = SyscallCounter.start(server.pid);
    const busy0 = machineBusyMs();
    const drops0 = udpReceiveErrors();
    const r = await load.next('result', opts.durationMs + 30_000);
    const busy = machineBusyMs() - busy0;
    const drops = udpReceiveErrors() - drops0;
    const calls = (await syscalls?.stop()) ?? Number.NaN;
    const s: Record<string, unknown> = (await server.stop()) ?? {};
    const serverCpuUs = s.cpuUs as number;
    const patches = r.patches as number;
    const elapsedMs = r.elapsedMs as number;
    const oursMs = (serverCpuUs + (r.cpuUs as number)) / 1000;
    if (patches === 0) throw new Error(`${transport}: no patch reached the clients`);
    return {
      value: serverCpuUs / patches,
      extra: {
        clients, patches, elapsedMs,
        patchesPerSecond: (patches * 1000) / elapsedMs,
        serverCpuPercent: (100 * serverCpuUs) / 1000 / elapsedMs,
        serverSystemCpuShare: (s.systemUs as number) / Math.max(1, serverCpuUs),
        datagramsOutPerPatch: (s.datagramsSent as number) / patches,
        datagramsInPerPatch: (s.datagramsReceived as number) / patches,
        resendsPerPatch: ((s.resent as number) ?? 0) / patches,
        syscallsPerPatch: calls / patches,
        ackOnlyOutPerPatch: ((s.acksSent as number) ?? 0) / patches,
        bytesOutPerDatagram: (s.bytesSent as number) / Math.max(1, s.datagramsSent as number),
        bytesInPerDatagram: (s.bytesReceived as number) / Math.max(1, s.datagramsReceived as number),
        driverUpdatesPerSecond: ((s.updates as number) * 1000) / elapsedMs,
        serverRssMB: (s.rss as number) / 2 ** 20,
        otherCores: Math.max(0, (busy - oursMs) / elapsedMs),
        // Whether the load generator keeps up: its CPU, the share of offered patches (clients × 20/s) it received, and
        // datagrams the kernel dropped because a UDP receive buffer was full (machine-wide, both processes).
        loadCpuPercent: (100 * (r.cpuUs as number)) / 1000 / elapsedMs,
        patchesDeliveredShare: (patches * 1000) / elapsedMs / (clients * 20),
        udpDropsPerPatch: drops / patches,
        serverUdpDropsPerPatch: ((s.serverUdpDrops as number) ?? 0) / patches,
      },
    };
  } finally {
    load?.kill();
    server.kill();
  }
}


// ---------------------------------------------------------------- child processes


async function serverRole(a: Record<string, string>): Promise<void> {
  let moving = false; // players stand still until every client joined ('go')
  const { Room } = await import('@colyseus/core');
  const { schema, t } = await import('@colyseus/schema');
  const { startColyseusServer } = await import('../../plugin/colyseus/testing/index.ts');
  const Player = schema({ x: t.float32().default(0), y: t.float32().default(0) }, 'BenchPlayer');
  const State = schema({ players: t.map(Player), tick: t.uint32().default(0) }, 'BenchState');
  class BenchRoom extends Room {
    override maxClients = 1000;
    override state = new State();
    override onCreate(): void {
      this.patchRate = 50;
      this.setSimulationInterval(() => {
        if (!moving) return;
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
  } else if (a.transport === 'uws') {
    const { uWebSocketsTransport } = await import(UWS) as { uWebSocketsTransport: new () => any };
    transport = new uWebSocketsTransport();
  } else {
    const { WebSocketTransport } = await import('@colyseus/ws-transport');
    transport = new WebSocketTransport();
  }
  const started = await startColyseusServer({ transport, rooms: { bench: BenchRoom } });
  // Ours: datagrams in and out of the UDP driver (driver 1), to show what a patch costs on the wire.
  const udpStats = (): { sent: number; received: number; bytesSent: number; bytesReceived: number } => {
    type Stats = { packetsSent: number; packetsReceived: number; bytesSent: number; bytesReceived: number };
    const d = (transport as { driver?: { getDriver(id: number): { getStatistics(): Stats } } | null }).driver;
    const s = d?.getDriver(1).getStatistics();
    return { sent: s?.packetsSent ?? 0, received: s?.packetsReceived ?? 0, bytesSent: s?.bytesSent ?? 0, bytesReceived: s?.bytesReceived ?? 0 };
  };
  // Ours: driver updates (each one visits every connection's timers).
  let updates = 0;
  type Conn = { connection: unknown };
  type Multi = {
    update(now?: number): void; accept(out?: unknown): Conn | null;
    getDriverForConnection(c: Conn): { getConnectionStatistics(c: unknown): { pipelines: Array<{ packetsResent: number; acksSent: number }> } | null };
  };
  const multi = (transport as { driver?: Multi | null }).driver;
  const accepted: Conn[] = [];
  if (multi) {
    const update = multi.update.bind(multi);
    multi.update = (now?: number) => { updates++; update(now); };
    const accept = multi.accept.bind(multi);
    multi.accept = (out?: unknown) => { const c = accept(out); if (c) accepted.push(c); return c; };
  }
  // Ours: reliable resends and ack-only packets the server sent, summed over its connections.
  const stageStats = (): { resent: number; acks: number } => {
    let resent = 0, acks = 0;
    for (const c of accepted) {
      for (const p of multi?.getDriverForConnection(c).getConnectionStatistics(c.connection)?.pipelines ?? []) {
        resent += p.packetsResent;
        acks += p.acksSent;
      }
    }
    return { resent, acks };
  };
  let stage0 = stageStats();
  let updates0 = 0;
  let mark = process.cpuUsage();
  let udp0 = udpStats();
  let drops0 = udpDrops(started.port); // ours: datagrams the kernel dropped at the server's UDP socket
  process.on('message', (m: Msg) => {
    if (m.type === 'go') moving = true;
    if (m.type === 'mark') { mark = process.cpuUsage(); udp0 = udpStats(); updates0 = updates; stage0 = stageStats(); drops0 = udpDrops(started.port); }
    if (m.type === 'stop') {
      const used = process.cpuUsage(mark);
      const udp = udpStats();
      const stage = stageStats();
      reply({
        resent: stage.resent - stage0.resent, acksSent: stage.acks - stage0.acks,
        type: 'stopped', cpuUs: used.user + used.system, userUs: used.user, systemUs: used.system, rss: process.memoryUsage().rss,
        serverUdpDrops: udpDrops(started.port) - drops0, datagramsSent: udp.sent - udp0.sent, datagramsReceived: udp.received - udp0.received, updates: updates - updates0,
        bytesSent: udp.bytesSent - udp0.bytesSent, bytesReceived: udp.bytesReceived - udp0.bytesReceived,
      }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port: started.port });
}

/** Clients of one lean UTP socket and driver: several sockets, so one burst of patches fits their receive buffers. */
const LEAN_CLIENTS_PER_SOCKET = 100;

/**
 * Joins `n` clients and returns a counter of the patches they received: the stock SDKs (`--client sdk`: UtpSDK or
 * ColyseusSDK, each decoding the state) or the lean clients of both transports (`--client lean`: patches counted
 * by their first byte, not decoded; bench/lib/lean-colyseus.ts and lean-colyseus-ws.ts).
 */
async function joinClients(a: Record<string, string>, n: number): Promise<() => number> {
  const endpoint = `http://127.0.0.1:${a.port}`;
  const counters: Array<() => number> = [];
  if (a.client === 'lean' && a.transport === 'utp') {
    const { LeanColyseusClients } = await import('../lib/lean-colyseus.ts');
    let group: Awaited<ReturnType<typeof LeanColyseusClients.create>> | null = null;
    for (let i = 0; i < n; i++) {
      if (i % LEAN_CLIENTS_PER_SOCKET === 0) group = await LeanColyseusClients.create();
      const room = await group!.joinOrCreate(Number(a.port), 'bench', {});
      counters.push(() => room.patches);
    }
  } else if (a.client === 'lean') {
    const { LeanColyseusWsClients } = await import('../lib/lean-colyseus-ws.ts');
    const clients = new LeanColyseusWsClients();
    for (let i = 0; i < n; i++) {
      const room = await clients.joinOrCreate(Number(a.port), 'bench', {});
      counters.push(() => room.patches);
    }
  } else {
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
    return () => patches;
  }
  return () => counters.reduce((sum, c) => sum + c(), 0);
}

async function loadRole(a: Record<string, string>): Promise<void> {
  const patches = await joinClients(a, Number(a.clients));
  const started = new Promise<void>((r) => process.on('message', (m: Msg) => { if (m.type === 'start') r(); }));
  reply({ type: 'joined' });
  await started;
  await new Promise((r) => setTimeout(r, Number(a.warmup)));
  const cpu0 = process.cpuUsage();
  const p0 = patches();
  const t0 = performance.now();
  reply({ type: 'measuring' });
  await new Promise((r) => setTimeout(r, Number(a.duration)));
  const cpu = process.cpuUsage(cpu0);
  reply({ type: 'result', patches: patches() - p0, elapsedMs: performance.now() - t0, cpuUs: cpu.user + cpu.system }, () => process.exit(0));
}

async function floorServerRole(a: Record<string, string>): Promise<void> {
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const patch = new Uint8Array(Number(a.size));
  socket.on('message', () => { /* the ack: read and dropped */ });
  process.on('message', async (m: Msg) => {
    if (m.type !== 'go') return;
    const ports = m.ports as number[];
    let sent = 0;
    setInterval(() => { for (const p of ports) { socket.send(patch, p, '127.0.0.1'); sent++; } }, 50);
    await new Promise((r) => setTimeout(r, m.warmup as number));
    const cpu0 = process.cpuUsage();
    const sent0 = sent;
    await new Promise((r) => setTimeout(r, m.duration as number));
    const cpu = process.cpuUsage(cpu0);
    reply({ type: 'result', usPerPatch: (cpu.user + cpu.system) / Math.max(1, sent - sent0) }, () => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port: socket.address().port });
}

async function floorClientsRole(a: Record<string, string>): Promise<void> {
  const dgram = await import('node:dgram');
  const port = Number(a.port);
  const ack = new Uint8Array(Number(a.size));
  const ports: number[] = [];
  for (let i = 0; i < Number(a.clients); i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    // UTP clients ack at their next update (10 ms timer): spread the replies the same way.
    s.on('message', () => { setTimeout(() => s.send(ack, port, '127.0.0.1'), Math.random() * 10); });
    ports.push(s.address().port);
  }
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', ports });
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  const a = childArgs();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'load') await loadRole(a);
  else if (a.role === 'floor-server') await floorServerRole(a);
  else if (a.role === 'floor-clients') await floorClientsRole(a);
}
