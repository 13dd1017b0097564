// Twenty clients in one room, and state convergence under 10 % simulated packet loss each way.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Room as SDKRoom } from '@colyseus/sdk';
import { NetworkSettings } from '../../../plugin/transport/index.ts';
import { bootUtp, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;

beforeAll(async () => { boot = await bootUtp(); });
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

/** Every client sees every player with the server's x, and the server's counter. */
function converged(room: GameRoom, clients: SDKRoom[]): boolean {
  for (const c of clients) {
    if (c.state.counter !== room.state.counter || c.state.players.size !== room.state.players.size) return false;
    for (const [id, p] of room.state.players) if (c.state.players.get(id)?.x !== p.x) return false;
  }
  return true;
}

describe('many clients', () => {
  it('twenty clients in one room, on UDP and WebSocket, converge on the same state', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const clients: SDKRoom[] = [];
    for (let i = 0; i < 20; i++) {
      const sdk = boot.sdk({ carrier: i % 4 === 3 ? 'websocket' : 'udp' });
      clients.push(await sdk.joinById(room.roomId, { name: `p${i}` }));
    }
    expect(room.clients.length).toBe(20);
    clients.forEach((c, i) => { c.send('move', i * 10); c.send('count', 1); });
    await until(() => room.state.counter === 20 && converged(room, clients), 'twenty clients to converge');
    expect([...room.state.players.values()].map((p) => p.name).sort()).toEqual(clients.map((_, i) => `p${i}`).sort());
    await Promise.all(clients.map((c) => c.leave()));
    await until(() => room.clients.length === 0, 'everyone to leave');
  });

  it('converges under 10 % packet loss each way (client-side network simulator)', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const clients: SDKRoom[] = [];
    for (let i = 0; i < 5; i++) {
      const settings = new NetworkSettings()
        .withNetworkConfigParameters({ connectTimeoutMS: 250, maxConnectAttempts: 60 })
        .withNetworkSimulatorParameters({ sendPacketLossPercent: 10, receivePacketLossPercent: 10, randomSeed: 1000 + i });
      clients.push(await boot.sdk({ settings }).joinById(room.roomId, { name: `lossy${i}` }));
    }
    // 40 reliable messages per client, and moves: every one must arrive exactly once and every client converge.
    for (let k = 0; k < 40; k++) {
      clients.forEach((c, i) => { c.send('count', 1); c.send('move', i * 100 + k); });
      await new Promise((r) => setTimeout(r, 10));
    }
    // Each client's last 'move' follows its last 'count' on the same reliable stream: wait for the moves too.
    const finalMoves = () => clients.every((c, i) => room.state.players.get(c.sessionId)?.x === i * 100 + 39);
    await until(() => room.state.counter === 200 && finalMoves() && converged(room, clients), 'convergence under loss', 30_000);
    for (const [i, c] of clients.entries()) expect(room.state.players.get(c.sessionId)?.x).toBe(i * 100 + 39);
    // A 64 KB patch (about 48 fragments in the reliable window) under the same loss.
    clients[0].send('blob', 64 * 1024);
    await until(() => clients.every((c) => c.state.blob.length === 64 * 1024), 'a 64 KB patch under loss', 30_000);
    // The loss was real: the driver dropped datagrams and the reliable pipeline resent.
    const stats = clients.map((c) => (c as unknown as { utpTransport: { driver: { getStatistics(): { dropped: { simulated: number } } } } })
      .utpTransport.driver.getStatistics().dropped.simulated);
    expect(stats.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await Promise.all(clients.map((c) => c.leave()));
  }, 60_000);
});
