// Snapshot age in a browser under 2 % packet loss: a server sends 30 Hz snapshots on an unreliable pipeline
// ([UnreliableSequenced]) to peers in a Chromium page, over WebRTC data channels (ours) and over WebSocket (the
// baseline, TCP). Age = time since the server sent the newest snapshot the page has: what a game draws from. Over
// TCP one lost segment holds back every later snapshot until it is retransmitted; over the data channel a lost
// snapshot is simply replaced by the next one.
// Two links, both with 2 % loss each way applied by the kernel or below it, to TCP and UDP alike:
// - `webrtc-snapshot-age`: the delayed link of rtt-delayed-link (bench/lib/delayed-link.ts: two namespaces, 40 ms ±
//   10 ms round trip): Chromium in the client namespace, the server in the other. TCP's recovery costs a round trip.
// - `webrtc-snapshot-age-loopback`: everything in one namespace whose loopback drops 2 % as packets arrive (nftables,
//   input hook); no delay, so TCP recovers a loss within about one snapshot interval, like a lost unreliable snapshot.
// One file: the suite, and (run as a script) its two child processes — `--role server` (one per side) and
// `--role browser` (Chromium with the package's browser build; one for the whole suite, a fresh page per side).
import { fileURLToPath } from 'node:url';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';
import { realtimePrefix } from '../lib/delayed-link.ts';
import { machineBusyMs } from '../lib/echo-pair.ts';
import { LOSS_PERCENT, LossyNamespace, withLink } from '../lib/lossy-namespace.ts';
import { DelayedNamespaces, type Link } from './rtt-under-loss.ts';
import { BenchProcess, type Msg } from '../lib/proc.ts';
import { tailRounds } from '../lib/tail-rounds.ts';
import type { RunOptions, Sample, Suite } from '../lib/types.ts';

type Side = 'ours' | 'baseline';
const SELF = fileURLToPath(import.meta.url);
const HZ = 30;
/** Bytes per snapshot: the send time (float64, wall-clock ms) and a sequence number, padded. */
const SIZE = 200;
/** Peers in the page (each its own peer connection or WebSocket, its own losses). */
const PEERS = { full: 8, quick: 4 };
/** Measured time per side: p99.9 of a 30 Hz stream needs a few hundred losses' worth of stalls. */
const DURATION_MS = { full: 20_000, quick: 3_000 };
/** Ages are sampled every this many ms of the measured window (page clock), per peer. */
const STEP_MS = 1;

/** A snapshot-age suite over one kind of link. */
function snapshotAgeSuite(name: string, what: string, create: () => Promise<Link | string>): Suite {
  let probed: Link | string | null = null;
  return {
    name,
    goal: 0.5,
    better: 'lower',
    unit: 'ms p99.9 snapshot age',
    description: `Snapshot age in Chromium at ${HZ} Hz ${what}: p99.9 over ${PEERS.full} peers (quick: ${PEERS.quick}), `
      + 'UTP [UnreliableSequenced] over WebRTC data channels vs over WebSocket (TCP).',
    async unavailable() {
      const { chromiumAvailable, missingChromiumReason } = await import('../../test/support/browser.ts');
      if (!chromiumAvailable()) return missingChromiumReason();
      probed = await create();
      return typeof probed === 'string' ? probed : null;
    },
    async run(opts) {
      const p = probed;
      probed = null;
      return withLink(p, create, async (link) => {
        const browser = new BenchProcess(SELF, ['--role', 'browser'], [], undefined, link.clientPrefix);
        try {
          await browser.next('ready', 120_000);
          // Quick (CI smoke): one round.
          return await measureRounds(name, link, browser, opts.quick ? { ...opts, rounds: 1 } : opts);
        } finally {
          await browser.stop().catch(() => {});
        }
      });
    },
  };
}

export const webrtcSnapshotAge = snapshotAgeSuite('webrtc-snapshot-age',
  `over a 40 ms ± 10 ms round-trip link with ${LOSS_PERCENT} % loss each way (TUN devices between two network namespaces, as rtt-delayed-link)`,
  DelayedNamespaces.create);

export const webrtcSnapshotAgeLoopback = snapshotAgeSuite('webrtc-snapshot-age-loopback',
  `with ${LOSS_PERCENT} % packet loss each way and no delay (nftables on the loopback of a network namespace)`,
  // The input hook: an output-hook drop fails the sender's sendmsg (EPERM) and SCTP resends at once, so no
  // snapshot would ever be lost.
  () => LossyNamespace.create('input'));

async function measureRounds(name: string, link: Link, browser: BenchProcess, opts: RunOptions) {
  const peers = opts.quick ? PEERS.quick : PEERS.full;
  const durationMs = opts.quick ? DURATION_MS.quick : Math.max(opts.durationMs, DURATION_MS.full);
  const { rounds, pooled, med } = await tailRounds(name, opts, 'ms p99.9 age',
    (side, seed) => measure(side, link, seed, browser, peers, durationMs, opts)); // seed shared by a round's sides
  const line = (side: Side, label: string): string => `${label}: age p50 ${med(side, 'p50').toFixed(1)} ms, p99 ${med(side, 'p99').toFixed(1)} ms, `
    + `p99.9 ${med(side, 'p999').toFixed(1)} ms, max ${med(side, 'max').toFixed(1)} ms (medians of rounds); pooled: p99 ${pooled(side, 0.99).toFixed(1)} ms, `
    + `p99.9 ${pooled(side, 0.999).toFixed(1)} ms; snapshots never received ${(100 * med(side, 'lostShare')).toFixed(2)} %, `
    + `packets dropped by the rule per snapshot ${med(side, 'droppedPerSnapshot').toFixed(3)}`;
  const ratio = (key: string): string => (med('ours', key) / med('baseline', key)).toFixed(3);
  return {
    rounds,
    details: [
      `loss method: ${link.method}`,
      line('ours', 'WebRTC data channel'),
      line('baseline', 'WebSocket (TCP)'),
      `ratios WebRTC / WebSocket of the medians: p50 ${ratio('p50')}×, p99 ${ratio('p99')}×, p99.9 ${ratio('p999')}×; `
        + `pooled p99 ${(pooled('ours', 0.99) / pooled('baseline', 0.99)).toFixed(3)}×, pooled p99.9 ${(pooled('ours', 0.999) / pooled('baseline', 0.999)).toFixed(3)}×`,
      `server process CPU per snapshot sent (µs, medians of rounds; mostly its 5 ms update timer at this light load): WebRTC ${med('ours', 'serverCpuUs').toFixed(1)}, WebSocket ${med('baseline', 'serverCpuUs').toFixed(1)}`,
      `packets dropped per snapshot sent (the link's counter, warm-up included): WebRTC ${med('ours', 'droppedPerSnapshot').toFixed(3)}, WebSocket ${med('baseline', 'droppedPerSnapshot').toFixed(3)}`,
    ],
    note: `The UTP server (a fresh process per side) runs on the server side of the link; a static server for the page and headless `
      + `Chromium (one for the suite, a fresh page per side, the package's browser build) on the client side. The page opens ${peers} connections `
      + `(WebRtcNetworkInterface without fallback, or WebSocketNetworkInterface), updated by a DriverLoop; once all are up the `
      + `loss is switched on and the server sends every connection a ${SIZE} B snapshot ${HZ} times a second on [UnreliableSequenced], `
      + 'stamped with its wall-clock send time. The page records when each arrives (wall clock); the age of a connection at time t = t − '
      + `send time of the newest snapshot it has, sampled every ${STEP_MS} ms over ${durationMs / 1000} s after ${opts.warmupMs} ms of warm-up `
      + 'under loss. Value = p99.9 age over all connections of the round (lower is better). '
      + (realtimePrefix().length
        ? 'Server and browser run at real-time priority (chrt -f 5), as the rtt suites do, so other work on the shared machine barely reaches the tail.'
        : 'Real-time priority is not available here (chrt, root): a busy machine inflates both tails.'),
  };
}

async function measure(side: Side, link: Link, seed: number, browser: BenchProcess, peers: number, durationMs: number, opts: RunOptions) {
  const impl = side === 'ours' ? 'webrtc' : 'ws';
  await link.lose(0, seed);
  const server = new BenchProcess(SELF, ['--role', 'server', '--impl', impl, '--host', link.serverHost], [], undefined, link.serverPrefix);
  try {
    const { port } = await server.next('ready', 30_000);
    browser.send({ type: 'connect', impl, host: link.serverHost, port, peers });
    await browser.next('connected', 60_000);
    const before = await link.lose(LOSS_PERCENT, seed);
    server.send({ type: 'start' });
    browser.send({ type: 'record', warmupMs: opts.warmupMs, durationMs });
    await browser.next('measuring', opts.warmupMs + 10_000);
    server.send({ type: 'mark' });
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    const r = await browser.next('result', durationMs + 30_000);
    const elapsed = performance.now() - t0;
    const busy = machineBusyMs() - busy0;
    const after = await link.lose(0, seed);
    const s = (await server.stop()) ?? {} as Msg;
    const sent = (s.sent as number) || 1;
    return {
      tail: r.tail as number[],
      sample: {
        value: r.p999 as number,
        extra: {
          p50: r.p50 as number, p99: r.p99 as number, p999: r.p999 as number, max: r.max as number, samples: r.samples as number,
          // The link's counter covers the whole lossy period (warm-up included), as does sentAll.
          lostShare: r.lostShare as number, droppedPerSnapshot: after.dropped / ((s.sentAll as number) || 1),
          linkCpuUs: ((after.cpuMs - before.cpuMs) * 1000) / sent,
          serverCpuUs: (s.cpuUs as number) / sent,
          // Everything on the machine, ours included (Chromium's CPU is not measured apart): reported, never a reason to repeat.
          machineCores: busy / elapsed,
        },
      } satisfies Sample,
    };
  } finally {
    await link.lose(0, seed).catch(() => {});
    browser.send({ type: 'disconnect' });
    await browser.next('disconnected', 20_000).catch(() => {});
    server.kill();
  }
}

// ---------------------------------------------------------------- child processes

/** A UTP server (WebRTC with its own signalling HTTP server, or WebSocket) that sends snapshots once told to start. */
async function serverRole(a: Record<string, string>): Promise<void> {
  const t = await import('../../plugin/transport/index.ts');
  const node = await import('../../plugin/transport/node.ts');
  const networkInterface = a.impl === 'webrtc'
    // Every peer comes from 127.0.0.1: the per-address offer limit is raised for them.
    ? new node.WebRtcServerInterface({ iceAddress: a.host, offersPerSecond: 50, offerBurst: 40 })
    : new node.WebSocketServerInterface({ path: '/utp' });
  const driver = t.NetworkDriver.create({ networkInterface, settings: new t.NetworkSettings() });
  await driver.bind(t.NetworkEndpoint.parse(a.host, 0));
  driver.listen();
  const unreliable = driver.createPipeline(t.UnreliableSequencedPipelineStage);
  const connections: InstanceType<typeof t.NetworkConnection>[] = [];
  const ev = new t.NetworkEvent();
  new t.DriverLoop(driver, () => {
    driver.update();
    for (let c; (c = driver.accept()); ) connections.push(c);
    while (driver.popEvent(ev) !== t.NetworkEventType.Empty) {
      if (ev.type === t.NetworkEventType.Disconnect) connections.splice(connections.findIndex((c) => c.equals(ev.connection)), 1);
    }
    driver.flush();
  }, { intervalMS: 5 }).start();

  const payload = new Uint8Array(SIZE);
  const view = new DataView(payload.buffer);
  let seq = 0;
  let sent = 0;
  let sentAll = 0;
  let cpu0 = process.cpuUsage();
  let timer: ReturnType<typeof setInterval> | null = null;
  process.on('message', (m: Msg) => {
    if (m.type === 'start') {
      let next = performance.now();
      timer = setInterval(() => {
        if (performance.now() < next) return;
        next += 1000 / HZ;
        view.setUint32(8, seq++, true);
        for (const c of connections) {
          view.setFloat64(0, performance.timeOrigin + performance.now(), true);
          if (driver.send(c, unreliable, payload) >= 0) { sent++; sentAll++; }
        }
        driver.flush();
      }, 1);
    }
    if (m.type === 'mark') { cpu0 = process.cpuUsage(); sent = 0; }
    if (m.type === 'stop') {
      if (timer) clearInterval(timer);
      const c = process.cpuUsage(cpu0);
      reply({ type: 'stopped', cpuUs: c.user + c.system, sent, sentAll }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready', port: driver.localEndpoint().port });
}

// The page: `__connect({ impl, host, port, peers })` opens the connections; `__probe()` says how many are up and on which
// carrier; `__arrivals()` gives, per connection, the arrival times and send times of every snapshot ([recv, sent, …]).
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>snapshot age</title>
<script type="module">
import { DriverLoop, NetworkDriver, NetworkEventType, NetworkSettings, WebRtcNetworkInterface, WebSocketNetworkInterface,
  UnreliableSequencedPipelineStage } from './index.js';
const now = () => performance.timeOrigin + performance.now();
const peers = [];
window.__connect = (o) => {
  for (let i = 0; i < o.peers; i++) {
    const iface = o.impl === 'webrtc'
      ? new WebRtcNetworkInterface({ signalUrl: 'http://' + o.host + ':' + o.port + '/utp/rtc', openTimeoutMS: 20000, fallback: null })
      : new WebSocketNetworkInterface({ url: 'ws://' + o.host + ':' + o.port + '/utp' });
    const driver = NetworkDriver.create({ networkInterface: iface, settings: new NetworkSettings() });
    driver.createPipeline(UnreliableSequencedPipelineStage);
    const p = { iface, driver, connected: false, arrivals: [], seqs: 0, first: -1, last: -1 };
    p.c = driver.connect(iface.serverEndpoint);
    p.loop = new DriverLoop(driver, () => {
      driver.update();
      for (const ev of driver.events()) {
        if (ev.type === NetworkEventType.Connect) p.connected = true;
        if (ev.type === NetworkEventType.Data) {
          const v = new DataView(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength);
          p.arrivals.push(now(), v.getFloat64(0, true));
          const seq = v.getUint32(8, true);
          if (p.first < 0) p.first = seq;
          p.last = seq;
          p.seqs++;
        }
      }
      driver.flush();
    }, { intervalMS: 5 }).start();
    peers.push(p);
  }
};
window.__now = now;
window.__probe = () => peers.map((p) => ({ connected: p.connected, carrier: p.iface.carrierName }));
window.__arrivals = () => peers.map((p) => ({ arrivals: p.arrivals, received: p.seqs, expected: p.last - p.first + 1 }));
window.__close = () => { for (const p of peers) { p.loop.stop(); p.driver.dispose(); } };
</script>`;

/** Chromium (flags of test/support/browser.ts) with the package's browser build served on 127.0.0.1. */
async function browserRole(): Promise<void> {
  const { buildBrowserPackage, launchChromium, serveStatic } = await import('../../test/support/browser.ts');
  const pkg = await buildBrowserPackage();
  const site = await serveStatic({ '/': PAGE, ...pkg.routes });
  pkg.dispose();
  const chromium = await launchChromium();
  type Page = Awaited<ReturnType<typeof chromium.newPage>>;
  type W = Record<string, (...a: unknown[]) => unknown>;
  let page: Page | null = null;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m: Msg) => {
    if (m.type === 'connect') {
      page = await chromium.newPage(String(m.impl));
      await page.goto(site.url);
      await page.waitForFunction(() => typeof (window as unknown as W).__connect === 'function');
      await page.evaluate((o) => (window as unknown as W).__connect(o), { impl: m.impl, host: m.host, port: m.port, peers: m.peers });
      const deadline = performance.now() + 50_000;
      for (;;) {
        const probe = await page.evaluate(() => (window as unknown as W).__probe()) as { connected: boolean; carrier: string }[];
        if (probe.every((p) => p.connected)) {
          const want = m.impl === 'webrtc' ? 'webrtc' : 'websocket';
          const wrong = probe.filter((p) => p.carrier !== want);
          if (wrong.length) throw new Error(`${wrong.length} connections on ${wrong[0].carrier}, not ${want}`);
          reply({ type: 'connected' });
          break;
        }
        if (performance.now() > deadline) throw new Error(`only ${probe.filter((p) => p.connected).length}/${probe.length} connected over ${m.impl}`);
        await sleep(100);
      }
    } else if (m.type === 'record') {
      const p = page!;
      await sleep(m.warmupMs as number);
      const from = await p.evaluate(() => (window as unknown as W).__now()) as number;
      reply({ type: 'measuring' });
      await sleep(m.durationMs as number);
      const to = await p.evaluate(() => (window as unknown as W).__now()) as number;
      const got = await p.evaluate(() => (window as unknown as W).__arrivals()) as { arrivals: number[]; received: number; expected: number }[];
      reply({ type: 'result', ...ages(got, from, to) });
    } else if (m.type === 'disconnect') {
      if (page) {
        await page.evaluate(() => (window as unknown as W).__close()).catch(() => {});
        await page.close();
        page = null;
      }
      reply({ type: 'disconnected' });
    } else if (m.type === 'stop') {
      await chromium.close();
      await site.close();
      reply({ type: 'stopped' }, () => process.exit(0));
    }
  });
  reply({ type: 'ready' });
}

/**
 * Age percentiles of the window [from, to): for each connection, every STEP_MS, the time since the send time of the
 * newest snapshot that had arrived. Also the oldest 2 % of samples (for pooling rounds) and the share of snapshots lost.
 */
function ages(peers: { arrivals: number[]; received: number; expected: number }[], from: number, to: number) {
  const all: number[] = [];
  let received = 0;
  let expected = 0;
  for (const p of peers) {
    received += p.received;
    expected += p.expected;
    const a = p.arrivals;
    let j = 0;
    let newest = Number.NaN;
    for (let t = from; t < to; t += STEP_MS) {
      for (; j < a.length && a[j] <= t; j += 2) newest = Number.isNaN(newest) ? a[j + 1] : Math.max(newest, a[j + 1]);
      if (!Number.isNaN(newest)) all.push(t - newest);
    }
  }
  all.sort((x, y) => x - y);
  const q = (p: number): number => all[Math.min(all.length - 1, Math.floor(p * all.length))] ?? Number.NaN;
  return {
    samples: all.length, p50: q(0.5), p99: q(0.99), p999: q(0.999), max: q(1),
    tail: all.slice(Math.max(0, all.length - Math.ceil(all.length * 0.02))).reverse(),
    lostShare: expected > 0 ? 1 - received / expected : 0,
  };
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  const a = childArgs();
  if (a.role === 'server') await serverRole(a);
  else if (a.role === 'browser') await browserRole();
}
