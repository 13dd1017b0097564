// Round-trip time under packet loss at 60 Hz: UTP's reliable pipeline over UDP vs `ws` over TCP, with the loss
// applied to both by the kernel or below it, on two links:
// - `rtt-under-loss`: a network namespace whose loopback drops 2 % of the packets leaving it (nftables or tc netem);
//   no delay, so it shows how fast each side recovers a loss, not what a player sees.
// - `rtt-delayed-link`: two namespaces joined through TUN devices by a user-space forwarder (bench/lib/delayed-link.ts)
//   that adds 20 ms ± 5 ms each way (40 ms ± 10 ms round trip) and drops 2 % of the packets each way.
// One file: the suites, and (run as a script) their two child processes — `--role server` (echoes) and
// `--role clients` (N connections each sending one message per 60 Hz frame and timing the echo).
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { fileURLToPath } from 'node:url';
import { DelayedLink, realtimePrefix, type LinkShape } from '../lib/delayed-link.ts';
import { LOSS_PERCENT, LossyNamespace, withLink } from '../lib/lossy-namespace.ts';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { tailRounds } from '../lib/tail-rounds.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const HZ = 60;
const SIZE = 64;
/** Connections and measured time per side (full / quick). */
interface Load { connections: number; quickConnections: number; minDurationMs: number }
/** After the measured window, echoes still count for this long (slow ones are the point); later = never. */
const DRAIN_MS = 2_000;
/** The delayed link: 40 ms ± 10 ms round trip. */
const DELAY_MS = 20;
const JITTER_MS = 5;

/** Where the server and the clients run, and the loss switch between them. */
export interface Link {
  readonly serverPrefix: string[];
  readonly clientPrefix: string[];
  /** Address the server binds and the clients connect to. */
  readonly serverHost: string;
  /**
   * Loss (percent, each direction) from now on, drawn from `seed` where the link has its own generator. Returns the
   * packets dropped under the previous setting and the CPU the link itself used so far (ms), when it knows them.
   */
  lose(percent: number, seed: number): Promise<{ dropped: number; cpuMs: number }>;
  /** One sentence for the report: how the loss (and delay) is made. */
  readonly method: string;
  dispose(): void;
}

/** The delayed link of bench/lib/delayed-link.ts, with the loss switch of a `Link`. */
export class DelayedNamespaces implements Link {
  readonly #link: DelayedLink;

  private constructor(link: DelayedLink) {
    this.#link = link;
  }

  static async create(): Promise<DelayedNamespaces | string> {
    const link = await DelayedLink.create();
    return typeof link === 'string' ? link : new DelayedNamespaces(link);
  }

  get serverPrefix(): string[] { return this.#link.serverPrefix; }
  get clientPrefix(): string[] { return this.#link.clientPrefix; }
  get serverHost(): string { return this.#link.serverHost; }

  get method(): string {
    return `two network namespaces joined through TUN devices by a user-space forwarder (bench/lib/delayed-link.ts): `
      + `every IPv4 packet, TCP or UDP, waits ${DELAY_MS} ms ± ${JITTER_MS} ms (uniform, drawn per packet as netem does, so packets `
      + `less than ${2 * JITTER_MS} ms apart may swap) in each direction, i.e. a ${2 * DELAY_MS} ms ± ${2 * JITTER_MS} ms round trip, and `
      + `${LOSS_PERCENT} % of them are dropped in each direction once every connection is up; loss and jitter come from a `
      + 'seeded generator, the same seed for both sides of a round.';
  }

  async lose(percent: number, seed: number): Promise<{ dropped: number; cpuMs: number }> {
    const shape: LinkShape = { delayMs: DELAY_MS, jitterMs: JITTER_MS, lossPercent: percent, seed };
    const c = await this.#link.shape(shape);
    return { dropped: c.droppedTcp + c.droppedUdp, cpuMs: c.cpuUs / 1000 };
  }

  dispose(): void {
    this.#link.dispose();
  }
}

/** A suite measuring round trips over one kind of link; `goal` is the p99.9 ratio aimed for. */
function rttSuite(name: string, goal: number, what: string, load: Load, create: () => Promise<Link | string>): Suite {
  let probed: Link | string | null = null;
  return {
    name,
    goal,
    better: 'lower',
    unit: 'ms p99.9 RTT',
    description: `Round trip at ${HZ} Hz ${what}: p99.9 of ${load.connections} connections (quick: ${load.quickConnections}) each sending one `
      + `${SIZE} B message per frame, UTP [ReliableSequenced] over UDP vs ws over TCP.`,
    async unavailable() {
      probed = await create();
      return typeof probed === 'string' ? probed : null;
    },
    async run(opts) {
      const p = probed;
      probed = null;
      return withLink(p, create, (link) => measureRounds(name, link, load, opts));
    },
  };
}

export const rttUnderLoss = rttSuite('rtt-under-loss', 0.25,
  `with ${LOSS_PERCENT} % packet loss (each direction, kernel-level, applied to both sides alike) and no delay`,
  { connections: 64, quickConnections: 32, minDurationMs: 6_000 }, LossyNamespace.create);

export const rttDelayedLink = rttSuite('rtt-delayed-link', 0.5,
  `over a link with ${2 * DELAY_MS} ms ± ${2 * JITTER_MS} ms round trip and ${LOSS_PERCENT} % loss each way (TUN devices between two `
  + 'network namespaces, a user-space forwarder, applied to TCP and UDP alike)',
  // Fewer connections, longer: the forwarder costs CPU per packet, and p99.9 needs about 10,000 round trips a round.
  { connections: 32, quickConnections: 16, minDurationMs: 10_000 }, DelayedNamespaces.create);

async function measureRounds(name: string, link: Link, load: Load, opts: RunOptions) {
  const n = opts.quick ? load.quickConnections : load.connections;
  const durationMs = opts.quick ? 2_000 : Math.max(opts.durationMs, load.minDurationMs);
  const { rounds, pooled, med, counts } = await tailRounds(name, opts, 'ms p99.9 RTT',
    (side, seed) => measure(side, link, seed, n, durationMs, opts)); // seed shared by a round's sides and retries
  const line = (side: Side, label: string): string => `${label}: p50 ${med(side, 'p50').toFixed(2)} ms, p99 ${med(side, 'p99').toFixed(2)} ms, `
    + `p99.9 ${med(side, 'p999').toFixed(2)} ms (medians of rounds); pooled over ${counts[side].toLocaleString('en-US')} round trips: `
    + `p99 ${pooled(side, 0.99).toFixed(2)} ms, p99.9 ${pooled(side, 0.999).toFixed(2)} ms; never echoed within ${DRAIN_MS} ms: `
    + `${rounds.reduce((s, r) => s + r[side].extra.unanswered, 0)}; packets dropped per round trip: `
    + `${(med(side, 'packetsDropped') / Math.max(1, med(side, 'samples'))).toFixed(3)}`;
  const ratio = (key: string): string => (med('ours', key) / med('baseline', key)).toFixed(3);
  const cpu = (side: Side): string => `server ${med(side, 'serverCpuUs').toFixed(1)}, clients ${med(side, 'clientsCpuUs').toFixed(1)}`;
  return {
    rounds,
    details: [
      `loss method: ${link.method}`,
      line('ours', 'UTP reliable (UDP)'),
      line('baseline', 'ws (TCP)'),
      `ratios of the medians: p50 ${ratio('p50')}×, p99 ${ratio('p99')}×, p99.9 ${ratio('p999')}×; `
        + `pooled p99 ratio ${(pooled('ours', 0.99) / pooled('baseline', 0.99)).toFixed(3)}×, `
        + `pooled p99.9 ratio ${(pooled('ours', 0.999) / pooled('baseline', 0.999)).toFixed(3)}×`,
      `CPU per round trip (µs, medians of rounds): UTP ${cpu('ours')}; ws ${cpu('baseline')}`
        + (link.clientPrefix.join(' ') === link.serverPrefix.join(' ') ? '' : `; the link's forwarder ${med('ours', 'linkCpuUs').toFixed(1)} (UTP) and ${med('baseline', 'linkCpuUs').toFixed(1)} (ws)`),
    ],
    note: `Server and clients run in separate processes (${link.clientPrefix.join(' ') === link.serverPrefix.join(' ') ? 'one network namespace' : 'one namespace each'}); the loss is switched on once every `
      + `connection is up and off after the drain. Each of the ${n} connections sends a ${SIZE} B message every 1/${HZ} s (phases `
      + 'spread over the frame); the server echoes it at once; RTT = echo received − message sent, for every message sent in the '
      + `${durationMs / 1000} s measured window (after ${opts.warmupMs} ms of warm-up under loss), waiting up to ${DRAIN_MS} ms for `
      + 'late echoes (later ones count as the slowest). Ours: NetworkDriver over UDP, pipeline [ReliableSequenced] (window 32), '
      + 'updates on every datagram and every 5 ms, replies flushed at once. Baseline: ws server and clients, no compression, '
      + 'Nagle off (ws default). Value = p99.9 RTT of the round (lower is better). '
      + (realtimePrefix().length
        ? 'Every process of both sides (and the forwarder) runs at real-time priority (chrt -f 5): on a shared machine other work '
          + 'otherwise decides the tail (with 1.6 of 2 cores busy elsewhere both sides reached the 2 s limit at p99.9), so rounds are '
          + 'not repeated for other load, which is kept as otherCoresShielded.'
        : 'Real-time priority is not available here (chrt, root): a busy machine inflates both tails.'),
  };
}

async function measure(side: Side, link: Link, seed: number, n: number, durationMs: number, opts: RunOptions): Promise<{ sample: Sample; tail: number[] }> {
  const impl = side === 'ours' ? 'utp' : 'ws';
  await link.lose(0, seed);
  const server = new BenchProcess(SELF, ['--role', 'server', '--impl', impl, '--host', link.serverHost], [], undefined, link.serverPrefix);
  let clients: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready', 30_000);
    clients = new BenchProcess(SELF, ['--role', 'clients', '--impl', impl, '--host', link.serverHost, '--port', String(port),
      '--count', String(n), '--warmup', String(opts.warmupMs), '--duration', String(durationMs)], [], undefined, link.clientPrefix);
    await clients.next('connected', 60_000);
    const before = await link.lose(LOSS_PERCENT, seed);
    clients.send({ type: 'start' });
    await clients.next('measuring', opts.warmupMs + 10_000);
    server.send({ type: 'mark' });
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    const r = await clients.next('result', durationMs + DRAIN_MS + 20_000);
    const elapsed = performance.now() - t0;
    const busy = machineBusyMs() - busy0;
    const after = await link.lose(0, seed);
    const s: Record<string, unknown> = (await server.stop()) ?? {};
    // The link's own CPU (a forwarder) counts as ours: it is part of the measurement, not other load.
    const linkMs = after.cpuMs - before.cpuMs;
    const oursMs = (((s.cpuUs as number) ?? 0) + (r.cpuUs as number)) / 1000 + linkMs;
    const samples = r.samples as number;
    const tail = r.tail as number[];
    // Under real-time priority other work barely reaches our processes: its load is reported, not a reason to repeat.
    const other = Math.max(0, (busy - oursMs) / elapsed);
    return {
      tail,
      sample: {
        value: r.p999 as number,
        extra: {
          p50: r.p50 as number, p99: r.p99 as number, p999: r.p999 as number, max: r.max as number,
          samples: r.samples as number, unanswered: r.unanswered as number, packetsDropped: after.dropped,
          ...(realtimePrefix().length ? { otherCoresShielded: other } : { otherCores: other }),
          // CPU per round trip, µs: a user-space transport also needs CPU time to recover a loss.
          serverCpuUs: ((s.cpuUs as number) ?? 0) / samples, clientsCpuUs: (r.cpuUs as number) / samples, linkCpuUs: (linkMs * 1000) / samples,
        },
      },
    };
  } finally {
    await link.lose(0, seed).catch(() => {});
    clients?.kill();
    server.kill();
  }
}

// ---------------------------------------------------------------- child processes


/**
 * A UTP driver over UDP with pipeline 1 = [ReliableSequenced] (window 32, with utp-ts's local send queue so that a
 * window filled by a burst of losses delays messages as TCP's send buffer does instead of refusing them), pumped on
 * every datagram and every 5 ms.
 */
async function utpDriver(bindHost: string, onEvent: (type: number, conn: unknown, data: Uint8Array | null) => void) {
  const t = await import('../../plugin/transport/index.ts');
  const settings = new t.NetworkSettings().withNetworkConfigParameters({ receiveQueueCapacity: 4096 });
  const driver = t.NetworkDriver.create({ settings, networkInterface: new t.UDPNetworkInterface({ receiveBufferSize: 4 << 20 }) });
  await driver.bind(t.NetworkEndpoint.parse(bindHost, 0));
  const reliable = driver.createPipeline({ sendQueue: true }, t.ReliableSequencedPipelineStage);
  const ev = new t.NetworkEvent();
  let scheduled = false;
  const tick = (): void => {
    scheduled = false;
    driver.update();
    while (driver.accept()) { /* everyone */ }
    while (driver.popEvent(ev) !== t.NetworkEventType.Empty) onEvent(ev.type, ev.connection, ev.type === t.NetworkEventType.Data ? ev.data : null);
    driver.flush();
  };
  driver.onPacket = () => { if (!scheduled) { scheduled = true; setImmediate(tick); } };
  setInterval(tick, 5);
  return { t, driver, reliable };
}

async function serverRole(a: Record<string, string>): Promise<void> {
  let port: number;
  if (a.impl === 'utp') {
    // eslint-disable-next-line prefer-const
    let u: Awaited<ReturnType<typeof utpDriver>>;
    u = await utpDriver(a.host, (type, conn, data) => {
      if (type === u.t.NetworkEventType.Data) {
        const rc = u.driver.send(conn as never, u.reliable, data!);
        if (rc < 0) throw new Error(`echo failed: ${rc}`);
      }
    });
    u.driver.listen();
    port = u.driver.localEndpoint().port;
  } else {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: a.host, port: 0, perMessageDeflate: false, backlog: 1024 });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
    await new Promise<void>((r) => wss.once('listening', () => r()));
    port = (wss.address() as { port: number }).port;
  }
  let cpu0 = process.cpuUsage();
  process.on('message', (m: Msg) => {
    if (m.type === 'mark') cpu0 = process.cpuUsage(); // the measured window starts
    if (m.type === 'stop') {
      const c = process.cpuUsage(cpu0);
      reply({ type: 'stopped', cpuUs: c.user + c.system }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port });
}

async function clientsRole(a: Record<string, string>): Promise<void> {
  process.on('disconnect', () => process.exit(0)); // the harness is gone
  const n = Number(a.count);
  const port = Number(a.port);
  const RING = 4096;
  const sentAt = new Float64Array(n * RING).fill(-1);
  const seqOf = new Uint32Array(n);
  let measuring = false;
  let measureFrom = 0;
  let measureTo = Infinity;
  const rtts: number[] = [];
  let pending = 0;
  const received = (i: number, data: Uint8Array): void => {
    const seq = data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] * 2 ** 24);
    const slot = i * RING + (seq % RING);
    const t0 = sentAt[slot];
    if (t0 < 0) return;
    sentAt[slot] = -1;
    if (t0 >= measureFrom && t0 < measureTo) { rtts.push(performance.now() - t0); pending--; }
  };
  let sendOne: (i: number, payload: Uint8Array) => void;
  const payload = new Uint8Array(SIZE);
  if (a.impl === 'utp') {
    const conns: unknown[] = [];
    const index = new Map<number, number>();
    let connected = 0;
    // eslint-disable-next-line prefer-const
    let u: Awaited<ReturnType<typeof utpDriver>>;
    u = await utpDriver('0.0.0.0', (type, conn, data) => {
      const i = index.get((conn as { id: number }).id)!;
      if (type === u.t.NetworkEventType.Connect) { if (++connected === n) reply({ type: 'connected' }); }
      else if (type === u.t.NetworkEventType.Data) received(i, data!);
      else if (type === u.t.NetworkEventType.Disconnect) throw new Error('a connection closed');
    });
    const server = u.t.NetworkEndpoint.parse(a.host, port);
    for (let i = 0; i < n; i++) {
      const c = u.driver.connect(server);
      conns.push(c);
      index.set(c.id, i);
    }
    sendOne = (i, p) => {
      const rc = u.driver.send(conns[i] as never, u.reliable, p);
      if (rc < 0) throw new Error(`send failed: ${rc}`);
    };
    const flush = (): void => u.driver.flush();
    await frames(n, sendOne, flush);
  } else {
    const { WebSocket } = await import('ws');
    const sockets: InstanceType<typeof WebSocket>[] = [];
    await Promise.all(Array.from({ length: n }, (_, i) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://${a.host}:${port}/`, { perMessageDeflate: false });
      ws.binaryType = 'nodebuffer';
      sockets.push(ws);
      ws.on('message', (data) => received(i, data as Buffer));
      ws.once('open', () => resolve());
      ws.once('error', reject);
    })));
    // Index by creation order, not by open order.
    sendOne = (i, p) => sockets[i].send(p, { binary: true });
    reply({ type: 'connected' });
    await frames(n, sendOne, () => {});
  }

  /** Waits for 'start', then sends one message per connection per frame, phases spread over the frame. */
  async function frames(count: number, one: (i: number, p: Uint8Array) => void, flush: () => void): Promise<void> {
    await new Promise<void>((resolve) => process.on('message', (m: Msg) => { if (m.type === 'start') resolve(); }));
    const frame = 1000 / HZ;
    const start = performance.now();
    const next = new Float64Array(count).map((_, i) => start + (i * frame) / count);
    const warmup = Number(a.warmup);
    const duration = Number(a.duration);
    measureFrom = start + warmup;
    measureTo = measureFrom + duration;
    let cpu0 = process.cpuUsage();
    const timer = setInterval(() => {
      const now = performance.now();
      if (!measuring && now >= measureFrom) { measuring = true; cpu0 = process.cpuUsage(); reply({ type: 'measuring' }); }
      if (now >= measureTo) return;
      let sent = false;
      for (let i = 0; i < count; i++) {
        if (now < next[i]) continue;
        next[i] += frame;
        const seq = seqOf[i]++;
        payload[0] = seq & 0xff; payload[1] = (seq >>> 8) & 0xff; payload[2] = (seq >>> 16) & 0xff; payload[3] = (seq >>> 24) & 0xff;
        const t0 = performance.now();
        sentAt[i * RING + (seq % RING)] = t0;
        if (t0 >= measureFrom && t0 < measureTo) pending++;
        one(i, payload);
        sent = true;
      }
      if (sent) flush();
    }, 1);
    await new Promise((r) => setTimeout(r, warmup + duration));
    // Late echoes still count, up to DRAIN_MS.
    const drainEnd = performance.now() + DRAIN_MS;
    while (pending > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 20));
    clearInterval(timer);
    const cpu = process.cpuUsage(cpu0);
    const unanswered = pending;
    const all = rtts.slice().sort((x, y) => x - y);
    // Unanswered messages rank as the slowest.
    const total = all.length + unanswered;
    const q = (p: number): number => {
      const k = Math.min(total - 1, Math.floor(p * total));
      return k < all.length ? all[k] : DRAIN_MS;
    };
    const tailCount = Math.ceil(total * 0.02);
    const tail = all.slice(Math.max(0, all.length - tailCount)).reverse();
    for (let k = 0; k < unanswered; k++) tail.unshift(DRAIN_MS);
    reply({
      type: 'result', samples: total, unanswered, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: total ? q(1) : 0,
      tail, cpuUs: cpu.user + cpu.system,
    }, () => process.exit(0));
  }
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  const a = childArgs();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'clients') await clientsRole(a);
}
