// Bad input and faults of a multi-process set-up: Redis missing at start, Redis restarted under running rooms, a
// seat presented to the wrong process, and publicAddress forms UDP cannot follow.
import { LocalPresence, Room, Server } from '@colyseus/core';
import { RedisPresence } from '@colyseus/redis-presence';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes, UtpSDK } from '../../../plugin/colyseus/index.ts';
import { UtpTransport, clusterOptions } from '../../../plugin/colyseus/server/index.ts';
import { UtpProcess } from '../../cli/spawn.ts';
import { freePort } from '../../../plugin/colyseus/testing/index.ts';
import { RedisServer, requireRedis } from '../../support/redis.ts';
import { until } from '../helpers.ts';
import { CLUSTER_NODE, clusterClient, startNode } from '../cluster-nodes.ts';

class Empty extends Room {}

/** listen() of a Server with these options; resolves to the error it fails with (or null), then shuts it down. */
async function listenError(options: ConstructorParameters<typeof Server>[0]): Promise<Error | null> {
  const server = new Server({ ...options, transport: new UtpTransport(), greet: false, gracefullyShutdown: false });
  server.define('empty', Empty);
  const error = await server.listen(0, '127.0.0.1').then(() => null, (e: Error) => e);
  await server.gracefullyShutdown(false);
  return error;
}

describe('publicAddress forms UDP cannot follow are refused by listen()', () => {
  it.each([
    ['game.example.com', /has no port/],
    ['game.example.com/2567', /has a path/],
    ['http://game.example.com:2567', /has a scheme/],
  ])('%s', async (publicAddress, message) => {
    const error = await listenError({ publicAddress, presence: new LocalPresence() });
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain("publicAddress: 'game.example.com:2568'");
  });

  it('accepts host:port and [v6]:port', async () => {
    expect(await listenError({ publicAddress: '127.0.0.1:2600', presence: new LocalPresence() })).toBeNull();
    expect(await listenError({ publicAddress: '[::1]:2600', presence: new LocalPresence() })).toBeNull();
  });
});

describe('Redis unavailable at start', () => {
  it('clusterOptions fails at once, naming the address, instead of Colyseus waiting forever', async () => {
    const port = await freePort(); // nothing listens there
    await expect(clusterOptions({ redis: `redis://127.0.0.1:${port}`, publicAddress: '127.0.0.1:2567' }))
      .rejects.toThrow(`Redis at 127.0.0.1:${port} is not reachable (ECONNREFUSED)`);
    await expect(clusterOptions({ redis: 'localhost:6379', publicAddress: '127.0.0.1:2567' })).rejects.toThrow(/not a Redis URL/);
  });

  it('a game process exits with that message', async () => {
    const port = await freePort();
    const node = new UtpProcess([`redis://127.0.0.1:${port}`, String(await freePort())], CLUSTER_NODE);
    const exit = await node.exited;
    expect(exit.code).not.toBe(0);
    expect(node.stderr.join('\n')).toContain(`Redis at 127.0.0.1:${port} is not reachable`);
  });
});

if (requireRedis('the Redis fault tests')) {
  describe('with a real Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => { redis = await RedisServer.start(); });
    afterAll(async () => { await redis?.stop(); });

    it('a shared presence without publicAddress is refused by listen()', async () => {
      const presence = new RedisPresence(redis.url);
      const error = await listenError({ presence });
      expect(error?.message).toMatch(/shares its presence \(RedisPresence\).*publicAddress/);
    });

    it('a seat presented to another process is refused with 522 and a message naming both processes', async () => {
      const [a, b] = await Promise.all([startNode(redis), startNode(redis)]);
      try {
        const seat = await (await fetch(`${b.endpoint}/matchmake/create/cluster`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).json();
        const host = seat.processId === a.processId ? a : b;
        const other = host === a ? b : a;
        const wrong = { ...seat, publicAddress: `127.0.0.1:${other.port}` };
        const error = await new UtpSDK(other.endpoint).consumeSeatReservation(wrong).then(() => null, (e: Error & { code?: number }) => e);
        expect(error).toMatchObject({ code: 522 });
        expect(error?.message).toContain(`this seat is for process ${host.processId}, but it reached process ${other.processId}`);
      } finally {
        for (const n of [a, b]) n.process.child.kill('SIGKILL');
      }
    }, 180_000);

    it('Redis restarted under running rooms: they play on, a join waits for Redis, matchmaking resumes', async () => {
      const [a, b] = await Promise.all([startNode(redis), startNode(redis)]);
      const rooms: Array<import('@colyseus/sdk').Room<any>> = [];
      try {
        for (let i = 0; i < 8; i++) {
          const room = await new UtpSDK((i % 2 ? b : a).endpoint, { utp: clusterClient('udp') }).joinOrCreate<any>('cluster');
          room.reconnection.minUptime = 0;
          room.reconnection.minDelay = room.reconnection.delay = 50;
          rooms.push(room);
        }
        await until(() => rooms.every((r) => r.state?.processId), 'every initial state');
        expect(new Set(rooms.map((r) => r.state.processId))).toEqual(new Set([a.processId, b.processId]));

        await redis.stop();
        // Rooms talk to their clients straight over UTP: nothing of that goes through Redis.
        for (const r of rooms) r.send('count', 1);
        await until(() => rooms.every((r) => r.state.counter >= 1), 'state updates during the outage');
        // Matchmaking needs Redis: the request waits (ioredis queues its commands) instead of failing.
        let joined: import('@colyseus/sdk').Room<any> | null = null;
        const pending = new UtpSDK(a.endpoint, { utp: clusterClient('udp') }).joinOrCreate<any>('cluster').then((r) => { joined = r; });
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(joined).toBeNull();

        // Same port, empty (no persistence): the pending join completes, matchmaking works through both processes.
        await redis.start();
        await pending;
        rooms.push(joined!);
        for (const via of [a, b]) {
          const room = await new UtpSDK(via.endpoint, { utp: clusterClient('udp') }).joinOrCreate<any>('cluster');
          rooms.push(room);
          await until(() => !!room.state?.processId, 'a join after the restart');
        }
        // Reconnection goes straight to the hosting process, which still has the room.
        const old = rooms[0];
        const reconnected = new Promise<void>((resolve) => old.onReconnect(() => resolve()));
        old.connection.close(CloseCodes.MAY_TRY_RECONNECT);
        await reconnected;
        for (const r of rooms) r.send('count', 1);
        await until(() => rooms.every((r) => r.state.counter >= 1) && rooms.slice(0, 8).every((r) => r.state.counter >= 2), 'play after the restart');
      } finally {
        for (const n of [a, b]) n.process.child.kill('SIGKILL');
      }
    }, 180_000);
  });
}
