// Several processes sharing matchmaking through a real Redis (redis-server started here): seats lead to the process
// hosting the room on UDP and on the WebSocket tunnel, state and both channels work there, reconnection goes back
// to the right process, and a killed process takes only its own rooms down.
import type { Room as SDKRoom } from '@colyseus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes, UtpSDK } from '../../../plugin/colyseus/index.ts';
import { RedisServer, requireRedis } from '../../support/redis.ts';
import { clusterClient as fast, startNode, type ClusterNode as Node } from '../cluster-nodes.ts';
import { nextMessage, until } from '../helpers.ts';

interface Player { room: SDKRoom<any>; via: Node; carrier: 'udp' | 'websocket' }

if (requireRedis('the multi-process Colyseus tests')) {
  describe('two processes sharing Redis', () => {
    let redis: RedisServer;
    let a: Node;
    let b: Node;
    const players: Player[] = [];

    beforeAll(async () => {
      redis = await RedisServer.start();
      [a, b] = await Promise.all([startNode(redis), startNode(redis)]);
    }, 180_000);

    afterAll(async () => {
      const settle = new Promise((resolve) => setTimeout(resolve, 2000));
      await Promise.race([Promise.all(players.map((p) => p.room.leave().catch(() => {}))), settle]);
      for (const n of [a, b]) n?.process.child.kill('SIGKILL');
      await redis?.stop();
    }, 20_000);

    const hostOf = (p: Player): string => p.room.state.processId;

    it('24 clients matchmaking through either process join rooms on both, over UDP and WebSocket', async () => {
      for (let i = 0; i < 24; i++) {
        // Sequential joins: rooms of 4 fill one after the other; through A and B in turn, so seats often lead
        // to the other process, and new rooms alternate between the processes (fewest rooms first).
        const via = i % 2 ? b : a;
        const carrier = i % 3 === 2 ? 'websocket' : 'udp';
        const room = await new UtpSDK(via.endpoint, { utp: fast(carrier) }).joinOrCreate('cluster');
        // The SDK only reconnects rooms joined at least 5 s ago by default.
        room.reconnection.minUptime = 0;
        room.reconnection.minDelay = room.reconnection.delay = 50;
        players.push({ room, via, carrier });
      }
      await until(() => players.every((p) => p.room.state?.processId), 'every initial state');
      const hosts = new Set(players.map(hostOf));
      expect(hosts).toEqual(new Set([a.processId, b.processId]));
      // Seats handed out by one process for rooms of the other: the client went straight to the host.
      expect(players.filter((p) => hostOf(p) !== p.via.processId).length).toBeGreaterThan(0);
      for (const carrier of ['udp', 'websocket'] as const) {
        expect(new Set(players.filter((p) => p.carrier === carrier).map(hostOf))).toEqual(hosts);
      }
    });

    it('syncs state and carries both channels both ways in every room', async () => {
      for (const p of players) p.room.send('count', 1);
      const size = (p: Player): number => players.filter((q) => q.room.roomId === p.room.roomId).length;
      await until(() => players.every((p) => p.room.state.counter === size(p) && p.room.state.players.size === size(p)), 'every room to count its clients');
      await Promise.all(players.map(async (p) => {
        const echo = nextMessage(p.room, 'echo-unreliable');
        const timer = setInterval(() => p.room.sendUnreliable('echo-unreliable', p.room.sessionId), 50);
        try {
          expect(await echo).toBe(p.room.sessionId);
        } finally {
          clearInterval(timer);
        }
      }));
      const before = players.map((p) => p.room.state.fast);
      await until(() => players.every((p, i) => p.room.state.fast > before[i] + 2), 'unreliable state patches in every room');
    });

    it('reconnects to the hosting process: automatically, and with reconnect(token) through the other process', async () => {
      // Automatic: the SDK retries the same seat URL, i.e. the process that hosts the room.
      for (const host of [a, b]) {
        const p = players.find((q) => hostOf(q) === host.processId)!;
        const sessionId = p.room.sessionId;
        const reconnected = new Promise<void>((resolve) => p.room.onReconnect(() => resolve()));
        p.room.connection.close(CloseCodes.MAY_TRY_RECONNECT);
        await reconnected;
        expect([p.room.sessionId, hostOf(p)]).toEqual([sessionId, host.processId]);
      }
      // Explicit: matchmaking on the process that does not host the room hands out a seat leading to the host.
      const p = players.find((q) => hostOf(q) === b.processId && q.carrier === 'udp')!;
      p.room.reconnection.enabled = false;
      const token = p.room.reconnectionToken;
      const left = new Promise<number>((resolve) => p.room.onLeave((code) => resolve(code)));
      p.room.connection.close(CloseCodes.MAY_TRY_RECONNECT);
      expect(await left).toBe(CloseCodes.MAY_TRY_RECONNECT);
      const again = await new UtpSDK(a.endpoint, { utp: fast('udp') }).reconnect(token);
      await until(() => !!again.state?.processId, 'the state after reconnect(token)');
      expect([again.sessionId, again.state.processId]).toEqual([p.room.sessionId, b.processId]);
      p.room = again;
    });

    it('a killed process drops only its own clients; the other plays on and takes the new rooms', async () => {
      const onB = players.filter((p) => hostOf(p) === b.processId);
      const onA = players.filter((p) => hostOf(p) === a.processId);
      const drops = onB.map((p) => new Promise<number>((resolve) => p.room.onDrop((code) => resolve(code))));
      b.process.child.kill('SIGKILL');
      expect(new Set(await Promise.all(drops))).toEqual(new Set([CloseCodes.ABNORMAL_CLOSURE]));
      for (const p of onA) p.room.send('count', 10);
      await until(() => onA.every((p) => p.room.state.counter >= 10), 'rooms on the live process to keep playing');
      const fresh = await new UtpSDK(a.endpoint, { utp: fast('udp') }).create('cluster');
      players.push({ room: fresh, via: a, carrier: 'udp' });
      await until(() => !!fresh.state?.processId, 'the new room\'s state');
      expect(fresh.state.processId).toBe(a.processId);
    }, 60_000);
  });
}
