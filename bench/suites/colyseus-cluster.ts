// Colyseus across processes sharing Redis (issue "outgrowing one process"): sustained joins per second and connected
// clients with two UtpTransport processes against one, and the join latency Redis adds. One file: the suites and
// (run as a script) their child roles — `--role server` (one game process) and `--role load` (UtpSDK clients).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { alternate } from '../lib/rounds.ts';
import { quantile } from '../lib/stats.ts';
import type { Round, RunOptions, Sample, Suite } from '../lib/types.ts';

const SELF = fileURLToPath(import.meta.url);
const NEEDS = ['@colyseus/core', '@colyseus/schema', '@colyseus/sdk', '@colyseus/redis-presence', '@colyseus/redis-driver'];

async function unavailable(): Promise<string | null> {
  for (const mod of NEEDS) {
    try { await import(mod); } catch { return `${mod} is not installed (npm install)`; }
  }
  const { redisServerMissing } = await import('../../plugin/colyseus/testing/index.ts');
  return redisServerMissing();
}

interface Setup {
  /** Game processes (each its own port and publicAddress). */
  processes: number;
  /** Share matchmaking through Redis (else LocalPresence/LocalDriver, one process only). */
  redis: boolean;
}

/** CPU time (µs) a process used so far, from /proc (Linux); 0 elsewhere. */
function procCpuUs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // utime + stime, clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/**
 * Starts Redis (if asked) and the game processes, runs one load process with `loadArgs`, and returns its result
 * plus CPU figures: the servers', Redis', the load generator's, and what other processes used meanwhile.
 */
async function runSide(setup: Setup, loadArgs: string[], timeoutMs: number): Promise<{ r: Msg; elapsedMs: number; extra: Record<string, number> }> {
  const { RedisServer } = await import('../../plugin/colyseus/testing/index.ts');
  const redis = setup.redis ? await RedisServer.start() : null;
  const servers: BenchProcess[] = [];
  let load: BenchProcess | null = null;
  try {
    const ports: number[] = [];
    for (let i = 0; i < setup.processes; i++) {
      const server = new BenchProcess(SELF, ['--role', 'server', '--redis', redis?.url ?? '']);
      servers.push(server);
      ports.push((await server.next('ready', 60_000)).port as number);
    }
    const client = process.env.UTP_BENCH_COLYSEUS_CLIENT === 'sdk' ? ['--client', 'sdk'] : [];
    load = new BenchProcess(SELF, ['--role', 'load', '--ports', ports.join(','), ...client, ...loadArgs]);
    await load.next('measuring', 120_000);
    for (const s of servers) s.send({ type: 'mark' });
    const redis0 = procCpuUs(redis?.pid);
    const busy0 = machineBusyMs();
    const r = await load.next('result', timeoutMs);
    const busy = machineBusyMs() - busy0;
    const redisUs = procCpuUs(redis?.pid) - redis0;
    let serverUs = 0;
    let serverUdpDrops = 0;
    for (const s of servers) {
      const stopped = await s.stop();
      serverUs += Number(stopped?.cpuUs ?? 0);
      serverUdpDrops += Number(stopped?.udpDrops ?? 0);
    }
    const loadUs = r.cpuUs as number;
    const elapsedMs = r.elapsedMs as number;
    const ownMs = (serverUs + redisUs + loadUs) / 1000;
    const extra: Record<string, number> = {
      serverCores: serverUs / 1000 / elapsedMs,
      redisCores: redisUs / 1000 / elapsedMs,
      loadCores: loadUs / 1000 / elapsedMs,
      otherCores: Math.max(0, (busy - ownMs) / elapsedMs),
      serverUdpDrops,
    };
    if (typeof r.udpDrops === 'number') extra.loadUdpDrops = r.udpDrops;
    if (typeof r.joins === 'number' && r.joins > 0) {
      // CPU per join of each part: what decides how far two processes can get on this machine (README).
      extra.serverUsPerJoin = serverUs / r.joins;
      extra.redisUsPerJoin = redisUs / r.joins;
      extra.loadUsPerJoin = loadUs / r.joins;
    }
    if (typeof r.patches === 'number' && r.patches > 0) {
      // Clients benchmark: nearly all the work is patches out of the servers and into the load generator.
      extra.serverUsPerPatch = serverUs / r.patches;
      extra.loadUsPerPatch = loadUs / r.patches;
    }
    return { r, elapsedMs, extra };
  } finally {
    load?.kill();
    for (const s of servers) s.kill();
    await redis?.stop();
  }
}

const CLUSTER = { processes: 2, redis: true } as const;
const SINGLE = { processes: 1, redis: true } as const;
const LOCAL = { processes: 1, redis: false } as const;

/** Join loops of the joins benchmark: enough that one process is saturated although many joins wait seconds in the matchmaker. */
const JOIN_LOOPS = 1024;

export const colyseusClusterJoins: Suite = {
  name: 'colyseus-cluster-joins',
  goal: 1.7,
  better: 'higher',
  unit: 'joins/s',
  description: `Sustained joins per second (join, initial state, leave; ${JOIN_LOOPS} at a time) with two UtpTransport processes `
    + 'sharing Redis vs one process with the same Redis.',
  unavailable,
  async run(opts) {
    const concurrency = opts.quick ? JOIN_LOOPS / 4 : JOIN_LOOPS;
    // Joins that race a room's disposal wait 2 s or more in the matchmaker: warm up and measure long enough for them.
    const timing = { ...opts, warmupMs: Math.max(opts.warmupMs, opts.quick ? 1000 : 5000), durationMs: opts.quick ? opts.durationMs : Math.max(opts.durationMs, 8000) };
    const rounds = await clusterRounds(this, opts, CLUSTER, SINGLE, joinArgs(concurrency, timing), timing.durationMs + 60_000,
      (r) => ({
        value: r.joinsPerSecond as number,
        extra: { joinP50Ms: r.p50 as number, joinP99Ms: r.p99 as number, slowJoins: r.slowJoins as number, errors: r.errors as number },
      }));
    return {
      rounds,
      note: `${concurrency} join loops in one load process of lean clients (bench/lib/lean-colyseus.ts: one UDP socket and driver, `
        + 'kept-alive HTTP, frames counted, not decoded), each joinOrCreate → initial state → leave, spread over the processes\' '
        + 'HTTP endpoints; rooms of 8 with 20 Hz patches; every process on this machine (servers, redis-server, load) shares its 2 cores.',
      details: [cpuLine(rounds), perJoinLine(rounds)],
    };
  },
};

export const colyseusClusterClients: Suite = {
  name: 'colyseus-cluster-clients',
  goal: 1.7,
  better: 'higher',
  unit: 'clients',
  description: 'Connected clients (rooms of 16, 20 Hz patches) before delivery degrades, two UtpTransport processes sharing '
    + 'Redis vs one: clients join in steps of 20 (5 % above 400) until a second delivers < 90 % of the patches due, a join fails or joins take > 2 s.',
  unavailable,
  async run(opts) {
    const cap = opts.quick ? 300 : 6000;
    const rounds = await clusterRounds(this, opts, CLUSTER, SINGLE, ['--mode', 'clients', '--cap', String(cap)], 600_000,
      (r) => ({ value: r.clients as number, extra: { capped: r.capped as number, stoppedBy: r.stoppedBy as number, deliveredAtLimit: r.delivered as number, joinP50Ms: r.p50 as number } }));
    return {
      rounds,
      note: `Lean clients (bench/lib/lean-colyseus.ts: one UDP socket and driver in one load process, patches counted, not decoded) join in `
        + `steps of 20, 5 % of the count above 400 (cap ${cap}), and stay; after each step one second is measured. The value is the count at `
        + 'the last step where every join succeeded, at least 90 % of the patches due arrived and the median join (5 at a time) took ≤ 2 s '
        + '(stoppedBy: 1 a failed join, 2 delivery, 3 slow joins, 0 the cap). All processes share this machine.',
      details: [cpuLine(rounds), perPatchLine(rounds)],
    };
  },
};

export const colyseusRedisJoinLatency: Suite = {
  name: 'colyseus-redis-join-latency',
  goal: 1.5,
  better: 'lower',
  unit: 'ms join p50',
  description: 'Join latency (joinOrCreate until the initial state, one at a time) of one UtpTransport process with '
    + 'RedisPresence + RedisDriver vs the same process with Colyseus\' local presence and driver.',
  unavailable,
  async run(opts) {
    const rounds = await clusterRounds(this, opts, SINGLE, LOCAL, joinArgs(1, opts), opts.durationMs + 60_000,
      (r) => ({ value: r.p50 as number, extra: { joinP99Ms: r.p99 as number, joins: r.joins as number } }));
    const added = rounds.map((x) => x.ours.value - x.baseline.value).sort((a, b) => a - b);
    return {
      rounds,
      note: 'Sequential joins (joinOrCreate → initial state → leave) through one process; ours with Redis, baseline local.',
      details: [`join latency Redis adds (median over rounds): ${quantile(added, 0.5).toFixed(2)} ms per join (min ${added[0].toFixed(2)}, max ${added[added.length - 1].toFixed(2)}).`],
    };
  },
};

/** Rounds of `ours` against `baseline`, each side one `runSide` with `loadArgs`, valued from the load's result. */
function clusterRounds(
  suite: Suite, opts: RunOptions, ours: Setup, baseline: Setup, loadArgs: string[], timeoutMs: number,
  value: (r: Msg) => { value: number; extra: Record<string, number> },
): Promise<Round[]> {
  return alternate(suite.name, opts, async (side) => {
    const { r, extra } = await runSide(side === 'ours' ? ours : baseline, loadArgs, timeoutMs);
    const v = value(r);
    return { value: v.value, extra: { ...extra, ...v.extra } };
  }, suite.unit);
}

function joinArgs(concurrency: number, opts: RunOptions): string[] {
  return ['--mode', 'joins', '--concurrency', String(concurrency), '--warmup', String(opts.warmupMs), '--duration', String(opts.durationMs)];
}

type Paired = { ours: Sample; baseline: Sample };
const median = (rounds: Paired[], f: (r: Paired) => number): number => quantile(rounds.map(f), 0.5);

function cpuLine(rounds: Paired[]): string {
  const med = (f: (r: Paired) => number): string => median(rounds, f).toFixed(2);
  return `cores used (medians), ours: servers ${med((r) => r.ours.extra.serverCores)}, redis ${med((r) => r.ours.extra.redisCores)}, `
    + `load ${med((r) => r.ours.extra.loadCores)}, others ${med((r) => r.ours.extra.otherCores)}; baseline: servers `
    + `${med((r) => r.baseline.extra.serverCores)}, redis ${med((r) => r.baseline.extra.redisCores)}, `
    + `load ${med((r) => r.baseline.extra.loadCores)}, others ${med((r) => r.baseline.extra.otherCores)}.`;
}

/**
 * CPU per join of each part, and the most two processes could reach on this machine with those costs: every core
 * busy with servers, Redis and the load generator, i.e. cores / (server + redis + load per join), over the baseline.
 */
function perJoinLine(rounds: Paired[]): string {
  const cores = availableParallelism();
  const part = (side: 'ours' | 'baseline', key: string): number => median(rounds, (r) => r[side].extra[key] ?? 0);
  const sum = (side: 'ours' | 'baseline'): number => part(side, 'serverUsPerJoin') + part(side, 'redisUsPerJoin') + part(side, 'loadUsPerJoin');
  const show = (side: 'ours' | 'baseline'): string => `servers ${part(side, 'serverUsPerJoin').toFixed(0)}, `
    + `redis ${part(side, 'redisUsPerJoin').toFixed(0)}, load ${part(side, 'loadUsPerJoin').toFixed(0)} `
    + `(load/servers ${(part(side, 'loadUsPerJoin') / part(side, 'serverUsPerJoin')).toFixed(2)})`;
  const ceiling = (cores * 1e6) / sum('ours');
  const baseline = median(rounds, (r) => r.baseline.value);
  return `CPU per join (µs, medians), ours: ${show('ours')}; baseline: ${show('baseline')}. `
    + `With ours' costs ${cores} cores allow at most ${ceiling.toFixed(0)} joins/s = ${(ceiling / baseline).toFixed(2)}× the baseline's ${baseline.toFixed(0)}.`;
}

/** CPU per patch delivered over the whole ramp (joins included, a small share), servers against the load generator. */
function perPatchLine(rounds: Paired[]): string {
  const part = (side: 'ours' | 'baseline', key: string): string => median(rounds, (r) => r[side].extra[key] ?? 0).toFixed(1);
  return `CPU per patch received (µs, medians over the ramp), ours: servers ${part('ours', 'serverUsPerPatch')}, load ${part('ours', 'loadUsPerPatch')}; `
    + `baseline: servers ${part('baseline', 'serverUsPerPatch')}, load ${part('baseline', 'loadUsPerPatch')}.`;
}

// ---------------------------------------------------------------- child processes

async function serverRole(a: Record<string, string>): Promise<void> {
  const { Room, matchMaker } = await import('@colyseus/core');
  const { schema, t } = await import('@colyseus/schema');
  const { UtpTransport, clusterOptions } = await import('../../plugin/colyseus/server/index.ts');
  const { freePort, startColyseusServer } = await import('../../plugin/colyseus/testing/index.ts');
  const Player = schema({ x: t.float32().default(0), y: t.float32().default(0) }, 'ClusterBenchPlayer');
  const State = schema({ players: t.map(Player), tick: t.uint32().default(0) }, 'ClusterBenchState');
  type S = InstanceType<typeof State>;
  class BenchRoom extends Room {
    override state = new State();
    override onCreate(options: { size?: number }): void {
      this.maxClients = options?.size ?? 8;
      this.patchRate = 50;
      this.setSimulationInterval(() => {
        const s = this.state as S;
        s.tick++;
        let i = 0;
        for (const p of s.players.values()) { p.x = Math.sin(s.tick / 10 + i) * 100; p.y = Math.cos(s.tick / 10 + i++) * 100; }
      }, 50);
    }
    override onJoin(client: { sessionId: string }): void { (this.state as S).players.set(client.sessionId, new Player()); }
    override onLeave(client: { sessionId: string }): void { (this.state as S).players.delete(client.sessionId); }
  }
  const port = await freePort();
  const server = a.redis ? await clusterOptions({ redis: a.redis, publicAddress: `127.0.0.1:${port}` }) : {};
  // The load comes from one address and creates rooms as fast as they fill: no per-address room limit.
  const transport = new UtpTransport({ webSocket: false, matchmaking: { roomCreation: false } });
  await startColyseusServer({ transport, rooms: { bench: BenchRoom }, port, server });
  const { udpDrops } = await import('../lib/udp.ts');
  let mark = process.cpuUsage();
  let drops = udpDrops(port);
  process.on('message', (m: Msg) => {
    if (m.type === 'mark') { mark = process.cpuUsage(); drops = udpDrops(port); }
    if (m.type === 'stop') {
      const used = process.cpuUsage(mark);
      reply({ type: 'stopped', cpuUs: used.user + used.system, udpDrops: udpDrops(port) - drops, processId: matchMaker.processId }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port });
}

/** What the load role needs of a joined client, from `UtpSDK` (`--client sdk`) or the lean client (default). */
interface JoinedRoom { leave(): Promise<number>; patches(): number }

/** Joins through the lean client (bench/lib/lean-colyseus.ts) or, with `--client sdk`, one `UtpSDK` room per join. */
async function joiner(a: Record<string, string>): Promise<{ joinRoom: (i: number, options: object) => Promise<JoinedRoom>; counters: () => Record<string, number> }> {
  const ports = a.ports.split(',').map(Number);
  if (a.client === 'sdk') {
    const { UtpSDK } = await import('../../plugin/colyseus/index.ts');
    const sdks = ports.map((p) => new UtpSDK(`http://127.0.0.1:${p}`, { utp: { carrier: 'udp' } }));
    const joinRoom = async (i: number, options: object): Promise<JoinedRoom> => {
      const room = await sdks[i % sdks.length].joinOrCreate('bench', options);
      let patches = 0;
      await new Promise<void>((resolve) => { room.onStateChange(() => { patches++; resolve(); }); });
      return { leave: () => room.leave(), patches: () => patches - 1 };
    };
    return { joinRoom, counters: () => ({}) };
  }
  const { LeanColyseusClients } = await import('../lib/lean-colyseus.ts');
  const clients = await LeanColyseusClients.create();
  const joinRoom = async (i: number, options: object): Promise<JoinedRoom> => {
    const room = await clients.joinOrCreate(ports[i % ports.length], 'bench', options);
    return { leave: () => room.leave(), patches: () => room.patches };
  };
  return { joinRoom, counters: () => clients.statistics() };
}

async function loadRole(a: Record<string, string>): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  const { joinRoom, counters } = await joiner(a);
  const join = async (i: number, options: object): Promise<{ room: JoinedRoom; ms: number }> => {
    const t0 = performance.now();
    const room = await joinRoom(i, options);
    return { room, ms: performance.now() - t0 };
  };
  if (a.mode === 'joins') {
    let measuring = false;
    let stop = false;
    let joins = 0;
    let errors = 0;
    const latencies: number[] = [];
    const loop = async (i: number): Promise<void> => {
      for (let k = i; !stop; k += Number(a.concurrency)) {
        try {
          const { room, ms } = await join(k, { size: 8 });
          if (measuring) { joins++; latencies.push(ms); }
          // A join racing the leave of a room's last client waits for that room's disposal (≈ 1–3 s with
          // RedisDriver: the seat reservation on the disposing room is retried), so each loop leaves first.
          await room.leave();
        } catch {
          if (measuring) errors++;
        }
      }
    };
    const loops = Array.from({ length: Number(a.concurrency) }, (_, i) => loop(i));
    await new Promise((r) => setTimeout(r, Number(a.warmup)));
    measuring = true;
    const cpu0 = process.cpuUsage();
    const c0 = counters();
    const t0 = performance.now();
    reply({ type: 'measuring' });
    await new Promise((r) => setTimeout(r, Number(a.duration)));
    measuring = false;
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const c1 = counters();
    stop = true;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 5000))]);
    reply({
      type: 'result', joins, errors, elapsedMs, cpuUs: cpu.user + cpu.system, joinsPerSecond: (joins * 1000) / elapsedMs,
      p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), slowJoins: latencies.filter((ms) => ms > 1000).length,
      ...Object.fromEntries(Object.entries(c1).map(([k, v]) => [k, v - c0[k]])),
    }, () => process.exit(0));
    return;
  }
  // mode 'clients': ramp until delivery degrades.
  const cap = Number(a.cap);
  const patches = (): number => rooms.reduce((n, r) => n + r.patches(), 0);
  let healthy = 0;
  let delivered = 1;
  let p50 = 0;
  let stoppedBy = 0; // 0 the cap, 1 a failed join, 2 delivery, 3 slow joins
  const rooms: JoinedRoom[] = [];
  reply({ type: 'measuring' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (rooms.length < cap) {
    const latencies: number[] = [];
    const base = rooms.length;
    // Steps of 20, or 5 % of the clients once that is more (the count is then known to ±5 %); 5 joins at a time.
    const step = Math.min(cap - base, Math.max(20, Math.ceil(base * 0.05)));
    await Promise.all(Array.from({ length: 5 }, async (_, lane) => {
      for (let i = lane; i < step; i += 5) {
        try {
          const { room, ms } = await join(base + i, { size: 16 });
          rooms.push(room);
          latencies.push(ms);
        } catch { /* counted as missing below */ }
      }
    }));
    await new Promise((r) => setTimeout(r, 300)); // let the new rooms settle
    const p0 = patches();
    const s0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    delivered = (patches() - p0) / (rooms.length * 20 * (performance.now() - s0) / 1000);
    p50 = quantile(latencies, 0.5);
    stoppedBy = latencies.length < step ? 1 : delivered < 0.9 ? 2 : p50 > 2000 ? 3 : 0;
    if (stoppedBy) break;
    healthy = rooms.length;
  }
  const cpu = process.cpuUsage(cpu0);
  reply({
    type: 'result', clients: healthy, capped: healthy >= cap ? 1 : 0, stoppedBy, delivered, p50, patches: patches(),
    elapsedMs: performance.now() - t0, cpuUs: cpu.user + cpu.system,
  }, () => process.exit(0));
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  const a = childArgs();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'load') await loadRole(a);
}

