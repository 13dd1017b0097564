// `npm run start:cluster`: the sample game from two processes sharing a real Redis; bots matchmaking through either
// process play in rooms on both. The spawned launcher is server/cluster.ts itself (--no-build: the test needs no page).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UtpRoom } from '../../plugin/colyseus/index.ts';
import { Bot } from '../../server/bot.ts';
import { findFreePort } from '../../server/start-options.ts';
import { UtpProcess } from '../cli/spawn.ts';
import { RedisServer, requireRedis } from '../support/redis.ts';

const CLUSTER = fileURLToPath(new URL('../../server/cluster.ts', import.meta.url));

if (requireRedis('npm run start:cluster')) {
  describe('npm run start:cluster', () => {
    let redis: RedisServer;
    let cluster: UtpProcess;
    let base = 0;
    const bots: Bot[] = [];

    beforeAll(async () => {
      redis = await RedisServer.start();
      base = (await findFreePort('127.0.0.1', 20000 + Math.floor(Math.random() * 20000), [1, 2, 3]))!;
      cluster = new UtpProcess(['--no-build', '--port', String(base), '--redis', redis.url], CLUSTER);
      await cluster.waitFor(/^utp-ts arena cluster: 2 processes/, 60_000);
    }, 90_000);

    afterAll(async () => {
      // The bots' server is gone by now (the last test stops it): their connections close on their own.
      const settle = new Promise((resolve) => setTimeout(resolve, 3000));
      await Promise.race([Promise.all(bots.map((b) => b.leave().catch(() => 0))), settle]);
      cluster?.child.kill('SIGKILL');
      await cluster?.exited;
      await redis?.stop();
    }, 60_000);

    it('serves the game from both processes: bots through either one play in rooms on both', async () => {
      expect(cluster.stdout.filter((l) => / seats for its rooms lead to localhost:\d+$/.test(l))).toHaveLength(2);
      // 20 bots: more than one 16-seat room, so the second room opens on the other process (fewest rooms first).
      for (let i = 0; i < 20; i++) {
        const bot = new Bot(`http://127.0.0.1:${base + 2 * (i % 2)}`, { name: `bot-${i}` });
        await bot.join();
        bots.push(bot);
      }
      const hostPort = (b: Bot): number => Number(new URL((b.room as UtpRoom).utpTransport!.url).port);
      expect(new Set(bots.map(hostPort))).toEqual(new Set([base, base + 2]));
      const deadline = Date.now() + 15_000;
      while (!bots.every((b) => b.stats.unreliableIn > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(bots.filter((b) => b.stats.unreliableIn === 0).map((b) => b.name)).toEqual([]);
    }, 60_000);

    it('stops every process and the redis-server it did not start stays up', async () => {
      cluster.child.kill('SIGTERM');
      expect((await cluster.exited).code).toBe(0);
      await expect(import('../../plugin/colyseus/server/index.ts').then((m) => m.pingRedis(redis.url, 1000))).resolves.toBeUndefined();
    });
  });
}
