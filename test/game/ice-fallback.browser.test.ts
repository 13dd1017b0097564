// The sample game in Chromium when ICE fails: page A plays over WebRTC; page B has WebRTC (an RTCPeerConnection, an
// offer the server answers) but no ICE candidate crosses its signalling, so its data channel can never open — as
// behind a firewall that drops UDP. B falls back to the WebSocket after the SDK's open timeout and plays in A's room:
// each HUD names its carrier ("UTP over WebRTC" / "UTP over WebSocket"), and each page sees the other's moves.
// (test/game/browser.test.ts covers a browser without RTCPeerConnection; test/transport/webrtc.browser.test.ts
// this same failure at transport level.)
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GameServer } from '../../server/game-server.ts';
import type { ProbePlayer } from '../../sample-game/src/test-hook.ts';
import { builtGameWithChromium } from './built-game.ts';
import { describeWithChromium, type ChromiumSession } from '../support/browser.ts';

interface Probe { scene: string; code: string; carrier: string; phase: string; players: ProbePlayer[] }
type GameWindow = Window & {
  __game: { probe: Probe; game: { scene: { getScene(key: string): { children: { list: unknown[] } } | null } } };
  __signalling?: { offers: number; answered: number };
};

/** Installed before B's scripts: offers and answers cross the signalling without their `a=candidate` lines. */
function stripCandidates(): void {
  const seen = { offers: 0, answered: 0 };
  (window as unknown as GameWindow).__signalling = seen;
  const real = window.fetch.bind(window);
  const strip = (sdp: string) => sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:')).join('\r\n');
  window.fetch = async (input, init) => {
    if (!String(input).endsWith('/utp/rtc')) return real(input, init);
    seen.offers++;
    const res = await real(input, { ...init, body: strip(String(init?.body ?? '')) });
    if (res.ok) seen.answered++;
    return new Response(strip(await res.text()), { status: res.status, headers: res.headers });
  };
}

/** Every text the HUD scene draws (its game objects, containers included), as Phaser holds it. */
function hudTexts(): string[] {
  const out: string[] = [];
  const walk = (list: unknown[]) => {
    for (const o of list as Array<{ text?: unknown; list?: unknown[] }>) {
      if (typeof o.text === 'string') out.push(o.text);
      if (Array.isArray(o.list)) walk(o.list);
    }
  };
  walk((window as unknown as GameWindow).__game.game.scene.getScene('hud')?.children.list ?? []);
  return out;
}

describeWithChromium('sample game in Chromium: ICE fails in one tab', () => {
  const served = builtGameWithChromium({ config: { roundSeconds: 120 } });
  let game: GameServer;
  let chromium: ChromiumSession;
  beforeAll(() => { ({ game, chromium } = served); });

  it('the tab whose ICE fails plays over the WebSocket in the WebRTC tab\'s room; each HUD names its carrier; moves cross', async () => {
    const probe = (page: Page): Promise<Probe> => page.evaluate(() => (window as unknown as GameWindow).__game.probe);
    const hudLine = async (page: Page): Promise<string> => {
      const handle = await page.waitForFunction(`(${hudTexts})().find((t) => /UTP over (WebRTC|WebSocket)/.test(t)) ?? null`, null, { timeout: 10_000 });
      return String(await handle.jsonValue());
    };
    const accepted = { ...game.transport.stats };
    const a = await chromium.newPage('A');
    await a.goto(game.url);
    await a.waitForSelector('#menu:not(.hidden)');
    await a.fill('#name', 'Alice');
    await a.click('#create');
    await a.waitForFunction(() => {
      const p = (window as unknown as GameWindow).__game?.probe;
      return p?.scene === 'game' && p.players.length === 1 && p.carrier !== '';
    }, null, { timeout: 20_000 });
    const { code } = await probe(a);
    expect((await probe(a)).carrier).toBe('webrtc');

    const b = await chromium.newPage('B');
    await b.addInitScript(stripCandidates);
    await b.goto(`${game.url}/?room=${code}`);
    await b.waitForSelector('#menu:not(.hidden)');
    await b.fill('#name', 'Bob');
    await b.click('#join');
    for (const page of [a, b]) {
      await page.waitForFunction(() => {
        const p = (window as unknown as GameWindow).__game.probe;
        return p.scene === 'game' && p.phase === 'playing' && p.players.length === 2 && p.carrier !== '';
      }, null, { timeout: 30_000 });
    }
    // B did try WebRTC: it has RTCPeerConnection, its offer was answered; only ICE could not succeed.
    expect(await b.evaluate(() => typeof RTCPeerConnection)).toBe('function');
    expect(await b.evaluate(() => (window as unknown as GameWindow).__signalling)).toMatchObject({ offers: 1, answered: 1 });
    expect((await probe(b)).carrier).toBe('websocket');
    expect((await probe(a)).carrier).toBe('webrtc');
    expect(await hudLine(a)).toContain('UTP over WebRTC');
    expect(await hudLine(b)).toContain('UTP over WebSocket');
    expect(game.transport.stats.acceptedWebRtc - accepted.acceptedWebRtc).toBe(1);
    expect(game.transport.stats.acceptedWebSocket - accepted.acceptedWebSocket).toBe(1);
    await a.waitForTimeout(600); // past the round-start respawn

    // Each page's keys move its player as the other page sees it: far (an obstacle may deflect it, so by distance),
    // then, once it stopped, where the mover's own prediction put it.
    const moves = async (mover: Page, name: string, watcher: Page) => {
      const on = async (page: Page) => (await probe(page)).players.find((p) => p.name === name)!;
      const before = await on(watcher);
      const key = before.x > 800 ? 'KeyA' : 'KeyD';
      await mover.bringToFront();
      await mover.keyboard.down(key);
      await mover.waitForTimeout(900);
      await mover.keyboard.up(key);
      const far = ([n, x, y]: readonly [string, number, number]) => {
        const p = (window as unknown as GameWindow).__game.probe.players.find((q) => q.name === n)!;
        return Math.hypot(p.x - x, p.y - y) > 80;
      };
      await watcher.waitForFunction(far, [name, before.x, before.y] as const, { timeout: 5000 });
      const deadline = Date.now() + 5000;
      let own = await on(mover), seen = await on(watcher);
      while (Math.hypot(own.x - seen.x, own.y - seen.y) >= 2 && Date.now() < deadline) {
        await watcher.waitForTimeout(100);
        [own, seen] = [await on(mover), await on(watcher)];
      }
      expect(own.own).toBe(true);
      expect(Math.hypot(own.x - seen.x, own.y - seen.y), `${name}: own ${JSON.stringify(own)}, seen ${JSON.stringify(seen)}`).toBeLessThan(2);
    };
    await moves(a, 'Alice', b);   // WebRTC → server → WebSocket
    await moves(b, 'Bob', a);     // WebSocket → server → WebRTC
    await Promise.all([a.close(), b.close()]);
    expect(chromium.errors).toEqual([]);
  }, 90_000);
});
