// A hidden tab (issue 13): the sample game's page, joined to its server, is hidden for 60 s — visibility 'hidden',
// `visibilitychange` fired, no animation frame runs, timers held to one run per second as Chrome does for hidden
// pages — and keeps its connection through the Phaser plugin's watchdog: the server never sees a drop, the
// watchdog pumps meanwhile and hands the room's snapshots to the game, and once shown the page steps again and
// receives state, in the same session. (Measured with the watchdog stopped: the transport's own loop still
// acknowledges, so the server kept the player, but no snapshot reached the game in 60 s: the assertion on
// `received` fails.)
//
// Headless Chromium cannot hide a page itself (measured with Chromium 156): Browser.setWindowBounds 'minimized',
// another tab brought to front (Target.activateTarget, bringToFront) and Target.createTarget({ background: true })
// all leave `document.visibilityState` 'visible' and requestAnimationFrame running, with or without the
// anti-backgrounding flags. So the page hides itself the way Chrome hides it, from an init script: the
// visibility properties report 'hidden', requestAnimationFrame callbacks are held (released when shown, as
// Chrome runs them at the next frame), and setTimeout/setInterval run at most once a second.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { matchMaker } from '@colyseus/core';
import { ArenaRoom } from '../../server/arena-room.ts';
import { startBuiltGame, type BuiltGame } from '../game/built-game.ts';
import { describeWithChromium, launchChromium, type ChromiumSession } from '../support/browser.ts';
import { ROOM_NAME } from '../../sample-game/shared/constants.ts';

/** How long the page stays hidden. */
const HIDDEN_MS = 60_000;

/** Installed before the page's scripts: `window.__tab.hide()` / `show()`, and counters of what ran. */
function hidingHooks(): void {
  let hidden = false;
  const counts = { frames: 0, held: 0 };
  const held = new Map<number, FrameRequestCallback>();
  const raf = window.requestAnimationFrame.bind(window);
  const caf = window.cancelAnimationFrame.bind(window);
  const setInterval0 = window.setInterval.bind(window);
  const setTimeout0 = window.setTimeout.bind(window);
  window.requestAnimationFrame = (cb) => {
    const id: number = raf((ts) => {
      if (hidden) { held.set(id, cb); counts.held++; return; }
      counts.frames++;
      cb(ts);
    });
    return id;
  };
  window.cancelAnimationFrame = (id) => { held.delete(id); caf(id); };
  window.setInterval = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
    let last = -Infinity;
    return setInterval0(() => {
      const now = performance.now();
      if (hidden && now - last < 1000) return;
      last = now;
      if (typeof fn === 'function') fn(...args);
    }, ms);
  }) as typeof window.setInterval;
  window.setTimeout = ((fn: TimerHandler, ms = 0, ...args: unknown[]) =>
    setTimeout0(fn, hidden ? Math.max(ms, 1000) : ms, ...args)) as typeof window.setTimeout;
  const flip = (to: boolean) => {
    hidden = to;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event('visibilitychange'));
    if (!hidden) {
      const callbacks = [...held.values()];
      held.clear();
      for (const cb of callbacks) window.requestAnimationFrame(cb);
    }
  };
  (window as unknown as { __tab: unknown }).__tab = {
    counts,
    hide: () => flip(true),
    show: () => flip(false),
  };
}

interface Seen {
  visibility: string;
  frames: number;
  rafFrames: number;
  held: number;
  pumps: number;
  /** Snapshots the game's room handler has taken (counted as they arrive, not per frame as `probe.snapshots`). */
  received: number;
  snapshots: number;
  sessionId: string;
  scene: string;
  notices: string[];
}

const seen = (page: Page): Promise<Seen> => page.evaluate(() => {
  const w = window as unknown as {
    __game: { game: { plugins: { get(k: string): { watchdog: { pumps: number } | null } }; scene: { getScene(k: string): { client: { snapshots: number } } } }; probe: { frames: number; snapshots: number; sessionId: string; scene: string; notices: string[] } };
    __tab: { counts: { frames: number; held: number } };
  };
  const p = w.__game.probe;
  return {
    visibility: document.visibilityState, frames: p.frames, rafFrames: w.__tab.counts.frames, held: w.__tab.counts.held,
    pumps: w.__game.game.plugins.get('UtpNet').watchdog?.pumps ?? -1, received: w.__game.game.scene.getScene('game').client.snapshots, snapshots: p.snapshots, sessionId: p.sessionId,
    scene: p.scene, notices: [...p.notices],
  };
});

describeWithChromium('hidden tab in Chromium', () => {
  let built: BuiltGame;
  let chromium: ChromiumSession;
  const drops: string[] = [];
  const leaves: string[] = [];
  const original = { onDrop: ArenaRoom.prototype.onDrop, onLeave: ArenaRoom.prototype.onLeave };

  beforeAll(async () => {
    // What the server sees of the page's connection.
    ArenaRoom.prototype.onDrop = function (client) { drops.push(client.sessionId); return original.onDrop.call(this, client); };
    ArenaRoom.prototype.onLeave = function (client) { leaves.push(client.sessionId); return original.onLeave.call(this, client); };
    built = await startBuiltGame({ config: { roundSeconds: 300 } });
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    Object.assign(ArenaRoom.prototype, original);
    await chromium?.close();
    await built?.close();
  });

  it('keeps its connection through the watchdog for 60 s hidden, then steps and receives state again', async () => {
    const { game } = built;
    const page = await chromium.newPage('hidden');
    await page.addInitScript(hidingHooks);
    await page.goto(game.url);
    await page.waitForSelector('#menu:not(.hidden)');
    await page.fill('#name', 'Hidden');
    await page.click('#quick');
    await page.waitForFunction(() => {
      const p = (window as unknown as { __game?: { probe: { scene: string; players: unknown[]; snapshots: number } } }).__game?.probe;
      return p?.scene === 'game' && p.players.length === 1 && p.snapshots > 0;
    }, null, { timeout: 30_000 });

    const [listing] = await matchMaker.query({ name: ROOM_NAME });
    const room = matchMaker.getLocalRoomById(listing.roomId)!;
    const before = await seen(page);
    expect(before.visibility).toBe('visible');
    expect([...room.clients].map((c) => c.sessionId)).toEqual([before.sessionId]);
    const accepted = () => game.transport.stats.acceptedUdp + game.transport.stats.acceptedWebSocket + game.transport.stats.acceptedWebRtc;
    const acceptedBefore = accepted();

    await page.evaluate(() => (window as unknown as { __tab: { hide(): void } }).__tab.hide());
    const hidden = await seen(page);
    expect(hidden.visibility).toBe('hidden');

    // Hidden for HIDDEN_MS; every 5 s the server still has the client, connected.
    for (let waited = 0; waited < HIDDEN_MS; waited += 5000) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      expect([...room.clients].map((c) => c.sessionId)).toEqual([before.sessionId]);
      expect((room.state as { players: Map<string, { connected: boolean }> }).players.get(before.sessionId)?.connected).toBe(true);
    }
    const late = await seen(page);
    expect(late.visibility).toBe('hidden');
    // No animation frame ran while hidden (Chromium asked for them: they were held), so Phaser did not step…
    expect(late.rafFrames).toBe(hidden.rafFrames);
    expect(late.frames).toBe(hidden.frames);
    // …while the watchdog pumped the network, about once a second (timers as Chrome throttles them), handing the
    // room's messages to the SDK and the game (the transport's own loop only acknowledges them while it is pumped).
    expect(late.pumps - hidden.pumps).toBeGreaterThanOrEqual(HIDDEN_MS / 1000 / 2);
    expect(late.received - hidden.received).toBeGreaterThanOrEqual(HIDDEN_MS / 1000);
    expect(drops).toEqual([]);
    expect(leaves).toEqual([]);

    await page.evaluate(() => (window as unknown as { __tab: { show(): void } }).__tab.show());
    // Shown: frames run again and state keeps arriving, in the same session, without a reconnection.
    await page.waitForFunction((n) => {
      const p = (window as unknown as { __game: { probe: { frames: number } } }).__game.probe;
      return p.frames > n + 30;
    }, late.frames, { timeout: 15_000 });
    const shown = await seen(page);
    await page.waitForFunction((n) => (window as unknown as { __game: { probe: { snapshots: number } } }).__game.probe.snapshots > n + 10, shown.snapshots, { timeout: 15_000 });
    const after = await seen(page);
    expect(after.visibility).toBe('visible');
    expect(after.rafFrames).toBeGreaterThan(late.rafFrames);
    expect(after.sessionId).toBe(before.sessionId);
    expect(after.scene).toBe('game');
    expect(after.notices).toEqual(before.notices); // no "connection problem" banner came and went
    expect([...room.clients].map((c) => c.sessionId)).toEqual([before.sessionId]);
    expect(accepted()).toBe(acceptedBefore);
    expect(drops).toEqual([]);
    expect(leaves).toEqual([]);
    expect(chromium.errors).toEqual([]);
  }, HIDDEN_MS + 90_000);
});
