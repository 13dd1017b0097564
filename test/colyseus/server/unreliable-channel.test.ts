// Colyseus core must not claim that UtpTransport's clients lack an unreliable channel.
import { logger } from '@colyseus/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bootUtp, until, type GameState, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;
beforeAll(async () => { boot = await bootUtp(); });
afterAll(async () => { await boot?.shutdown(); });

describe('unreliable channel', () => {
  it('no "@unreliable fields, but no … unreliable channel" warning while the first client is still joining', async () => {
    const warn = vi.spyOn(logger, 'warn');
    // 150 ms before every outbound frame: the JOIN frame, and so its acknowledgement, come late, and the room's
    // 20 Hz `.unreliable()` field changes several times while its only client is JOINING (core's warning window).
    boot.transport.simulateLatency(150);
    try {
      const room = await boot.sdk().joinOrCreate<GameState>('game');
      await until(() => typeof room.state?.fast === 'number', 'the initial state');
      const first = room.state.fast;
      await until(() => room.state.fast > first + 2, 'unreliable patches after the join');
      await room.leave();
    } finally {
      boot.transport.simulateLatency(0);
    }
    const claims = warn.mock.calls.filter((args) => String(args[0]).includes('unreliable channel'));
    warn.mockRestore();
    expect(claims).toEqual([]);
  });
});
