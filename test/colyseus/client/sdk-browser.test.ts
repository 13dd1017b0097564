// The browser client for real: `utp-ts/colyseus` bundled for browsers (no Node built-in may remain) and run in
// headless Chromium against UtpTransport, where it defaults to the WebSocket tunnel.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserStubs } from '../../../vite.browser.config.ts';
import { expectNoNodeBuiltins, launchChromium, requireChromium, serveStatic } from '../../support/browser.ts';
import type { Page } from 'playwright-core';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { bootUtp, logs, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let outDir = '';
let bundle = '';
let boot: UtpTestServer;

// What an application's Vite build does with `import { UtpSDK } from 'utp-ts/colyseus'` (browser conditions; `ws`
// resolves to its browser stub, which the SDK never calls because browsers have a global WebSocket).
beforeAll(async () => {
  const { build } = await import('vite');
  outDir = mkdtempSync(join(tmpdir(), 'utp-colyseus-browser-'));
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    plugins: [browserStubs()],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      lib: { entry: join(root, 'plugin/colyseus/index.ts'), formats: ['es'], fileName: () => 'colyseus.js' },
    },
  });
  bundle = readFileSync(join(outDir, 'colyseus.js'), 'utf8');
  boot = await bootUtp();
}, 120_000);

afterAll(async () => {
  await boot?.shutdown();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('utp-ts/colyseus in a browser', () => {
  it('bundles without Node built-ins or the server', () => {
    // Booleans, not string matchers: a failure must not print a 700 KB bundle (expectNoNodeBuiltins prints matches).
    expect(/^export \{/m.test(bundle)).toBe(true);
    expectNoNodeBuiltins(bundle, ['ws', '@colyseus/core']);
    expect(bundle.includes('class UtpTransport')).toBe(false);
    expect(/UtpSDK = class extends|class UtpSDK/.test(bundle)).toBe(true);
  });

  if (!requireChromium('the Colyseus client in Chromium')) return;

  // Default: WebRTC (a data channel, UDP's delivery); `carrier: 'websocket'` forces the tunnel.
  for (const [forced, expected] of [[null, 'webrtc'], ['websocket', 'websocket']] as const) {
  it(`joins from Chromium over ${expected} (${forced ? 'forced' : 'default'}): state, messages, unreliable fields, leave 4000`, async () => {
    const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>colyseus</title>
<script type="module">
import { UtpSDK } from './colyseus.js';
const probe = window.__probe = { joined: false, sessionId: '', echo: null, unreliableEcho: null, leaveCode: 0, error: '' };
try {
  const q = new URLSearchParams(location.search);
  const sdk = new UtpSDK(q.get('endpoint'), q.get('carrier') ? { utp: { carrier: q.get('carrier') } } : {});
  const room = await sdk.joinOrCreate('game', { name: 'chromium' });
  window.__room = room;
  probe.joined = true;
  probe.sessionId = room.sessionId;
  room.onMessage('echo', (m) => { probe.echo = m; });
  room.onMessage('echo-unreliable', (m) => { probe.unreliableEcho = m; });
  room.send('echo', 'hi from chromium');
  const timer = setInterval(() => room.sendUnreliable('echo-unreliable', 'datagram from chromium'), 50);
  window.__leave = async () => { clearInterval(timer); probe.leaveCode = await room.leave(); };
} catch (e) { probe.error = String(e && e.stack || e); }
</script>`;
    const site = await serveStatic({ '/': page, '/colyseus.js': bundle });
    const pageUrl = `${site.url}/?endpoint=${encodeURIComponent(boot.endpoint)}${forced ? `&carrier=${forced}` : ''}`;

    const chromium = await launchChromium();
    type Probe = { joined: boolean; sessionId: string; echo: unknown; unreliableEcho: unknown; leaveCode: number; error: string };
    try {
      const tab = await chromium.newPage();
      await tab.goto(pageUrl);
      const probe = (): Promise<Probe> => tab.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
      await tab.waitForFunction(() => {
        const p = (window as unknown as { __probe?: Probe }).__probe;
        return p && (p.error || (p.echo && p.unreliableEcho));
      }, null, { timeout: 30_000 }).catch((e) => { throw new Error(`${e}\n${chromium.errors.join("\n")}`); });
      const p = await probe();
      expect(p.error).toBe('');
      expect(chromium.errors).toEqual([]);
      expect(p.echo).toBe('hi from chromium');
      expect(p.unreliableEcho).toBe('datagram from chromium');

      const room = findRoom(p.sessionId);
      const server = room.clients.get(p.sessionId) as unknown as { carrier: string };
      expect(server.carrier).toBe(expected);
      expect(await tab.evaluate(() => (window as unknown as { __room: { connection: { transport: { carrier: string } } } }).__room.connection.transport.carrier)).toBe(expected);
      expect(room.state.players.get(p.sessionId)?.name).toBe('chromium');

      // Reliable patches and unreliable fields reach the page.
      room.state.counter = 99;
      const read = () => tab.evaluate(() => {
        const r = (window as unknown as { __room: { state: { counter: number; fast: number } } }).__room;
        return { counter: r.state.counter, fast: r.state.fast };
      });
      const start = (await read()).fast;
      const end = Date.now() + 15_000;
      let seen = await read();
      while ((seen.counter !== 99 || seen.fast < start + 3) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await read();
      }
      expect(seen.counter).toBe(99);
      expect(seen.fast).toBeGreaterThanOrEqual(start + 3);

      await tab.evaluate(() => (window as unknown as { __leave: () => Promise<void> }).__leave());
      expect((await probe()).leaveCode).toBe(4000);
      await until(() => room.clients.length === 0, 'the Chromium client to leave');
    } finally {
      await chromium.close();
      await site.close();
    }
  }, 90_000);
  }

  it('a server that shuts down reaches a page on WebRTC: onLeave 4001 (SERVER_SHUTDOWN), not onDrop', async () => {
    const other = await bootUtp();
    const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>shutdown</title>
<script type="module">
import { UtpSDK } from './colyseus.js';
const probe = window.__probe = { joined: false, carrier: '', leaveCode: 0, dropCode: 0, error: '' };
try {
  const room = await new UtpSDK(new URLSearchParams(location.search).get('endpoint')).joinOrCreate('game', { name: 'left behind' });
  room.onLeave((code) => { probe.leaveCode = code; });
  room.onDrop((code) => { probe.dropCode = code; });
  probe.carrier = room.connection.transport.carrier;
  probe.joined = true;
} catch (e) { probe.error = String(e && e.stack || e); }
</script>`;
    const site = await serveStatic({ '/': page, '/colyseus.js': bundle });
    const chromium = await launchChromium();
    type Probe = { joined: boolean; carrier: string; leaveCode: number; dropCode: number; error: string };
    const probe = (tab: Page): Promise<Probe> => tab.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
    try {
      const tab = await chromium.newPage();
      await tab.goto(`${site.url}/?endpoint=${encodeURIComponent(other.endpoint)}`);
      await tab.waitForFunction(() => { const p = (window as unknown as { __probe?: Probe }).__probe; return p && (p.joined || p.error); }, null, { timeout: 30_000 });
      expect((await probe(tab)).error).toBe('');
      expect((await probe(tab)).carrier).toBe('webrtc');
      await other.shutdown();
      await tab.waitForFunction(() => (window as unknown as { __probe: Probe }).__probe.leaveCode !== 0, null, { timeout: 15_000 });
      const p = await probe(tab);
      expect(p.leaveCode).toBe(CloseCodes.SERVER_SHUTDOWN);
      expect(p.dropCode).toBe(0);
      expect(chromium.errors).toEqual([]);
    } finally {
      await chromium.close();
      await site.close();
    }
  }, 60_000);
});

/** The local room `sessionId` joined. */
function findRoom(sessionId: string): GameRoom {
  for (const [roomId, log] of logs) if (log.joins.includes(sessionId)) return boot.colyseus.getRoomById<GameRoom>(roomId);
  throw new Error(`no room with session ${sessionId}`);
}
