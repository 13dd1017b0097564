// End to end in Chromium: relay.html as `npm start` serves it (built client, game server with its relay). Page A
// hosts through the relay over WebRTC (the default); page B, forced onto the WebSocket with `?carrier=websocket`,
// joins with A's code; each sees the other's dot, B's keys move B's dot as A simulates it and A's move A's as B sees
// it (unreliable pipeline); chat crosses (reliable pipeline); page C joins through the share link (WebRTC) and
// leaves; the host ends the game. Then bad signalling to the relay (garbage SDP, an oversized offer) is refused and
// counted, and a page forced onto WebRTC still hosts. Zero console errors. Screenshots go to test-results/relay-demo-*.png
// (UTP_UPDATE_SCREENSHOT=1 also refreshes sample-game/relay-screenshot.png from the host's page).
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SessionPlayer, SessionStatus } from '../../sample-game/src/relay-demo/link.ts';
import type { GameServer } from '../../server/game-server.ts';
import { startBuiltGame, type BuiltGame } from './built-game.ts';
import { describeWithChromium, expectNoNodeBuiltins, launchChromium, type ChromiumSession } from '../support/browser.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const results = join(root, 'test-results');

interface Probe { role: 'host' | 'guest'; code: string; myId: number; status: SessionStatus; players: SessionPlayer[] }

describeWithChromium('relay demo (relay.html) in Chromium', () => {
  let built: BuiltGame;
  let dist = '';
  let game: GameServer;
  let chromium: ChromiumSession;

  beforeAll(async () => {
    built = await startBuiltGame({ relay: { port: 0 } });
    ({ game, dist } = built);
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await built?.close();
  });

  it('is built beside the game, and its scripts import no Node built-in', () => {
    expect(readdirSync(dist)).toEqual(expect.arrayContaining(['index.html', 'relay.html']));
    const html = readFileSync(join(dist, 'relay.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expectNoNodeBuiltins(readFileSync(join(dist, s), 'utf8'));
    expect(scripts.some((s) => s.includes('phaser'))).toBe(false); // the demo is plain canvas
  });

  it('A hosts, B joins with the code: each sees the other, keys move dots across, chat, share link, leave', async () => {
    const probe = (page: Page): Promise<Probe> =>
      page.evaluate(() => (window as unknown as { __relayDemo: { probe(): Probe } }).__relayDemo.probe());
    const until = (page: Page, what: (p: Probe) => boolean): Promise<unknown> =>
      page.waitForFunction(`(${what})(window.__relayDemo.probe() ?? { status: {}, players: [] })`, null, { timeout: 20_000 });
    const player = async (page: Page, name: string) => (await probe(page)).players.find((p) => p.name === name)!;
    const page = `${game.url}/relay.html`;

    const a = await chromium.newPage('A');
    await a.goto(page);
    await a.fill('#name', 'Alice');
    await a.click('#host');
    await until(a, (p) => p.role === 'host' && p.status.relay === 'Established' && p.players.length === 1);
    expect((await probe(a)).status.carrier).toBe('webrtc');
    const { code } = await probe(a);
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    expect(await a.textContent('#join-code')).toBe(code);
    expect(await a.inputValue('#share-link')).toBe(`${page}?join=${code}`);
    expect(await a.isVisible('#lobby')).toBe(false);

    const b = await chromium.newPage('B', { width: 1000, height: 600 });
    await b.goto(`${page}?carrier=websocket`);
    await b.fill('#name', 'Bob');
    await b.fill('#code', code.toLowerCase());
    await b.click('#join');
    await until(a, (p) => p.players.length === 2);
    await until(b, (p) => p.status.connection === 'Connected' && p.players.length === 2 && p.players.every((q) => Number.isFinite(q.x)));
    expect((await probe(a)).players.map((p) => [p.id, p.name, p.own])).toEqual([[0, 'Alice', true], [1, 'Bob', false]]);
    expect((await probe(b)).players.map((p) => [p.id, p.name, p.own])).toEqual([[0, 'Alice', false], [1, 'Bob', true]]);
    expect((await probe(b)).status).toMatchObject({ relay: 'Established', players: 2, maxPlayers: 8, carrier: 'websocket' });

    // B's keys move B's dot in A's simulation.
    const bob0 = await player(a, 'Bob');
    const [key, sign] = bob0.x > 400 ? ['ArrowLeft', -1] : ['ArrowRight', 1];
    await b.bringToFront();
    await b.keyboard.down(key);
    await b.waitForTimeout(600);
    await b.keyboard.up(key);
    await a.waitForFunction(`window.__relayDemo.probe().players[1].x * ${sign} > ${(bob0.x + 100 * sign) * sign}`, null, { timeout: 5000 });
    expect((await player(a, 'Bob')).y).toBeCloseTo(bob0.y, 0);
    // A's keys (the host plays too) move A's dot as B sees it.
    const alice0 = await player(b, 'Alice');
    await a.bringToFront();
    await a.keyboard.down('KeyS');
    await a.waitForTimeout(500);
    await a.keyboard.up('KeyS');
    await b.waitForFunction(`window.__relayDemo.probe().players[0].y > ${alice0.y + 80}`, null, { timeout: 5000 });
    // At rest, both pages agree on every dot (1/64-unit fixed point on the wire).
    await b.waitForTimeout(800);
    const [onA, onB] = [(await probe(a)).players, (await probe(b)).players];
    for (let i = 0; i < 2; i++) {
      expect(Math.abs(onA[i].x - onB[i].x)).toBeLessThan(0.01);
      expect(Math.abs(onA[i].y - onB[i].y)).toBeLessThan(0.01);
    }

    // Chat: Enter focuses the box, Enter sends; it shows on the other page. RTT is measured both ways.
    await b.bringToFront();
    await b.keyboard.press('Enter');
    await b.keyboard.type('hi Alice, via the relay');
    await b.keyboard.press('Enter');
    await a.waitForFunction(() => document.getElementById('log')!.textContent!.includes('Bob: hi Alice, via the relay'), null, { timeout: 5000 });
    await until(b, (p) => typeof p.status.rtt === 'number' && p.status.rtt > 0);
    await until(a, (p) => typeof p.status.rtt === 'number' && p.players[1].rtt !== null);
    await a.waitForFunction(() => /ms$/.test(document.getElementById('st-rtt')!.textContent!), null, { timeout: 5000 });
    expect(await a.textContent('#st-relay')).toBe('Established');
    expect(await b.textContent('#st-connection')).toBe('Connected');
    expect(await a.textContent('#st-players')).toBe('2 / 8');
    expect(await a.textContent('#st-carrier')).toBe('WebRTC');
    expect(await b.textContent('#st-carrier')).toBe('WebSocket');

    // C opens the share link: it joins at once (under the name this browser last used, made unique by the host),
    // then leaves with the button.
    const c = await chromium.newPage('C', { width: 800, height: 500 });
    await c.goto(`${page}?join=${code}`);
    await until(c, (p) => p.status.connection === 'Connected' && p.myId === 2);
    expect((await probe(c)).players.map((p) => p.name)).toEqual(['Alice', 'Bob', 'Bob 2']);
    expect((await probe(c)).status.carrier).toBe('webrtc');
    // The relay answered A's and C's offers; B never made one.
    expect(game.relay!.relay.load.webRtc).toMatchObject({ offersAnswered: 2, refusedBadOffer: 0 });
    await until(a, (p) => p.players.length === 3);
    await until(b, (p) => p.players.length === 3);

    mkdirSync(results, { recursive: true });
    await a.screenshot({ path: join(results, 'relay-demo-host.png') });
    await b.screenshot({ path: join(results, 'relay-demo-guest.png') });
    if (process.env.UTP_UPDATE_SCREENSHOT === '1') copyFileSync(join(results, 'relay-demo-host.png'), join(root, 'sample-game/relay-screenshot.png'));

    await c.click('#leave');
    await c.waitForSelector('#lobby:not(.hidden)');
    expect(await c.textContent('#status')).toBe('You left the game.');
    await until(a, (p) => p.players.length === 2);
    await until(b, (p) => p.players.length === 2);
    await c.close();

    // The host ends the game: B is told, and is back in the lobby.
    await a.click('#leave');
    await b.waitForSelector('#lobby:not(.hidden)', { timeout: 10_000 });
    expect(await b.textContent('#status')).toBe('The host ended the game.');
    expect(await a.textContent('#status')).toBe('You ended the game.');
    expect(chromium.errors).toEqual([]);
  }, 90_000);

  it('refuses bad signalling to the relay (counted), and a page forced onto WebRTC still hosts', async () => {
    const relay = game.relay!;
    const before = relay.relay.load.webRtc!;
    const url = `http://127.0.0.1:${relay.wsPort}/utp/rtc`;
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp' } });
    expect((await post('v=0\r\nm=application but not an offer')).status).toBe(400);
    expect((await post(`v=0\r\n${'a=padding\r\n'.repeat(3000)}`)).status).toBe(413);
    const after = relay.relay.load.webRtc!;
    expect(after.refusedBadOffer - before.refusedBadOffer).toBe(1);
    expect(after.refusedTooLarge - before.refusedTooLarge).toBe(1);

    const d = await chromium.newPage('D');
    await d.goto(`${game.url}/relay.html?carrier=webrtc`);
    await d.fill('#name', 'Dee');
    await d.click('#host');
    await d.waitForFunction(() => {
      const p = (window as unknown as { __relayDemo: { probe(): Probe | null } }).__relayDemo.probe();
      return p?.status.relay === 'Established' && p.status.carrier === 'webrtc';
    }, null, { timeout: 20_000 });
    expect(relay.relay.load.webRtc!.offersAnswered).toBe(after.offersAnswered + 1);
    await d.click('#leave');
    await d.waitForSelector('#lobby:not(.hidden)');
    expect(chromium.errors).toEqual([]);
  }, 60_000);
});
