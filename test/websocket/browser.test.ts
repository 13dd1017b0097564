import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NetworkEventType, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage, type NetworkConnection,
} from '../../plugin/index.ts';
import { drain, str, text, wsServer, cleanup, disposeAll } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const requireBrowser = process.env.UTP_REQUIRE_BROWSER === '1';
const root = fileURLToPath(new URL('../../', import.meta.url));
let outDir = '';
let bundle = '';

// One build for both checks, into a temp dir (dist/browser is `npm run build:browser`'s).
beforeAll(async () => {
  const { build } = await import('vite');
  outDir = mkdtempSync(join(tmpdir(), 'utp-browser-'));
  await build({ root, configFile: join(root, 'vite.browser.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  bundle = readFileSync(join(outDir, 'utp.js'), 'utf8');
}, 60_000);
afterAll(() => { disposeAll(); if (outDir) rmSync(outDir, { recursive: true, force: true }); });

describe('browser bundle (vite.browser.config.ts)', () => {
  it('is ESM with no Node built-in and no static ws import', () => {
    expect(bundle).toMatch(/^export \{/m);
    expect(bundle).not.toMatch(/(from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/);
    expect(bundle).not.toMatch(/from\s*["'](dgram|dns|net|http|https|fs|crypto|ws)["']/);
    expect(bundle).toContain('UDP is not available in browsers'); // udp.ts swapped for its stub
  });
});

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>utp</title>
<script type="module">
import { NetworkDriver, NetworkEventType, WebSocketNetworkInterface, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage } from './utp.js';
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

describe('headless Chromium (real browser WebSocket)', () => {
  const why = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (!haveChromium && requireBrowser) {
    it('has Chromium, as UTP_REQUIRE_BROWSER=1 demands', () => { throw new Error(`UTP_REQUIRE_BROWSER=1 but ${why}`); });
    return;
  }
  if (!haveChromium) {
    process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING the Chromium WebSocket test: ${why}.\n!! Set UTP_REQUIRE_BROWSER=1 to make this a failure.\n${'!'.repeat(78)}\n\n`);
    it.skip(`SKIPPED: ${why}`, () => {});
    return;
  }

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

    const js = bundle;
    const http: Server = createServer((req, res) => {
      if (req.url?.startsWith('/utp.js')) res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js);
      else if (req.url?.startsWith('/?') || req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup.push(() => http.close());
    const pageUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/?ws=${encodeURIComponent(url)}`;

    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'utp-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(pageUrl);
      await page.waitForFunction(() => {
        const p = (window as unknown as { __probe?: { received: Array<{ pipeline: number }>; error: string } }).__probe;
        return p && (p.error || p.received.filter((r) => r.pipeline === 1).length === 10);
      }, null, { timeout: 20_000 });
      await new Promise((r) => setTimeout(r, 100)); // let late unreliable echoes land
      const probe = await page.evaluate(() => (window as unknown as { __probe: unknown }).__probe) as {
        connected: boolean; received: Array<{ pipeline: number; text: string }>; error: string;
      };
      expect(probe.error).toBe('');
      expect(pageErrors).toEqual([]);
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
      while (!disconnects.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(disconnects).toEqual([3]); // ClosedByRemote
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);
});
