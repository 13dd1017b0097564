// Node 20 has no global WebSocket, and Colyseus core reads `WebSocket.OPEN` on every reconnection (notes §7):
// here the global is removed before the server starts, as on Node 20, and a reconnection must still succeed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { bootUtp, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

const g = globalThis as { WebSocket?: unknown };
const saved = g.WebSocket;
let boot: UtpTestServer;

beforeAll(async () => {
  delete g.WebSocket;
  boot = await bootUtp();
});
afterAll(async () => {
  await boot.shutdown();
  g.WebSocket = saved;
});

describe('Node 20 conditions (no global WebSocket)', () => {
  it('installs a WebSocket global for Colyseus core, so a dropped UDP client reconnects with the same sessionId', async () => {
    expect(g.WebSocket).toBeDefined(); // put there by UtpTransport.listen()
    expect((g.WebSocket as { OPEN: number }).OPEN).toBe(1);
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.sdk({ carrier: 'udp' }).joinById(room.roomId);
    await client.waitForInitialState();
    client.reconnection.minUptime = 0;
    client.reconnection.minDelay = 50;
    client.reconnection.delay = 50;
    const sessionId = client.sessionId;
    let reconnected = false;
    client.onReconnect(() => { reconnected = true; });
    client.connection.close(CloseCodes.MAY_TRY_RECONNECT);
    await until(() => reconnected, 'reconnection');
    expect(client.sessionId).toBe(sessionId);
    room.state.counter = 3;
    await until(() => client.state.counter === 3, 'state after reconnection');
    await client.leave();
  });
});
