/**
 * A browser hosts through the relay (spec §2.3: browsers cannot listen, except through Relay): headless
 * Chromium allocates over HTTP, binds over WebSocket (WebCrypto HMAC) and listens; a Node driver joins by
 * code over UDP and gets its reliable messages echoed by the page.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  ConnectionState, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  type NetworkDriver,
} from '../../plugin/index.ts';
import {
  AllocationApi, createRelayDriver, RelayServer, RelayServerData, withRelayParameters, type RelayAllocationJson,
} from '../../plugin/relay/node.ts';
import {
  buildBrowserPackage, chromiumAvailable, describeWithChromium, expectNoNodeBuiltins, launchChromium, serveStatic,
  type BrowserPackage,
} from '../support/browser.ts';
import { sleep } from '../support/pump.ts';

let pkg: BrowserPackage | undefined;
const cleanup: Array<() => void> = [];

// The package's browser build: `utp-ts` and `utp-ts/relay` as a bundler resolves them with the `browser` condition.
beforeAll(async () => {
  if (chromiumAvailable()) pkg = await buildBrowserPackage();
}, 60_000);
afterAll(() => {
  for (const f of cleanup.splice(0).reverse()) f();
  pkg?.dispose();
});

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>relay host</title>
<script type="module">
import { NetworkEndpoint, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage } from './index.js';
import { createRelayDriver, withRelayParameters, RelayServerData } from './relay/index.js';
const probe = window.__probe = { joinCode: '', status: -1, accepted: 0, received: [], disconnects: [], error: '' };
try {
  const api = new URLSearchParams(location.search).get('api');
  const post = async (path, body) => (await (await fetch(api + path, { method: 'POST', body: JSON.stringify(body) })).json()).data;
  const { allocation } = await post('/v1/allocate', { maxConnections: 4 });
  const driver = createRelayDriver(withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(allocation, 'ws')));
  const rel = driver.createPipeline(ReliableSequencedPipelineStage);
  await driver.bind(NetworkEndpoint.anyIpv4);
  driver.listen();
  probe.joinCode = (await post('/v1/joincode', { allocationId: allocation.allocationId })).joinCode;
  const tick = () => {
    try {
      driver.update();
      probe.status = driver.getRelayConnectionStatus();
      while (driver.accept()) probe.accepted++;
      for (const ev of driver.events()) {
        if (ev.type === NetworkEventType.Data) {
          const text = new TextDecoder().decode(ev.data);
          probe.received.push(text);
          driver.send(ev.connection, rel, new TextEncoder().encode('echo ' + text));
        }
        if (ev.type === NetworkEventType.Disconnect) probe.disconnects.push(ev.disconnectReason);
      }
    } catch (e) { probe.error = String(e && e.stack || e); }
    setTimeout(tick, 5);
  };
  tick();
} catch (e) { probe.error = String(e && e.stack || e); }
</script>`;

interface Probe { joinCode: string; status: number; accepted: number; received: string[]; disconnects: number[]; error: string }

describeWithChromium('headless Chromium hosting through the relay', () => {
  it('the bundle has no Node built-in, and a Node joiner reaches the page\'s host over UDP', async () => {
    expectNoNodeBuiltins(pkg!.code);
    expect(pkg!.code).toMatch(/var RelayLayer = class/);

    const loopback = NetworkEndpoint.parse('127.0.0.1', 0);
    const relay = new RelayServer();
    await relay.listenUdp(loopback);
    await relay.listenWebSocket(loopback);
    relay.start(100);
    const allocations = new AllocationApi({ store: relay.store, serverEndpoints: () => relay.serverEndpoints() });
    const apiPort = await allocations.listen(loopback);
    cleanup.push(() => relay.dispose(), () => allocations.close());

    const site = await serveStatic({ '/': PAGE, ...pkg!.routes });
    cleanup.push(() => void site.close());
    const pageUrl = `${site.url}/?api=${encodeURIComponent(`http://127.0.0.1:${apiPort}`)}`;

    const chromium = await launchChromium();
    const joiners: NetworkDriver[] = [];
    try {
      const page = await chromium.newPage();
      await page.goto(pageUrl);
      const probe = () => page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
      await page.waitForFunction(() => {
        const p = (window as unknown as { __probe?: Probe }).__probe;
        return p && (p.error || (p.joinCode && p.status === 1));
      }, null, { timeout: 20_000 });
      const { joinCode, error } = await probe();
      expect(error).toBe('');

      const res = await fetch(`http://127.0.0.1:${apiPort}/v1/join`, { method: 'POST', body: JSON.stringify({ joinCode }) });
      const joinAlloc = ((await res.json()) as { data: { allocation: RelayAllocationJson } }).data.allocation;
      const data = RelayServerData.fromAllocation(joinAlloc, 'udp');
      const joiner = createRelayDriver(withRelayParameters(new NetworkSettings(), data));
      joiners.push(joiner);
      const rel = joiner.createPipeline(ReliableSequencedPipelineStage);
      await joiner.bind(loopback);
      const c = joiner.connect(data.endpoint);
      const echoes: string[] = [];
      const ev = new NetworkEvent();
      let sent = false;
      const deadline = performance.now() + 20_000;
      while (echoes.length < 5) {
        if (performance.now() > deadline) throw new Error(`no echoes from the page: ${JSON.stringify(await probe())}`);
        joiner.update();
        if (!sent && joiner.getConnectionState(c) === ConnectionState.Connected) {
          sent = true;
          for (let i = 0; i < 5; i++) joiner.send(c, rel, new TextEncoder().encode(`msg ${i}`));
        }
        while (joiner.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) echoes.push(new TextDecoder().decode(ev.data));
        await sleep(5);
      }
      expect(echoes).toEqual(Array.from({ length: 5 }, (_, i) => `echo msg ${i}`));

      joiner.disconnect(c);
      joiner.update();
      await page.waitForFunction(() => (window as unknown as { __probe: Probe }).__probe.disconnects.length > 0, null, { timeout: 10_000 });
      const end = await probe();
      expect(end.accepted).toBe(1);
      expect(end.disconnects).toEqual([3]); // ClosedByRemote
      expect(end.error).toBe('');
      expect(chromium.errors).toEqual([]);
    } finally {
      for (const d of joiners) d.dispose();
      await chromium.close();
    }
  }, 60_000);
});
