// `npm run start:cluster` with a browser: two Chromium pages opened on the first process each create a room; the
// second room goes to the other process, so that page's seat leads it over the WebSocket tunnel to the process it
// did not load from. Node bots join both rooms; each page sees them. The launcher is server/cluster.ts itself.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Bot } from '../../server/bot.ts';
import { findFreePort } from '../../server/start-options.ts';
import { UtpProcess } from '../cli/spawn.ts';
import { buildGame } from '../game/built-game.ts';
import { describeWithChromium, launchChromium, type ChromiumSession } from '../support/browser.ts';
import { RedisServer, requireRedis } from '../support/redis.ts';

const CLUSTER = fileURLToPath(new URL('../../server/cluster.ts', import.meta.url));

interface Probe { scene: string; code: string; players: unknown[] }
const probe = (page: Page): Promise<Probe> => page.evaluate(() => (window as unknown as { __game: { probe: Probe } }).__game.probe);

if (requireRedis('the start:cluster browser test')) {
  describeWithChromium('npm run start:cluster in Chromium', () => {
    let redis: RedisServer;
    let cluster: UtpProcess;
    let chromium: ChromiumSession;
    let dist = '';
    let base = 0;
    const bots: Bot[] = [];

    beforeAll(async () => {
      [redis, dist] = await Promise.all([RedisServer.start(), buildGame()]);
      base = (await findFreePort('127.0.0.1', 20000 + Math.floor(Math.random() * 20000), [1, 2, 3]))!;
      cluster = new UtpProcess(['--no-build', '--static-dir', dist, '--port', String(base), '--redis', redis.url], CLUSTER);
      await cluster.waitFor(/^utp-ts arena cluster: 2 processes/, 90_000);
      chromium = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      const settle = new Promise((resolve) => setTimeout(resolve, 3000));
      await Promise.race([Promise.all(bots.map((b) => b.leave().catch(() => 0))), settle]);
      await chromium?.close();
      cluster?.child.kill('SIGTERM');
      await cluster?.exited;
      await redis?.stop();
      if (dist) rmSync(dist, { recursive: true, force: true });
    }, 60_000);

    it('pages loaded from one process play in rooms on both processes, with bots', async () => {
      const codes: string[] = [];
      const pages: Page[] = [];
      for (const name of ['A', 'B']) {
        const page = await chromium.newPage(name);
        await page.goto(`http://127.0.0.1:${base}`);
        await page.waitForSelector('#menu:not(.hidden)');
        await page.fill('#name', name);
        await page.click('#create');
        await page.waitForFunction(() => {
          const p = (window as unknown as { __game?: { probe: Probe } }).__game?.probe;
          return p?.scene === 'game' && p.players.length === 1;
        }, null, { timeout: 30_000 });
        codes.push((await probe(page)).code);
        pages.push(page);
      }
      // Where each room lives: a seat for it names the hosting process' publicAddress.
      const hosts = await Promise.all(codes.map(async (code) => {
        const res = await fetch(`http://127.0.0.1:${base}/matchmake/joinById/${code}`, {
          method: 'POST', body: JSON.stringify({ name: 'probe' }), headers: { 'content-type': 'application/json' },
        });
        return (await res.json()).publicAddress as string;
      }));
      expect(new Set(hosts)).toEqual(new Set([`localhost:${base}`, `localhost:${base + 2}`]));
      // Two bots per room, matchmaking through the other process than the page did.
      for (const code of codes) {
        for (let i = 0; i < 2; i++) {
          const bot = new Bot(`http://127.0.0.1:${base + 2}`, { name: `bot-${code}-${i}`, code });
          await bot.join();
          bots.push(bot);
        }
      }
      for (const page of pages) {
        await page.waitForFunction(() => (window as unknown as { __game: { probe: Probe } }).__game.probe.players.length === 3, null, { timeout: 20_000 });
      }
      expect(chromium.errors).toEqual([]);
    }, 120_000);
  });
}
