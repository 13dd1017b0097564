// Round-trip time under 2 % packet loss at 60 Hz: UTP's reliable pipeline over UDP vs `ws` over TCP, with the loss
// applied to both by the kernel (a network namespace whose loopback drops 2 % of the packets leaving it, nftables or
// tc netem). One file: the suite, and (run as a script) its two child processes — `--role server` (echoes) and
// `--role clients` (N connections each sending one message per 60 Hz frame and timing the echo).
import { execFileSync } from 'node:child_process';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { fileURLToPath } from 'node:url';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { alternate } from '../lib/rounds.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const LOSS_PERCENT = 2;
const HZ = 60;
const SIZE = 64;
const CONNECTIONS = 64;
const QUICK_CONNECTIONS = 32;
/** After the measured window, echoes still count for this long (slow ones are the point); later = never. */
const DRAIN_MS = 2_000;

type Method = 'nftables' | 'netem';

/** A network namespace of our own whose loopback loses packets on demand. */
class LossyNamespace {
  readonly name = `utpbench${process.pid}`;
  readonly method: Method;

  private constructor(method: Method) {
    this.method = method;
  }

  /** Creates it with the first method that works here (root only), or explains why none does. */
  static create(): LossyNamespace | string {
    if (process.getuid?.() !== 0) return 'kernel-level loss needs root (network namespace + nftables or netem)';
    const name = `utpbench${process.pid}`;
    try {
      run('ip', ['netns', 'add', name]);
      run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (err) {
      try { run('ip', ['netns', 'del', name]); } catch { /* never created */ }
      return `cannot create a network namespace: ${firstLine(err)}`;
    }
    const reasons: string[] = [];
    try {
      run('ip', ['netns', 'exec', name, 'nft', '-f', '-'],
        'table inet utpbench {\n  chain out {\n    type filter hook output priority 0; policy accept;\n  }\n}\n');
      return new LossyNamespace('nftables');
    } catch (err) {
      reasons.push(`nftables: ${firstLine(err)}`);
    }
    try {
      run('ip', ['netns', 'exec', name, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', '0%']);
      return new LossyNamespace('netem');
    } catch (err) {
      reasons.push(`tc netem: ${firstLine(err)}`);
    }
    try { run('ip', ['netns', 'del', name]); } catch { /* ignore */ }
    return `no kernel-level loss here (${reasons.join('; ')})`;
  }

  /** Runs Node inside the namespace. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** Every packet (TCP and UDP, either direction) leaving the loopback is dropped with probability `percent`. */
  lose(percent: number): void {
    if (this.method === 'nftables') {
      run('ip', ['netns', 'exec', this.name, 'nft', 'flush', 'chain', 'inet', 'utpbench', 'out']);
      if (percent > 0) {
        run('ip', ['netns', 'exec', this.name, 'nft', 'add', 'rule', 'inet', 'utpbench', 'out',
          'meta', 'l4proto', '{', 'tcp', ',', 'udp', '}', 'numgen', 'random', 'mod', '10000', '<', String(Math.round(percent * 100)), 'counter', 'drop']);
      }
    } else {
      run('ip', ['netns', 'exec', this.name, 'tc', 'qdisc', 'change', 'dev', 'lo', 'root', 'netem', 'loss', `${percent}%`]);
    }
  }

  /** Packets the rule dropped since it was added (nftables only). */
  dropped(): number {
    if (this.method !== 'nftables') return Number.NaN;
    const out = run('ip', ['netns', 'exec', this.name, 'nft', 'list', 'chain', 'inet', 'utpbench', 'out']);
    const m = /counter packets (\d+)/.exec(out);
    return m ? Number(m[1]) : 0;
  }

  dispose(): void {
    try { run('ip', ['netns', 'del', this.name]); } catch { /* already gone */ }
  }
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 10_000 }).toString();
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString() || e.message || String(err)).trim().split('\n')[0];
}

let probed: LossyNamespace | string | null = null;

export const rttUnderLoss: Suite = {
  name: 'rtt-under-loss',
  goal: 0.25,
  better: 'lower',
  unit: 'ms p99.9 RTT',
  description: `Round trip at ${HZ} Hz with ${LOSS_PERCENT} % packet loss (each direction, kernel-level, applied to both sides alike): `
    + `p99.9 of ${CONNECTIONS} connections (quick: ${QUICK_CONNECTIONS}) each sending one ${SIZE} B message per frame, `
    + 'UTP [ReliableSequenced] over UDP vs ws over TCP.',
  async unavailable() {
    probed = LossyNamespace.create();
    return typeof probed === 'string' ? probed : null;
  },
  async run(opts) {
    const ns = probed instanceof LossyNamespace ? probed : LossyNamespace.create();
    probed = null;
    if (typeof ns === 'string') throw new Error(ns);
    const cleanup = (): void => ns.dispose();
    process.once('exit', cleanup);
    try {
      const n = opts.quick ? QUICK_CONNECTIONS : CONNECTIONS;
      const durationMs = opts.quick ? 2_000 : Math.max(opts.durationMs, 6_000);
      const tails: Record<Side, number[]> = { ours: [], baseline: [] };
      const counts: Record<Side, number> = { ours: 0, baseline: 0 };
      const rounds = await alternate(this.name, opts, async (side) => {
        const { sample, tail } = await measure(side, ns, n, durationMs, opts);
        tails[side].push(...tail);
        counts[side] += sample.extra.samples;
        return sample;
      }, this.unit);
      // Pooled over every kept and discarded round: each round sent back its slowest 2 %, enough for p99 and p99.9.
      const pooled = (side: Side, q: number): number => {
        const t = [...tails[side]].sort((a, b) => b - a);
        const k = Math.floor((1 - q) * counts[side]);
        return t[Math.min(k, t.length - 1)] ?? Number.NaN;
      };
      const med = (side: Side, key: string): number => {
        const v = rounds.map((r) => r[side].extra[key]).sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)];
      };
      const line = (side: Side, name: string): string => `${name}: p50 ${med(side, 'p50').toFixed(2)} ms, p99 ${med(side, 'p99').toFixed(2)} ms, `
        + `p99.9 ${med(side, 'p999').toFixed(2)} ms (medians of rounds); pooled over ${counts[side].toLocaleString('en-US')} round trips: `
        + `p99 ${pooled(side, 0.99).toFixed(2)} ms, p99.9 ${pooled(side, 0.999).toFixed(2)} ms; never echoed within ${DRAIN_MS} ms: `
        + `${rounds.reduce((s, r) => s + r[side].extra.unanswered, 0)}`;
      return {
        rounds,
        details: [
          `loss method: ${ns.method === 'nftables' ? 'nftables' : 'tc netem'} in a network namespace (kernel-level, both sides alike): `
            + `${ns.method === 'nftables' ? `an output-hook rule on the namespace's loopback drops TCP and UDP packets with numgen random mod 10000 < ${LOSS_PERCENT * 100}` : `netem loss ${LOSS_PERCENT}% on the namespace's loopback`} `
            + '(every packet leaves once, so each direction loses 2 %).',
          line('ours', 'UTP reliable (UDP)'),
          line('baseline', 'ws (TCP)'),
          `pooled p99.9 ratio: ${(pooled('ours', 0.999) / pooled('baseline', 0.999)).toFixed(3)}×`,
        ],
        note: `Server and clients run in separate processes inside one network namespace; the loss rule is switched on once every `
          + `connection is up and off after the drain. Each of the ${n} connections sends a ${SIZE} B message every 1/${HZ} s (phases `
          + 'spread over the frame); the server echoes it at once; RTT = echo received − message sent, for every message sent in the '
          + `${durationMs / 1000} s measured window (after ${opts.warmupMs} ms of warm-up under loss), waiting up to ${DRAIN_MS} ms for `
          + 'late echoes (later ones count as the slowest). Ours: NetworkDriver over UDP, pipeline [ReliableSequenced] (window 32), '
          + 'updates on every datagram and every 5 ms, replies flushed at once. Baseline: ws server and clients, no compression, '
          + 'Nagle off (ws default). Value = p99.9 RTT of the round (lower is better).',
      };
    } finally {
      process.off('exit', cleanup);
      ns.dispose();
    }
  },
};

async function measure(side: Side, ns: LossyNamespace, n: number, durationMs: number, opts: RunOptions): Promise<{ sample: Sample; tail: number[] }> {
  const impl = side === 'ours' ? 'utp' : 'ws';
  ns.lose(0);
  const server = new BenchProcess(SELF, ['--role', 'server', '--impl', impl], [], undefined, ns.prefix);
  let clients: BenchProcess | null = null;
  try {
    const { port } = await server.next('ready', 30_000);
    clients = new BenchProcess(SELF, ['--role', 'clients', '--impl', impl, '--port', String(port), '--count', String(n),
      '--warmup', String(opts.warmupMs), '--duration', String(durationMs)], [], undefined, ns.prefix);
    await clients.next('connected', 60_000);
    ns.lose(LOSS_PERCENT);
    const dropped0 = ns.dropped();
    clients.send({ type: 'start' });
    await clients.next('measuring', opts.warmupMs + 10_000);
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    const r = await clients.next('result', durationMs + DRAIN_MS + 20_000);
    const elapsed = performance.now() - t0;
    const busy = machineBusyMs() - busy0;
    const dropped = ns.dropped() - dropped0;
    ns.lose(0);
    const s: Record<string, unknown> = (await server.stop()) ?? {};
    const oursMs = (((s.cpuUs as number) ?? 0) + (r.cpuUs as number)) / 1000;
    const tail = r.tail as number[];
    return {
      tail,
      sample: {
        value: r.p999 as number,
        extra: {
          p50: r.p50 as number, p99: r.p99 as number, p999: r.p999 as number, max: r.max as number,
          samples: r.samples as number, unanswered: r.unanswered as number, packetsDropped: dropped,
          otherCores: Math.max(0, (busy - oursMs) / elapsed),
        },
      },
    };
  } finally {
    ns.lose(0);
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
async function utpDriver(onEvent: (type: number, conn: unknown, data: Uint8Array | null) => void) {
  const t = await import('../../plugin/transport/index.ts');
  const settings = new t.NetworkSettings().withNetworkConfigParameters({ receiveQueueCapacity: 4096 });
  const driver = t.NetworkDriver.create({ settings, networkInterface: new t.UDPNetworkInterface({ receiveBufferSize: 4 << 20 }) });
  await driver.bind(t.NetworkEndpoint.parse('127.0.0.1', 0));
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
    u = await utpDriver((type, conn, data) => {
      if (type === u.t.NetworkEventType.Data) {
        const rc = u.driver.send(conn as never, u.reliable, data!);
        if (rc < 0) throw new Error(`echo failed: ${rc}`);
      }
    });
    u.driver.listen();
    port = u.driver.localEndpoint().port;
  } else {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 1024 });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
    await new Promise<void>((r) => wss.once('listening', () => r()));
    port = (wss.address() as { port: number }).port;
  }
  process.on('message', (m: Msg) => {
    if (m.type === 'stop') {
      const c = process.cpuUsage();
      reply({ type: 'stopped', cpuUs: c.user + c.system }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port });
}

async function clientsRole(a: Record<string, string>): Promise<void> {
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
    u = await utpDriver((type, conn, data) => {
      const i = index.get((conn as { id: number }).id)!;
      if (type === u.t.NetworkEventType.Connect) { if (++connected === n) reply({ type: 'connected' }); }
      else if (type === u.t.NetworkEventType.Data) received(i, data!);
      else if (type === u.t.NetworkEventType.Disconnect) throw new Error('a connection closed');
    });
    const server = u.t.NetworkEndpoint.parse('127.0.0.1', port);
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
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
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
