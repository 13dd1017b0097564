// UTP over WebRTC with real Chromium pages (the package's browser build: NetworkDriver + WebRtcNetworkInterface) and
// one Node server for the whole file (a MultiNetworkDriver: WebRTC with signalling on its own HTTP port, plus a
// WebSocket for the fallback), one browser: a closed tab and a crashed one are disconnected on the server; a server
// that dies is noticed by the page; 20 peers (four pages × five peer connections: twenty Chromium renderers are too
// heavy for a 2-core machine) exchange messages through it; a page whose ICE cannot succeed plays over the WebSocket
// beside a WebRTC page (a page without RTCPeerConnection is test/game/browser.test.ts's case). No timing assertions.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  DisconnectReason, MultiNetworkDriver, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, type MultiNetworkConnection, type NetworkPipeline,
} from '../../plugin/index.ts';
import {
  buildBrowserPackage, describeWithChromium, launchChromium, serveStatic, type BrowserPackage, type ChromiumSession,
  type StaticSite,
} from '../support/browser.ts';
import { str, text } from '../support/hex.ts';
import { sleep } from '../support/pump.ts';
import { rtcServer } from '../support/webrtc.ts';
import { disposeAll, wsServer } from '../support/websocket.ts';
import { killAll, UtpProcess } from '../cli/spawn.ts';

/** The server's disconnect timeout: a peer silent this long is gone (heartbeats every 200 ms keep others alive). */
const SERVER_TIMEOUT_MS = 2000;

// A page makes peers with `__peer({ name, signalUrl, wsUrl?, openTimeoutMS? })` (one driver and one
// RTCPeerConnection each, all updated by one loop), sends with `__send(i, text, reliable)`, reads `__probe()`.
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>webrtc</title>
<script type="module">
import { NetworkDriver, NetworkEventType, NetworkSettings, WebRtcNetworkInterface, WebSocketNetworkInterface,
  ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage } from './index.js';
const enc = new TextEncoder(), dec = new TextDecoder();
const peers = [];
window.__peer = (o) => {
  const iface = new WebRtcNetworkInterface({ signalUrl: o.signalUrl, openTimeoutMS: o.openTimeoutMS ?? 15000,
    fallback: o.wsUrl ? new WebSocketNetworkInterface({ url: o.wsUrl }) : null });
  const settings = new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 1500, heartbeatTimeoutMS: 200 });
  const driver = NetworkDriver.create({ networkInterface: iface, settings });
  const rel = driver.createPipeline(ReliableSequencedPipelineStage);
  const unrel = driver.createPipeline(UnreliableSequencedPipelineStage);
  const c = driver.connect(iface.serverEndpoint, enc.encode(o.name));
  peers.push({ name: o.name, iface, driver, c, rel, unrel, connected: false, got: [], disconnected: -1 });
  return peers.length - 1;
};
window.__send = (i, text, reliable) => { const p = peers[i]; return p.driver.send(p.c, reliable ? p.rel : p.unrel, enc.encode(text)); };
window.__probe = () => peers.map((p) => ({ name: p.name, connected: p.connected, got: p.got, disconnected: p.disconnected,
  carrier: p.iface.carrierName, fallbackReason: p.iface.fallbackReason }));
const tick = () => {
  for (const p of peers) {
    p.driver.update();
    for (const ev of p.driver.events()) {
      if (ev.type === NetworkEventType.Connect) p.connected = true;
      if (ev.type === NetworkEventType.Data) p.got.push(dec.decode(ev.data));
      if (ev.type === NetworkEventType.Disconnect) p.disconnected = ev.disconnectReason;
    }
  }
  setTimeout(tick, 5); // not requestAnimationFrame: headless pages throttle it
};
tick();
</script>`;

interface PeerProbe { name: string; connected: boolean; got: string[]; disconnected: number; carrier: string; fallbackReason: string }
interface Seen { name: string; carrier: string; disconnected: number }

describeWithChromium('UTP over WebRTC in Chromium', () => {
  let pkg: BrowserPackage;
  let site: StaticSite;
  let chromium: ChromiumSession;
  let server: MultiNetworkDriver;
  let reliable: NetworkPipeline;
  let signalUrl = '';
  let wsUrl = '';
  let timer: ReturnType<typeof setInterval>;
  /** Every connection the server accepted, by its connect payload (the peer's name). */
  const seen = new Map<string, Seen>();
  const open = new Map<MultiNetworkConnection, Seen>();

  beforeAll(async () => {
    pkg = await buildBrowserPackage();
    site = await serveStatic({ '/': PAGE, ...pkg.routes });
    const settings = () => new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: SERVER_TIMEOUT_MS, heartbeatTimeoutMS: 200 });
    // Every test peer comes from 127.0.0.1: the per-address offer limit (2/s, burst 5) is raised for the 20 peers.
    const rtc = await rtcServer({ offersPerSecond: 50, offerBurst: 40 }, settings());
    const ws = await wsServer({}, settings());
    signalUrl = rtc.signalUrl;
    wsUrl = ws.url;
    server = MultiNetworkDriver.create();
    server.addDriver(rtc.driver);
    server.addDriver(ws.driver);
    reliable = server.createPipeline(ReliableSequencedPipelineStage);
    server.createPipeline(UnreliableSequencedPipelineStage);
    // The server: 'all:…' goes to everyone on the reliable pipeline, anything else back to its sender.
    timer = setInterval(() => {
      server.update();
      for (let out = { payload: null as Uint8Array | null }, c; (c = server.accept(out)); ) {
        const who: Seen = { name: str(out.payload!), carrier: server.getDriverForConnection(c).getConnectionStatistics(c.connection)!.carrier, disconnected: -1 };
        seen.set(who.name, who);
        open.set(c, who);
      }
      for (const e of server.events()) {
        const c = e.connection as MultiNetworkConnection;
        if (e.type === NetworkEventType.Data) {
          const msg = str(e.data);
          if (msg.startsWith('all:')) for (const to of open.keys()) server.send(to, reliable, text(`${open.get(c)!.name} says ${msg.slice(4)}`));
          else server.send(c, e.pipeline, text(`echo ${msg}`));
        } else if (e.type === NetworkEventType.Disconnect) {
          for (const [k, who] of open) if (k.equals(c)) { who.disconnected = e.disconnectReason; open.delete(k); }
        }
      }
      server.flush();
    }, 5);
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    clearInterval(timer);
    await chromium?.close();
    await site?.close();
    server?.dispose();
    disposeAll();
    await killAll();
  });

  const probe = (page: Page): Promise<PeerProbe[]> => page.evaluate(() => (window as unknown as { __probe(): PeerProbe[] }).__probe());
  const addPeer = (page: Page, o: { name: string; signalUrl: string; wsUrl?: string; openTimeoutMS?: number }): Promise<number> =>
    page.evaluate((opt) => (window as unknown as { __peer(x: unknown): number }).__peer(opt), o);
  const send = (page: Page, i: number, msg: string, rel = true): Promise<number> =>
    page.evaluate(([n, m, r]) => (window as unknown as { __send(i: number, t: string, r: boolean): number }).__send(n, m, r), [i, msg, rel] as const);
  const waitProbe = (page: Page, what: string, ok: (p: PeerProbe[]) => boolean, ms = 20_000): Promise<PeerProbe[]> =>
    until(async () => { const p = await probe(page); return ok(p) ? p : null; }, what, ms);

  /** A page with one peer connected over WebRTC that has had an echo back. */
  async function connectedPage(name: string): Promise<Page> {
    const page = await chromium.newPage(name);
    await page.goto(site.url);
    await addPeer(page, { name, signalUrl });
    await waitProbe(page, `${name} connected`, (p) => p[0].connected);
    await send(page, 0, 'ping');
    const [me] = await waitProbe(page, `${name}'s echo`, (p) => p[0].got.includes('echo ping'));
    expect(me.carrier).toBe('webrtc');
    expect(seen.get(name)?.carrier).toBe('webrtc');
    return page;
  }

  it('a closed tab: the server gets its Disconnect (pagehide closes the peer connection: ClosedByRemote)', async () => {
    const page = await connectedPage('closing');
    await page.close();
    const who = await until(() => (seen.get('closing')!.disconnected >= 0 ? seen.get('closing')! : null), 'the server to see the tab go', SERVER_TIMEOUT_MS * 5);
    expect(who.disconnected).toBe(DisconnectReason.ClosedByRemote);
  }, 60_000);

  it('a crashed tab says nothing: the server drops it on its disconnect timeout (Timeout), not ICE consent (~30 s)', async () => {
    const page = await connectedPage('crashing');
    const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
    await page.goto('chrome://crash').catch(() => { /* the navigation fails with the renderer */ });
    await crashed;
    const who = await until(() => (seen.get('crashing')!.disconnected >= 0 ? seen.get('crashing')! : null), 'the server to time the crashed tab out', 25_000);
    expect(who.disconnected).toBe(DisconnectReason.Timeout);
    await page.close();
  }, 60_000);

  it('a killed server (utp echo --webrtc, SIGKILL): the page gets a Disconnect (its own disconnect timeout)', async () => {
    const echo = new UtpProcess(['echo', '--ws', '127.0.0.1:0', '--webrtc']);
    const port = Number((await echo.waitFor(/^listening webrtc http:\/\/127\.0\.0\.1:(\d+)\//, 15_000))[1]);
    const page = await chromium.newPage('orphan');
    await page.goto(site.url);
    await addPeer(page, { name: 'orphan', signalUrl: `http://127.0.0.1:${port}/utp/rtc` });
    await waitProbe(page, 'the echo server to answer over WebRTC', (p) => p[0].connected && p[0].carrier === 'webrtc');
    await send(page, 0, 'hello');
    await waitProbe(page, 'the echo', (p) => p[0].got.includes('hello'));
    echo.kill('SIGKILL');
    const [me] = await waitProbe(page, 'the page to notice the server is gone', (p) => p[0].disconnected >= 0);
    expect(me.disconnected).toBe(DisconnectReason.Timeout);
    await page.close();
  }, 60_000);

  it('20 WebRTC peers (4 pages × 5 peer connections) on one server: every peer hears every other, then all leave', async () => {
    const pages = await Promise.all([0, 1, 2, 3].map(async (n) => {
      const page = await chromium.newPage(`crowd ${n}`);
      await page.goto(site.url);
      return page;
    }));
    const names = (n: number) => [0, 1, 2, 3, 4].map((i) => `p${n}.${i}`);
    for (const [n, page] of pages.entries()) for (const name of names(n)) await addPeer(page, { name, signalUrl });
    for (const page of pages) await waitProbe(page, 'five peers connected', (p) => p.every((x) => x.connected), 30_000);
    const crowd = [...seen.values()].filter((s) => s.name.startsWith('p'));
    expect(crowd).toHaveLength(20);
    expect(crowd.every((s) => s.carrier === 'webrtc' && s.disconnected === -1)).toBe(true);

    // Each peer says hello to all (reliable, through the server) and pings itself (unreliable).
    for (const [n, page] of pages.entries()) {
      for (let i = 0; i < 5; i++) {
        expect(await send(page, i, `all:hello`)).toBeGreaterThanOrEqual(0);
        await send(page, i, `u${n}.${i}`, false);
      }
    }
    const everyone = [...Array(4).keys()].flatMap(names).map((name) => `${name} says hello`).sort();
    let unreliableEchoes = 0;
    for (const [n, page] of pages.entries()) {
      const got = await waitProbe(page, `page ${n} to hear all 20`, (p) => p.every((x) => x.got.filter((g) => g.endsWith(' says hello')).length === 20), 30_000);
      for (const [i, peer] of got.entries()) {
        expect(peer.got.filter((g) => g.endsWith(' says hello')).sort()).toEqual(everyone);
        expect(peer.carrier).toBe('webrtc');
        const echoes = peer.got.filter((g) => g === `echo u${n}.${i}`).length;
        expect(echoes).toBeLessThanOrEqual(1); // unreliable: at most once, never someone else's
        unreliableEchoes += echoes;
      }
    }
    expect(unreliableEchoes).toBeGreaterThan(0); // a datagram may be lost, not all twenty on loopback
    await Promise.all(pages.map((p) => p.close()));
    await until(() => (crowd.every((s) => s.disconnected >= 0) ? true : null), 'all 20 to be disconnected', SERVER_TIMEOUT_MS * 5);
    expect(chromium.errors).toEqual([]);
  }, 120_000);

  it('a page whose ICE cannot succeed plays over the WebSocket beside a WebRTC page, and each says which carrier', async () => {
    const a = await connectedPage('rtc-player');
    const b = await chromium.newPage('ws-player');
    // No ICE candidate crosses the signalling, so no connectivity check can succeed: the channel never opens.
    await b.addInitScript(() => {
      const real = window.fetch.bind(window);
      const strip = (sdp: string) => sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n');
      window.fetch = async (input, init) => {
        if (!String(input).endsWith('/utp/rtc')) return real(input, init);
        const res = await real(input, { ...init, body: strip(String(init?.body ?? '')) });
        return new Response(strip(await res.text()), { status: res.status, headers: res.headers });
      };
    });
    await b.goto(site.url);
    await addPeer(b, { name: 'ws-player', signalUrl, wsUrl, openTimeoutMS: 1500 });
    const [bp] = await waitProbe(b, 'the fallback to connect', (p) => p[0].connected);
    expect(bp.carrier).toBe('websocket');
    expect(bp.fallbackReason).toBe('the data channel did not open within 1500 ms');
    expect(seen.get('ws-player')!.carrier).toBe('websocket');

    // Same server session: what one says, the other hears, on either carrier.
    await send(a, 0, 'all:over webrtc');
    await send(b, 0, 'all:over websocket');
    for (const page of [a, b]) {
      await waitProbe(page, 'both messages', (p) => p[0].got.includes('rtc-player says over webrtc') && p[0].got.includes('ws-player says over websocket'));
    }
    expect((await probe(a))[0].carrier).toBe('webrtc');
    await Promise.all([a.close(), b.close()]);
    expect(chromium.errors).toEqual([]);
  }, 60_000);
});

/** Polls `get` until it returns non-null; fails naming `what` after `ms`. */
async function until<T>(get: () => T | null | Promise<T | null>, what: string, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
