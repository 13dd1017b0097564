// Idle connections held by one server process and its memory per connection: UTP over UDP (one NetworkDriver) vs the
// same number of idle `ws` connections. One file: the suite, and (run as a script) its two child processes —
// `--role server` (holds the connections, memory measured) and `--role clients` (opens them; one NetworkDriver per
// 100 connections, each on its own loopback address, or N `ws` clients).
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { alternate } from '../lib/rounds.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const GOAL_CONNECTIONS = 10_000;
const GOAL_MB = 100;
const QUICK_CONNECTIONS = 2_000;
/**
 * UTP connects the client keeps unanswered at once, over all its sockets: enough that 10,000 open in about a second,
 * few enough that the server's receive queue never overflows and nothing is refused and retried a second later.
 */
const MAX_PENDING = 100;
/**
 * Connections per client socket, each bound to its own loopback address (127.1.0.1, 127.1.0.2, …; all of 127/8 is local on
 * Linux). The server admits at most 128 half-open connections per source address (`maxHalfOpenPerAddress`'s
 * default); with ≤ 100 per address a connection whose proving heartbeat is late is never evicted, so the suite
 * measures held connections, not admission, however loaded the machine.
 */
const PER_ADDRESS = 100;
/** How long the connections sit idle (heartbeats and all) before the memory is read. */
const IDLE_MS = 2_000;
const QUICK_IDLE_MS = 1_000;

const MB = 2 ** 20;

export const idleConnections: Suite = {
  name: 'idle-connections',
  goal: 1.0,
  better: 'lower',
  unit: 'B RSS/conn',
  description: `Idle connections held by one server process: RSS growth per connection with ${GOAL_CONNECTIONS.toLocaleString('en-US')} `
    + `UTP connections (quick: ${QUICK_CONNECTIONS.toLocaleString('en-US')}) on one NetworkDriver over UDP, vs as many idle ws connections; `
    + `goal ${GOAL_CONNECTIONS.toLocaleString('en-US')} connections in under ${GOAL_MB} MB.`,
  async run(opts) {
    const n = opts.quick ? QUICK_CONNECTIONS : GOAL_CONNECTIONS;
    const quickOpts = { ...opts, rounds: Math.min(opts.rounds, 3) };
    const rounds = await alternate(this.name, quickOpts, (side) => measure(side, n, opts), this.unit);
    const pick = (f: (s: Sample) => number): number => {
      const v = rounds.map((r) => f(r.ours)).sort((a, b) => a - b);
      return v[Math.floor(v.length / 2)];
    };
    const total = pick((s) => s.extra.rssMB);
    const base = pick((s) => s.extra.rss0MB);
    const perConn = pick((s) => s.value);
    const atGoal = (perConn * GOAL_CONNECTIONS) / MB;
    const measuredAtGoal = n >= GOAL_CONNECTIONS;
    const count = GOAL_CONNECTIONS.toLocaleString('en-US');
    return {
      rounds,
      note: `The server process is measured after the clients opened ${n.toLocaleString('en-US')} connections and they sat idle for `
        + `${(opts.quick ? QUICK_IDLE_MS : IDLE_MS) / 1000} s (UTP: heartbeats every 500 ms both ways, as UTP does; ws: nothing), `
        + 'after two forced GCs (--expose-gc). Value = (RSS with the connections − RSS before the first one) ÷ connections. '
        + 'Ours: one NetworkDriver (UDP) listening, updated on every datagram and every 10 ms; the clients are NetworkDrivers '
        + 'in another process, 100 connections each, each bound to its own loopback address. Baseline: a ws WebSocketServer (no compression) and N ws clients in another process.',
      details: [
        `ours' server: RSS ${base.toFixed(1)} MB before the first connection (Node + TypeScript loader + the library), `
          + `${total.toFixed(1)} MB holding ${n.toLocaleString('en-US')}; ${Math.round(perConn)} B RSS and `
          + `${pick((s) => s.extra.heapBytesPerConn).toFixed(0)} B JS heap per connection; V8's young generation grew by `
          + `${rangeOf(rounds.map((r) => r.ours.extra.newSpaceBytesPerConn), 0)} B per connection over rounds (baseline `
          + `${rangeOf(rounds.map((r) => r.baseline.extra.newSpaceBytesPerConn), 0)}), included in the RSS; `
          + `${pick((s) => s.extra.serverCpuPercentIdle).toFixed(1)} % of a core while idle (heartbeats).`,
        `ours' setup: ${rangeOf(rounds.map((r) => r.ours.extra.setupMs / 1000), 1)} s to connect; connection requests the server `
          + `refused ${rangeOf(rounds.map((r) => r.ours.extra.refused), 0)}, half-open connections evicted `
          + `${rangeOf(rounds.map((r) => r.ours.extra.evicted), 0)} (over rounds; both should be 0).`,
      ],
      checks: [{
        label: measuredAtGoal
          ? `memory of ${count} idle UTP connections (server RSS growth)`
          : `memory of ${count} idle UTP connections (server RSS growth, projected from ${n.toLocaleString('en-US')})`,
        value: `${atGoal.toFixed(1)} MB (process total ${(measuredAtGoal ? total : base + atGoal).toFixed(1)} MB)`,
        goal: `< ${GOAL_MB} MB`,
        met: atGoal < GOAL_MB,
      }],
    };
  },
};

/** `a–b` over rounds (or `a` when they agree); `n/a` where a driver has no such counter. */
function rangeOf(values: number[], digits: number): string {
  const v = values.filter((x) => x !== undefined && x >= 0);
  if (v.length === 0) return 'n/a';
  const lo = Math.min(...v).toFixed(digits);
  const hi = Math.max(...v).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

async function measure(side: Side, n: number, opts: RunOptions): Promise<Sample> {
  const impl = side === 'ours' ? 'utp' : 'ws';
  const server = new BenchProcess(SELF, ['--role', 'server', '--impl', impl], ['--expose-gc']);
  let clients: BenchProcess | null = null;
  try {
    const ready = await server.next('ready', 30_000);
    clients = new BenchProcess(SELF, ['--role', 'clients', '--impl', impl, '--port', String(ready.port), '--count', String(n)]);
    const t0 = performance.now();
    await clients.next('connected', 120_000);
    // The server's side of the count: every connection accepted.
    server.send({ type: 'expect', count: n });
    await server.next('held', 60_000);
    const setupMs = performance.now() - t0;
    clients.send({ type: 'mark' });
    const busy0 = machineBusyMs();
    const idle0 = performance.now();
    await new Promise((r) => setTimeout(r, opts.quick ? QUICK_IDLE_MS : IDLE_MS));
    server.send({ type: 'measure' });
    const m = await server.next('memory', 30_000);
    const idleMs = performance.now() - idle0;
    const busy = machineBusyMs() - busy0;
    const c = await clients.stop();
    const s = await server.stop();
    const oursMs = (((s?.idleCpuUs as number) ?? 0) + ((c?.cpuUs as number) ?? 0)) / 1000;
    const rss0 = ready.rss as number;
    const heap0 = ready.heapUsed as number;
    return {
      value: ((m.rss as number) - rss0) / n,
      extra: {
        connections: m.connections as number,
        rssMB: (m.rss as number) / MB,
        rss0MB: rss0 / MB,
        heapBytesPerConn: ((m.heapUsed as number) - heap0) / n,
        // V8's young generation grows in steps (4 → 8 → 16 → 32 MB semi-spaces) with the allocation rate and keeps
        // what it committed through forced GCs: part of the RSS growth that no connection holds.
        newSpaceBytesPerConn: ((m.newSpace as number) - (ready.newSpace as number)) / n,
        externalBytesPerConn: ((m.external as number) - (ready.external as number)) / n,
        serverCpuPercentIdle: (100 * ((s?.idleCpuUs as number) ?? 0)) / 1000 / idleMs,
        setupMs,
        // Server-side admission counters (−1: this driver has none).
        refused: (m.refused as number) ?? -1,
        evicted: (m.evicted as number) ?? -1,
        otherCores: Math.max(0, (busy - oursMs) / idleMs),
      },
    };
  } finally {
    clients?.kill();
    server.kill();
  }
}

// ---------------------------------------------------------------- child processes


function settle(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

async function serverRole(a: Record<string, string>): Promise<void> {
  let count: () => number;
  let port: number;
  let admission: () => { refused?: number; evicted?: number } = () => ({});
  if (a.impl === 'utp') {
    const { NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, UDPNetworkInterface } = await import('../../plugin/transport/index.ts');
    const settings = new NetworkSettings().withNetworkConfigParameters({ receiveQueueCapacity: 4096 });
    const driver = NetworkDriver.create({ settings, networkInterface: new UDPNetworkInterface({ receiveBufferSize: 4 << 20 }) });
    await driver.bind(NetworkEndpoint.parse('127.0.0.1', 0));
    driver.listen();
    let held = 0;
    const ev = new NetworkEvent();
    let scheduled = false;
    const tick = (): void => {
      scheduled = false;
      driver.update();
      while (driver.accept()) held++;
      while (driver.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Disconnect) held--;
      driver.flush();
    };
    driver.onPacket = () => { if (!scheduled) { scheduled = true; setImmediate(tick); } };
    setInterval(tick, 10);
    count = () => held;
    port = driver.localEndpoint().port;
    admission = () => {
      const st = driver.getStatistics() as { dropped: Record<string, number>; admission?: { evicted: number } };
      return { refused: st.dropped.refused, evicted: st.admission?.evicted };
    };
  } else {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 4096 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    count = () => wss.clients.size;
    port = (wss.address() as { port: number }).port;
  }
  settle();
  const m0 = process.memoryUsage();
  const newSpace = (): number => v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0;
  let idleMark = process.cpuUsage();
  let idleCpu = 0;
  process.on('message', (m: Msg) => {
    if (m.type === 'expect') {
      const want = m.count as number;
      const poll = setInterval(() => {
        if (count() < want) return;
        clearInterval(poll);
        idleMark = process.cpuUsage();
        reply({ type: 'held', connections: count() });
      }, 20);
    } else if (m.type === 'measure') {
      const c = process.cpuUsage(idleMark);
      idleCpu = c.user + c.system;
      settle();
      const mem = process.memoryUsage();
      reply({ type: 'memory', connections: count(), rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, newSpace: newSpace(), ...admission() });
    } else if (m.type === 'stop') {
      reply({ type: 'stopped', idleCpuUs: idleCpu }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port, rss: m0.rss, heapUsed: m0.heapUsed, external: m0.external, newSpace: newSpace() });
}

async function clientsRole(a: Record<string, string>): Promise<void> {
  const n = Number(a.count);
  const port = Number(a.port);
  const batch = 250;
  if (a.impl === 'utp') {
    const { NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, UDPNetworkInterface } = await import('../../plugin/transport/index.ts');
    const settings = new NetworkSettings().withNetworkConfigParameters({ receiveQueueCapacity: 4096 });
    const drivers: ReturnType<typeof NetworkDriver.create>[] = [];
    for (let k = 0; k * PER_ADDRESS < n; k++) {
      const driver = NetworkDriver.create({ settings, networkInterface: new UDPNetworkInterface({ receiveBufferSize: 1 << 20 }) });
      await driver.bind(NetworkEndpoint.parse(`127.1.${k >> 7}.${(k & 0x7f) + 1}`, 0));
      drivers.push(driver);
    }
    const server = NetworkEndpoint.parse('127.0.0.1', port);
    const ev = new NetworkEvent();
    let connected = 0;
    /** Connections whose accept arrived before this update: their heartbeat has left (MAX_PENDING). */
    let settled = 0;
    let opened = 0;
    let done = false;
    let scheduled = false;
    const tick = (): void => {
      scheduled = false;
      for (const driver of drivers) {
        driver.update();
        while (driver.popEvent(ev) !== NetworkEventType.Empty) {
          if (ev.type === NetworkEventType.Connect) connected++;
          else if (ev.type === NetworkEventType.Disconnect) throw new Error(`a client connection closed (reason ${ev.disconnectReason})`);
        }
      }
      for (; opened < n && opened - settled < MAX_PENDING; opened++) drivers[Math.floor(opened / PER_ADDRESS)].connect(server);
      settled = connected;
      for (const driver of drivers) driver.flush();
      if (!done && connected === n) { done = true; reply({ type: 'connected', count: connected }); }
    };
    const onPacket = (): void => { if (!scheduled) { scheduled = true; setImmediate(tick); } };
    for (const driver of drivers) driver.onPacket = onPacket;
    setInterval(tick, 10);
  } else {
    const { WebSocket } = await import('ws');
    const url = `ws://127.0.0.1:${port}/`;
    const sockets: InstanceType<typeof WebSocket>[] = [];
    for (let opened = 0; opened < n;) {
      const wave: Promise<void>[] = [];
      for (let k = 0; k < batch && opened < n; k++, opened++) {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        sockets.push(ws);
        wave.push(new Promise((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); }));
      }
      await Promise.all(wave);
    }
    reply({ type: 'connected', count: sockets.length });
  }
  let mark = process.cpuUsage();
  process.on('message', (m: Msg) => {
    if (m.type === 'mark') mark = process.cpuUsage();
    if (m.type === 'stop') {
      const c = process.cpuUsage(mark);
      reply({ type: 'stopped', cpuUs: c.user + c.system }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  const a = childArgs();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'clients') await clientsRole(a);
}
