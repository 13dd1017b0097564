// The game server in-process and Node bots over UDP: eight bots play a few seconds of short rounds — everyone sees
// everyone, scores move, both channels carry traffic, nobody errs, everyone leaves cleanly. Then a dropped player
// reconnects and keeps its score.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchMaker } from '@colyseus/core';
import { CloseCodes } from '../../plugin/colyseus/index.ts';
import { Bot } from '../../server/bot.ts';
import { summarize } from '../../server/bot-report.ts';
import { startGameServer, type GameServer } from '../../server/game-server.ts';
import type { ArenaRoom } from '../../server/arena-room.ts';
import { sleep, until } from '../support/pump.ts';

let game: GameServer;
beforeAll(async () => {
  game = await startGameServer({
    port: 0, host: '127.0.0.1', staticDir: null,
    config: { roundSeconds: 2.5, intermissionSeconds: 0.5, reconnectSeconds: 10 },
  });
});
afterAll(async () => { await game?.shutdown(); });

describe('headless bots over UDP', () => {
  it('eight bots play: all see each other, scores change, rounds end, no errors, clean leave', async () => {
    const bots = Array.from({ length: 8 }, (_, i) => new Bot(game.url, { name: `bot-${i + 1}`, color: i, chat: i === 0 }));
    const boards: unknown[] = [];
    await bots[0].join();
    bots[0].room!.onMessage('round', (e: { phase: string; board: unknown[] }) => { if (e.phase === 'intermission') boards.push(e.board); });
    for (const bot of bots.slice(1)) await bot.join();
    const roomId = bots[0].room!.roomId;
    expect(new Set(bots.map((b) => b.room!.roomId))).toEqual(new Set([roomId]));
    expect(roomId).toMatch(/^[A-Z]{4}$/);

    const best = new Map<Bot, number>();
    const rounds = new Set<number>();
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      for (const b of bots) best.set(b, Math.max(best.get(b) ?? 0, b.score));
      rounds.add(bots[0].room!.state.round);
      await sleep(50);
    }

    for (const b of bots) {
      expect(b.room!.state.players.size).toBe(8);
      expect(b.seenSlots.size).toBe(7);            // every other player's body arrived in snapshots
      expect(b.stats.unreliableIn).toBeGreaterThan(30);
      expect(b.stats.unreliableOut).toBeGreaterThan(30);
      expect(b.stats.reliableIn).toBeGreaterThan(0);
    }
    expect([...best.values()].some((s) => s > 0)).toBe(true);
    expect(boards.length).toBeGreaterThanOrEqual(1);  // a round ended with a scoreboard
    expect(rounds.size).toBeGreaterThanOrEqual(2);
    const totals = summarize(bots);
    expect(totals.errors).toEqual([]);
    expect(totals.rtts.length).toBeGreaterThan(0);

    // The server's view: inputs arrived in order with nothing skipped on loopback.
    const room = matchMaker.getLocalRoomById(roomId) as ArenaRoom;
    for (const p of room.world.players.values()) {
      expect(p.inputs.ack).toBeGreaterThan(30);
      expect(p.inputs.stats.skipped).toBe(0);
    }

    const codes = await Promise.all(bots.map((b) => b.leave()));
    expect(codes).toEqual(bots.map(() => CloseCodes.CONSENTED));
    await until(() => !matchMaker.getLocalRoomById(roomId), 'the empty room to be disposed');
  }, 30_000);

  it('a dropped player reconnects to the same seat with its score', async () => {
    const game2 = await startGameServer({ port: 0, host: '127.0.0.1', staticDir: null, config: { roundSeconds: 60, reconnectSeconds: 10 } });
    const a = new Bot(game2.url, { name: 'alice', createPrivate: true });
    try {
      await a.join();
      const code = a.room!.roomId;
      const b = new Bot(game2.url, { name: 'bob', code });
      await b.join();
      await until(() => a.score > 0, 'alice to score');
      const room = a.room!;
      room.reconnection.minDelay = 50;
      room.reconnection.delay = 50;
      const sessionId = room.sessionId;
      const slot = a.slot;
      const dropped = new Promise<void>((r) => room.onDrop(() => r()));
      const reconnected = new Promise<void>((r) => room.onReconnect(() => r()));
      const scoreBefore = a.score;
      room.connection.close(CloseCodes.MAY_TRY_RECONNECT);
      await dropped;
      await reconnected;
      expect(room.sessionId).toBe(sessionId);
      await until(() => room.state.players.get(sessionId)?.connected === true, 'connected again');
      expect(a.score).toBeGreaterThanOrEqual(scoreBefore);
      expect(a.slot).toBe(slot);
      // Inputs keep flowing on the new connection: the server keeps acknowledging new ones.
      const ack = a.predictor.ack;
      await until(() => a.predictor.ack > ack + 10, 'inputs after the reconnection');
      expect(a.stats.reconnects).toBe(1);
      expect(summarize([a, b]).errors).toEqual([]);
      await b.leave();
    } finally {
      await a.leave();
      await game2.shutdown();
    }
  }, 30_000);
});
