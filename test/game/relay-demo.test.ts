// The relay demo (sample-game/relay.html) without a browser: its world and messages, the relay `npm start` runs,
// and a host and joiners in Node talking through that relay over WebSocket, exactly as two tabs do.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayApi } from '../../sample-game/src/relay-demo/api.ts';
import { GuestSession } from '../../sample-game/src/relay-demo/guest.ts';
import { HostSession, uniqueName } from '../../sample-game/src/relay-demo/host.ts';
import type { Session, SessionEvents } from '../../sample-game/src/relay-demo/link.ts';
import {
  decodeGuestMessage, decodeHostMessage, decodePacket, encodeInput, encodeJson, encodeState, encodeTime, Packet, type HostMessage,
} from '../../sample-game/src/relay-demo/protocol.ts';
import { BOX_HEIGHT, BOX_WIDTH, DOT_RADIUS, Keys, SPEED, spawnDot, step, TICK_HZ } from '../../sample-game/src/relay-demo/world.ts';
import { endpointsFor, startDemoRelay, type DemoRelay } from '../../server/relay.ts';
import { text } from '../support/hex.ts';
import { until } from '../support/pump.ts';

describe('relay demo world', () => {
  it('moves a dot at top speed towards its keys, diagonals included, and stops it when released', () => {
    const d = spawnDot(0, 'a');
    expect([d.x, d.y]).toEqual([BOX_WIDTH / 2, BOX_HEIGHT / 2]);
    d.keys = Keys.Right;
    for (let i = 0; i < TICK_HZ; i++) step([d]);
    expect(d.vx).toBeCloseTo(SPEED, 0);
    expect(d.x - BOX_WIDTH / 2).toBeGreaterThan(SPEED * 0.8);
    expect(d.y).toBe(BOX_HEIGHT / 2);
    d.vx = 0;
    d.keys = Keys.Up | Keys.Left;
    for (let i = 0; i < TICK_HZ; i++) step([d]);
    expect(Math.hypot(d.vx, d.vy)).toBeCloseTo(SPEED, 0);
    expect(d.vx).toBeCloseTo(d.vy, 5);
    d.keys = 0;
    for (let i = 0; i < TICK_HZ; i++) step([d]);
    expect([d.vx, d.vy]).toEqual([0, 0]);
  });

  it('keeps dots inside the box and apart', () => {
    const a = spawnDot(1, 'a'), b = spawnDot(2, 'b');
    a.keys = Keys.Left | Keys.Up;
    for (let i = 0; i < 5 * TICK_HZ; i++) step([a]);
    expect([a.x, a.y, a.vx, a.vy]).toEqual([DOT_RADIUS, DOT_RADIUS, 0, 0]); // walls stop it
    a.keys = 0;
    b.x = a.x + 3; b.y = a.y;
    step([a, b]);                                            // against the wall, b gives way alone
    expect(Math.hypot(b.x - a.x, b.y - a.y)).toBeGreaterThanOrEqual(2 * DOT_RADIUS - 1e-9);
    expect([a.x, a.y]).toEqual([DOT_RADIUS, DOT_RADIUS]);
    a.x = 300; a.y = 200; b.x = 301; b.y = 200;
    step([a, b]);                                            // in the open, at once and evenly
    expect(b.x - a.x).toBeCloseTo(2 * DOT_RADIUS, 9);
    expect((a.x + b.x) / 2).toBeCloseTo(300.5, 9);
  });

  it('makes names unique: Bob, Bob 2, Bob 3', () => {
    const dots = [spawnDot(0, 'Bob'), spawnDot(1, 'Ann')];
    expect(uniqueName('Ann', dots)).toBe('Ann 2');
    dots.push(spawnDot(2, 'Bob 2'));
    expect(uniqueName('Bob', dots)).toBe('Bob 3');
    expect(uniqueName('Cy', dots)).toBe('Cy');
  });

  it('spawns up to eight players apart from each other', () => {
    const dots = Array.from({ length: 8 }, (_, i) => spawnDot(i, `p${i}`));
    for (const a of dots) for (const b of dots) if (a !== b) expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(2 * DOT_RADIUS);
    expect(new Set(dots.map((d) => d.color)).size).toBe(8);
  });
});

describe('relay demo messages', () => {
  it('round-trips positions (1/64 unit), keys and ping times', () => {
    const state = decodePacket(encodeState(70000, [{ id: 0, x: 12.3, y: 456.7 }, { id: 7, x: -5, y: 9999 }]));
    expect(state).toEqual({ type: Packet.State, tick: 70000 & 0xffff, dots: [
      { id: 0, x: Math.round(12.3 * 64) / 64, y: Math.round(456.7 * 64) / 64 }, { id: 7, x: 0, y: BOX_HEIGHT },
    ] });
    expect(decodePacket(encodeInput(Keys.Up | Keys.Right))).toEqual({ type: Packet.Input, keys: Keys.Up | Keys.Right });
    expect(decodePacket(encodeTime(Packet.Pong, 1234.5))).toEqual({ type: Packet.Pong, ms: 1234.5 });
  });

  it('rejects malformed packets and messages, and cleans what it accepts', () => {
    for (const bad of [[], [9], [Packet.Input], [Packet.Input, 1, 2], [Packet.State, 0, 0, 2, 1, 2, 3, 4, 5], [Packet.Ping, 1, 2]]) {
      expect(decodePacket(Uint8Array.from(bad)), JSON.stringify(bad)).toBeNull();
    }
    expect(decodeGuestMessage(text('{"t":"hello","name":"<b>Bob</b>\\u0000"}'))).toEqual({ t: 'hello', name: 'bBobb' });
    expect(decodeGuestMessage(text('{"t":"chat","text":"   "}'))).toBeNull();
    expect(decodeGuestMessage(text('[1]'))).toBeNull();
    expect(decodeGuestMessage(text('not json'))).toBeNull();
    expect(decodeHostMessage(text('{"t":"leave","id":300}'))).toBeNull();
    expect(decodeHostMessage(text('{"t":"welcome","you":1,"players":[{"id":1,"name":"x"}]}'))).toBeNull();
    const welcome: HostMessage = { t: 'welcome', you: 1, players: [{ id: 0, name: 'Ada', color: 0xff5d5d }, { id: 1, name: 'Bob', color: 0xff9f43 }] };
    expect(decodeHostMessage(encodeJson(welcome))).toEqual(welcome);
    expect(decodeHostMessage(encodeJson({ t: 'chat', id: 2, text: ' hi   there\u0007' }))).toEqual({ t: 'chat', id: 2, text: 'hi there' });
  });
});

describe('relay demo sessions through the relay of `npm start` (Node, WebSocket)', () => {
  let relay: DemoRelay;
  let http: Server;
  let api: RelayApi;
  const sessions: Session[] = [];

  beforeAll(async () => {
    relay = await startDemoRelay({ port: 0, host: '127.0.0.1' });
    http = createServer((req, res) => { if (!relay.handle(req, res)) res.writeHead(404).end(); });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    api = new RelayApi(`http://127.0.0.1:${(http.address() as { port: number }).port}/relay/v1`);
  });
  afterAll(() => {
    for (const s of sessions) s.leave();
    relay?.close();
    http?.close();
  });

  /** A session's log and end. */
  function recorder(): SessionEvents & { lines: string[]; end: string } {
    const r = {
      lines: [] as string[], end: '',
      log(text: string, from?: { name: string }) { r.lines.push(from ? `${from.name}: ${text}` : text); },
      ended(reason: string) { r.end = reason; },
    };
    return r;
  }

  it('puts the request\'s host name in WebSocket endpoints, and in UDP ones only when numeric', () => {
    const byType = (host: string | undefined) =>
      Object.fromEntries(endpointsFor(relay.relay, host).map((e) => [e.connectionType, `${e.host}:${e.port}`]));
    expect(byType(undefined)).toEqual({ udp: `127.0.0.1:${relay.udpPort}`, ws: `127.0.0.1:${relay.wsPort}` });
    expect(byType('localhost')).toEqual({ udp: `127.0.0.1:${relay.udpPort}`, ws: `localhost:${relay.wsPort}` });
    expect(byType('192.168.1.20')).toEqual({ udp: `192.168.1.20:${relay.udpPort}`, ws: `192.168.1.20:${relay.wsPort}` });
  });

  it('a host and two joiners: welcome, positions both ways, keys, chat, RTT, leaving, and the host ending the game', async () => {
    const hostLog = recorder();
    const host = await HostSession.start(api, 'Hosty', hostLog);
    sessions.push(host);
    expect(host.code).toMatch(/^[A-Z0-9]{6}$/);
    await until(() => host.status().relay === 'Established', 'the host to bind to the relay');

    const guestLog = recorder();
    const guest = await GuestSession.start(api, host.code.toLowerCase(), 'Guesty', guestLog);
    sessions.push(guest);
    await until(() => guest.myId === 1 && host.players().length === 2, 'the welcome');
    await until(() => guest.players().every((p) => Number.isFinite(p.x)), 'positions on the joiner');
    expect(guest.status()).toMatchObject({ relay: 'Established', connection: 'Connected', players: 2, maxPlayers: 8 });
    expect(host.status()).toMatchObject({ relay: 'Established', connection: 'Listening', players: 2 });
    expect(guest.players().map((p) => [p.id, p.name, p.own])).toEqual([[0, 'Hosty', false], [1, 'Guesty', true]]);
    expect(hostLog.lines).toContain('Guesty joined through the relay');

    // The joiner's keys move its dot in the host's simulation; the joiner sees where the host put it.
    const x0 = host.players()[1].x;
    guest.setKeys(Keys.Left);
    await until(() => host.players()[1].x < x0 - 60, 'the joiner to move on the host');
    guest.setKeys(0);
    host.setKeys(Keys.Down);
    await until(() => guest.players()[0].y > BOX_HEIGHT / 2 + 60, 'the host to move on the joiner');
    host.setKeys(0);
    await until(() => {
      const [h, g] = [host.players(), guest.players()];
      return h.every((p, i) => Math.abs(p.x - g[i].x) < 0.01 && Math.abs(p.y - g[i].y) < 0.01); // 1/64-unit fixed point
    }, 'both views to agree');

    guest.say('hello host');
    host.say('hello guest');
    await until(() => hostLog.lines.includes('Guesty: hello host') && guestLog.lines.includes('Hosty: hello guest'), 'chat both ways');
    await until(() => guest.status().rtt !== null && host.status().rtt !== null, 'round-trip times');
    expect(guest.status().rtt).toBeGreaterThan(0);

    const second = await GuestSession.start(api, host.code, 'Guesty', recorder());
    sessions.push(second);
    await until(() => guest.players().length === 3 && second.myId === 2, 'the second joiner');
    expect(guestLog.lines).toContain('Guesty 2 joined');
    second.leave();
    await until(() => host.players().length === 2 && guest.players().length === 2, 'the second joiner to leave');
    expect(hostLog.lines).toContain('Guesty 2 left');

    await expect(GuestSession.start(api, 'ZZZZZZ', 'Lost', recorder())).rejects.toThrow(/No game with that code/);

    host.leave();
    expect(hostLog.end).toBe('You ended the game.');
    await until(() => guestLog.end !== '', 'the joiner to hear the host left');
    expect(guestLog.end).toBe('The host ended the game.');
    expect(guest.status().connection).toBe('Disconnected');
  }, 30_000);
});
