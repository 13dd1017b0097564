// `npm start` / `npm run dev` options and start-up: this computer only by default, the relay's port follows the
// game's, the relay's allocation API answers local requests only unless told otherwise, and a second start prints
// one line whose hint, followed, works. Real sockets on 127.0.0.1; the spawned servers are server/main.ts itself.
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGameServer, type GameServer } from '../../server/game-server.ts';
import { isLoopbackAddress } from '../../server/relay.ts';
import { findFreePort, parseStartOptions, StartUsageError } from '../../server/start-options.ts';
import { killAll, UtpProcess } from '../cli/spawn.ts';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
const DEV = fileURLToPath(new URL('../../server/dev.ts', import.meta.url));

describe('start options', () => {
  it('default to this computer, port 2567 and the relay two ports up', () => {
    expect(parseStartOptions([], {})).toEqual({
      port: 2567, host: undefined, roundSeconds: undefined, relayPort: 2569, relayPortGiven: false, publicRelayApi: false,
    });
  });

  it('move the relay with the game, unless --relay-port or --no-relay says otherwise', () => {
    expect(parseStartOptions(['--port', '2568'], {})!.relayPort).toBe(2570);
    expect(parseStartOptions([], { PORT: '3000' })!.relayPort).toBe(3002);
    expect(parseStartOptions(['--port', '0'], {})!.relayPort).toBe(0);
    expect(parseStartOptions(['--port', '2568', '--relay-port', '4000'], {})).toMatchObject({ relayPort: 4000, relayPortGiven: true });
    expect(parseStartOptions(['--no-relay'], {})!.relayPort).toBeNull();
    expect(parseStartOptions(['--host', '0.0.0.0', '--public-relay-api', '--round', '60'], {}))
      .toMatchObject({ host: '0.0.0.0', publicRelayApi: true, roundSeconds: 60 });
    expect(parseStartOptions(['--help'], {})).toBeNull();
  });

  it('refuse what cannot work, saying what to give', () => {
    for (const [args, message] of [
      [['--port', 'x'], /--port takes a port number/],
      [['--port', '65535'], /no room for the relay/],
      [['--port', '3000', '--relay-port', '3000'], /must differ/],
      [['--round', '1'], /--round takes whole seconds/],
      [['--bogus'], /bogus/],
    ] as const) {
      expect(() => parseStartOptions([...args], {}), args.join(' ')).toThrow(StartUsageError);
      expect(() => parseStartOptions([...args], {})).toThrow(message);
    }
  });

  it('tell loopback addresses from others', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['192.168.1.9', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined]) expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});

describe('game server start-up', () => {
  let game: GameServer | null = null;
  const servers: Server[] = [];
  afterEach(async () => {
    await game?.shutdown();
    game = null;
    for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
    await killAll();
  });

  it('listens on 127.0.0.1 by default: HTTP, UDP, the WebSocket tunnel and the relay', async () => {
    game = await startGameServer({ port: 0, staticDir: null, relay: { port: 0 } });
    expect(game.url).toBe(`http://localhost:${game.port}`);
    expect(game.transport.server.address()).toMatchObject({ address: '127.0.0.1', port: game.port });
    const multi = game.transport.driver!;
    for (let id = 1; id <= multi.driverCount; id++) expect(multi.getDriver(id).localEndpoint().address).toBe('127.0.0.1');
    expect(game.relay!.relay.serverEndpoints().map((e) => e.host)).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it("answers the relay's allocation API for this computer only, unless publicApi", async () => {
    const allocate = (g: GameServer, forwardedFor?: string) => fetch(`${g.url}/relay/v1/allocate`, {
      method: 'POST', body: JSON.stringify({ maxConnections: 2 }),
      headers: { 'Content-Type': 'application/json', ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}) },
    });
    game = await startGameServer({ port: 0, staticDir: null, relay: { port: 0 } });
    expect((await allocate(game)).status).toBe(201);
    // A LAN visitor through a proxy on this computer (Vite's dev server adds the hop it saw last).
    const refused = await allocate(game, '192.168.1.9');
    expect(refused.status).toBe(403);
    expect((await refused.json() as { detail: string }).detail).toMatch(/--public-relay-api/);
    // A visitor cannot claim to be local: only the last hop counts.
    expect((await allocate(game, '127.0.0.1, 192.168.1.9')).status).toBe(403);
    expect((await allocate(game, '192.168.1.9, 127.0.0.1')).status).toBe(201);
    await game.shutdown();

    game = await startGameServer({ port: 0, staticDir: null, relay: { port: 0, publicApi: true } });
    expect((await allocate(game, '192.168.1.9')).status).toBe(201);
  });

  it('a second start prints one line, and its hint (a free port for the game and its relay) works', async () => {
    game = await startGameServer({ port: 0, host: '127.0.0.1', staticDir: null, relay: { port: 0 } });
    const second = new UtpProcess(['--port', String(game.port)], MAIN);
    expect((await second.exited).code).toBe(1);
    expect(second.stdout).toEqual([]);
    expect(second.stderr).toHaveLength(1);
    const hint = /^utp-ts arena: port (\d+) is in use \(is another server running\?\); try npm start -- --port (\d+)$/.exec(second.stderr[0]);
    expect(hint, second.stderr[0]).not.toBeNull();
    expect(Number(hint![1])).toBe(game.port);

    const third = new UtpProcess(['--port', hint![2]], MAIN);
    const open = await third.waitFor(/^utp-ts arena: open http:\/\/localhost:(\d+) /, 30_000);
    expect(open[1]).toBe(hint![2]);
    await third.waitFor(new RegExp(`relay on UDP and WebSocket port ${Number(hint![2]) + 2}[,)]`));
    third.kill('SIGTERM');
    expect(await third.exited, [...third.stdout, ...third.stderr].join('\n')).toEqual({ code: 0, signal: null });
  }, 90_000);

  it("a relay port in use: one line naming it, with a hint that works (npm run dev says the same)", async () => {
    // Some port R in use, with R - 2 free: `--port R-2` puts the relay on R.
    let taken: Server | null = null;
    let r = 0;
    for (let i = 0; i < 20 && !taken; i++) {
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      r = (s.address() as { port: number }).port;
      if (r > 1026 && await findFreePort('127.0.0.1', r - 2) === r - 2) taken = s;
      else await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    expect(taken).not.toBeNull();
    servers.push(taken!);

    const derived = new UtpProcess(['--port', String(r - 2)], MAIN);
    expect((await derived.exited).code).toBe(1);
    expect(derived.stderr).toHaveLength(1);
    expect(derived.stderr[0]).toMatch(new RegExp(`^utp-ts arena: the relay demo's port ${r} \\(--port \\+ 2\\) is in use .*; try npm start -- --port \\d+, or --no-relay$`));

    const dev = new UtpProcess(['--port', '0', '--relay-port', String(r)], DEV);
    expect((await dev.exited).code).toBe(1);
    expect(dev.stderr).toHaveLength(1);
    const hint = new RegExp(`^utp-ts arena: the relay demo's port ${r} is in use; try npm run dev -- --relay-port (\\d+), or --no-relay$`).exec(dev.stderr[0]);
    expect(hint, dev.stderr[0]).not.toBeNull();

    const followed = new UtpProcess(['--port', '0', '--relay-port', hint![1]], MAIN);
    await followed.waitFor(new RegExp(`relay on UDP and WebSocket port ${hint![1]}[,)]`), 30_000);
    followed.kill('SIGTERM');
    expect((await followed.exited).code).toBe(0);
  }, 90_000);
});
