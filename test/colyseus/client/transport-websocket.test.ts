// The browser path, run in Node: UtpSDK forced onto the WebSocket tunnel (/utp on the matchmaking HTTP server).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { bootUtp, checksum, logs, nextMessage, pattern, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;

beforeAll(async () => { boot = await bootUtp(); });
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

describe('UtpSDK over the WebSocket tunnel', () => {
  it('joins, syncs both channels, carries 64 KB each way and leaves with 4000', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const sdk = boot.sdk({ carrier: 'websocket' });
    sdk.auth.token = 'secret-token';
    const client = await sdk.joinById(room.roomId, { name: 'web' });
    await client.waitForInitialState();
    const server = room.clients.get(client.sessionId) as unknown as { carrier: string; remoteAddress: string };
    expect(server.carrier).toBe('websocket');
    expect(boot.transport.stats.acceptedWebSocket).toBeGreaterThan(0);
    // onAuth got the token from the connect payload and the address (and headers) of the tunnel socket.
    expect(logs.get(room.roomId)!.auth).toEqual([{ token: 'secret-token', ip: '127.0.0.1' }]);
    expect(client.state.players.get(client.sessionId)?.name).toBe('web');

    // .unreliable() fields reach WebSocket clients too (rawUnreliable over the tunnel's unreliable pipeline).
    const start = client.state.fast;
    await until(() => client.state.fast >= start + 3, 'unreliable patches over WebSocket');
    const echo = nextMessage(client, 'echo-unreliable');
    client.sendUnreliable('echo-unreliable', 'ws datagram');
    expect(await echo).toBe('ws datagram');

    const up = pattern(64 * 1024);
    const ack = nextMessage<{ length: number; sum: number }>(client, 'big-ack');
    client.send('big', up);
    expect(await ack).toEqual({ length: up.length, sum: checksum(up) });
    const down = new Promise<Uint8Array>((resolve) => client.onMessage('big', (bytes: Uint8Array) => resolve(bytes)));
    client.send('send-big', 64 * 1024);
    expect(checksum(await down)).toBe(checksum(pattern(64 * 1024)));

    expect(await client.leave()).toBe(CloseCodes.CONSENTED);
    await until(() => logs.get(room.roomId)!.leaves.length === 1, 'onLeave');
    expect(logs.get(room.roomId)!.leaves[0].code).toBe(CloseCodes.CONSENTED);
  });

  it('mixes UDP and WebSocket clients in one room', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const udp = await boot.sdk({ carrier: 'udp' }).joinById(room.roomId, { name: 'udp' });
    const ws = await boot.sdk({ carrier: 'websocket' }).joinById(room.roomId, { name: 'ws' });
    await until(() => udp.state.players?.size === 2 && ws.state.players?.size === 2, 'both players on both clients'); // state may lag the join
    udp.send('move', 5);
    ws.send('move', 6);
    await until(() => ws.state.players.get(udp.sessionId)?.x === 5 && udp.state.players.get(ws.sessionId)?.x === 6, 'moves crossing carriers');
    expect([udp.state.players.get(udp.sessionId)?.x, ws.state.players.get(ws.sessionId)?.x]).toEqual([5, 6]);
    await Promise.all([udp.leave(), ws.leave()]);
  });
});
