import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NetworkEventType, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage, type NetworkConnection,
} from '../../plugin/index.ts';
import { buildBrowserPackage, describeWithChromium, expectNoNodeBuiltins, launchChromium, serveStatic, type BrowserPackage } from '../support/browser.ts';
import { str, text } from '../support/hex.ts';
import { sleep } from '../support/pump.ts';
import { drain, wsServer, cleanup, disposeAll } from '../support/websocket.ts';

let pkg: BrowserPackage | undefined;

// One build for both checks: the package's browser build, what the `browser` export condition resolves to.
beforeAll(async () => { pkg = await buildBrowserPackage(); }, 60_000);
afterAll(() => { disposeAll(); pkg?.dispose(); });

describe('browser build (vite.browser.config.ts)', () => {
  it('is ESM with no Node built-in and no ws import', () => {
    expect(pkg!.routes['/index.js']).toBeDefined();
    expectNoNodeBuiltins(pkg!.code); // node:*, bare built-ins and ws, static or dynamic
    expect(pkg!.code).toContain('UDP is not available in browsers'); // udp.ts swapped for its stub
    expect(Object.keys(pkg!.routes).filter((f) => /\/udp\.js$/.test(f))).toEqual([]);
  });
});

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>utp</title>
<script type="module">
import { NetworkDriver, NetworkEventType, WebSocketNetworkInterface, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage } from './index.js';
const probe = window.__probe = { connected: false, received: [], disconnected: -1, error: '' };
try {
  const iface = new WebSocketNetworkInterface({ url: new URLSearchParams(location.search).get('ws') });
  const driver = NetworkDriver.create({ networkInterface: iface });
  const rel = driver.createPipeline(ReliableSequencedPipelineStage);
  const unrel = driver.createPipeline(UnreliableSequencedPipelineStage);
  const c = driver.connect(iface.serverEndpoint, new TextEncoder().encode('from chromium'));
  let sent = false;
  window.__disconnect = () => driver.disconnect(c);
  const tick = () => {
    driver.update();
    for (const ev of driver.events()) {
      if (ev.type === NetworkEventType.Connect) probe.connected = true;
      if (ev.type === NetworkEventType.Data) probe.received.push({ pipeline: ev.pipeline.id, text: new TextDecoder().decode(ev.data) });
      if (ev.type === NetworkEventType.Disconnect) probe.disconnected = ev.disconnectReason;
    }
    if (probe.connected && !sent) {
      sent = true;
      for (let i = 0; i < 10; i++) {
        driver.send(c, rel, new TextEncoder().encode('reliable ' + i));
        driver.send(c, unrel, new TextEncoder().encode('unreliable ' + i));
      }
    }
    setTimeout(tick, 5); // not requestAnimationFrame: headless pages throttle it
  };
  tick();
} catch (e) { probe.error = String(e && e.stack || e); }
</script>`;

describeWithChromium('headless Chromium (real browser WebSocket)', () => {
  it('a page with NetworkDriver + WebSocketNetworkInterface exchanges reliable and unreliable messages with a Node server', async () => {
    const { driver: server, url } = await wsServer();
    const rel = server.createPipeline(ReliableSequencedPipelineStage);
    const unrel = server.createPipeline(UnreliableSequencedPipelineStage);
    const connections: Array<{ c: NetworkConnection; payload: string }> = [];
    const disconnects: number[] = [];
    const timer = setInterval(() => {
      server.update();
      for (let out = { payload: null as Uint8Array | null }, c; (c = server.accept(out)); ) connections.push({ c, payload: str(out.payload!) });
      for (const e of drain(server)) {
        if (e.type === NetworkEventType.Data) server.send(e.connection, e.pipeline, text(`echo ${str(e.data)}`));
        if (e.type === NetworkEventType.Disconnect) disconnects.push(e.data[0]);
      }
    }, 5);
    cleanup.push(() => clearInterval(timer));

    const site = await serveStatic({ '/': PAGE, ...pkg!.routes });
    cleanup.push(() => void site.close());
    const pageUrl = `${site.url}/?ws=${encodeURIComponent(url)}`;

    const chromium = await launchChromium();
    try {
      const page = await chromium.newPage();
      await page.goto(pageUrl);
      await page.waitForFunction(() => {
        const p = (window as unknown as { __probe?: { received: Array<{ pipeline: number }>; error: string } }).__probe;
        return p && (p.error || p.received.filter((r) => r.pipeline === 1).length === 10);
      }, null, { timeout: 20_000 });
      await sleep(100); // let late unreliable echoes land
      const probe = await page.evaluate(() => (window as unknown as { __probe: unknown }).__probe) as {
        connected: boolean; received: Array<{ pipeline: number; text: string }>; error: string;
      };
      expect(probe.error).toBe('');
      expect(chromium.errors).toEqual([]);
      expect(probe.connected).toBe(true);
      expect(connections.map((c) => c.payload)).toEqual(['from chromium']);
      expect(server.remoteEndpoint(connections[0].c)!.address).toBe('127.0.0.1');
      expect(probe.received.filter((r) => r.pipeline === rel.id).map((r) => r.text))
        .toEqual(Array.from({ length: 10 }, (_, i) => `echo reliable ${i}`));
      const u = probe.received.filter((r) => r.pipeline === unrel.id).map((r) => Number(r.text.split(' ').pop()));
      expect(u.length).toBeGreaterThan(0);
      for (let i = 1; i < u.length; i++) expect(u[i]).toBeGreaterThan(u[i - 1]);

      await page.evaluate(() => (window as unknown as { __disconnect: () => void }).__disconnect());
      const end = Date.now() + 10_000;
      while (!disconnects.length && Date.now() < end) await sleep(10);
      expect(disconnects).toEqual([3]); // ClosedByRemote
    } finally {
      await chromium.close();
    }
  }, 60_000);
});
