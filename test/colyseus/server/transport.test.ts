// UtpTransport + UtpSDK over UDP on 127.0.0.1: join, state, both channels, large messages, leave codes, errors.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { matchMaker } from '@colyseus/core';
import { MatchMakeError } from '@colyseus/sdk';
import { CloseCodes, UtpRoom } from '../../../plugin/colyseus/index.ts';
import { bootUtp, checksum, logs, nextMessage, pattern, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;

beforeAll(async () => { boot = await bootUtp(); });
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

describe('UtpTransport with UtpSDK over UDP', () => {
  it('joins, syncs state and carries messages both ways on the reliable channel', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room, { name: 'ada' });
    expect(client).toBeInstanceOf(UtpRoom);
    expect(client.sessionId).toBeTruthy();
    expect((client as UtpRoom).utpTransport?.options.carrier ?? 'udp').toBe('udp');
    expect(client.state.players.get(client.sessionId)?.name).toBe('ada');
    // Server → client state.
    room.state.counter = 42;
    await until(() => client.state.counter === 42, 'the counter patch');
    // Client → server → client messages.
    const echo = nextMessage(client, 'echo');
    client.send('echo', { hello: 'world', n: 7 });
    expect(await echo).toEqual({ hello: 'world', n: 7 });
    client.send('move', 12.5);
    await until(() => client.state.players.get(client.sessionId)?.x === 12.5, 'the move to come back as state');
    const server = room.clients.get(client.sessionId)!;
    expect((server as unknown as { readyState: number }).readyState).toBe(1);
    expect((server as unknown as { carrier: string }).carrier).toBe('udp');
    expect(logs.get(room.roomId)!.auth[0].ip).toBe('127.0.0.1');
    await client.leave();
  });

  it('delivers .unreliable() fields through rawUnreliable and messages on the unreliable channel both ways', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    const start = client.state.fast;
    // `fast` changes only in unreliable patches: if it moves, rawUnreliable reached the SDK.
    await until(() => client.state.fast >= start + 5, 'unreliable patches of the fast field');
    await until(() => (client.state.players.get(client.sessionId)?.tick ?? 0) > 3, 'an unreliable field of a map entry');
    // room.sendUnreliable → server onMessage; UtpClient.sendUnreliable → SDK onMessage.
    const echo = nextMessage(client, 'echo-unreliable');
    const timer = setInterval(() => client.sendUnreliable('echo-unreliable', { via: 'datagram' }), 50);
    try {
      expect(await echo).toEqual({ via: 'datagram' });
    } finally {
      clearInterval(timer);
    }
    expect(logs.get(room.roomId)!.unreliableFrom).toContain(client.sessionId);
    expect(boot.transport.stats.unreliableOversize).toBe(0);
    // Never beyond one datagram: oversize unreliable frames are dropped and counted, on both sides.
    const transport = (client as UtpRoom).utpTransport!;
    client.sendUnreliable('echo-unreliable', 'c'.repeat(3000));
    expect(transport.stats.unreliableOversize).toBe(1);
    client.send('unreliable-big', 3000);
    await until(() => boot.transport.stats.unreliableOversize === 1, 'the server to drop an oversize unreliable frame');
    await client.leave();
  });

  it('carries 64 KB messages each way and a full state above 64 KB', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    const up = pattern(64 * 1024);
    const ack = nextMessage<{ length: number; sum: number }>(client, 'big-ack');
    client.send('big', up);
    expect(await ack).toEqual({ length: up.length, sum: checksum(up) });

    const down = new Promise<Uint8Array>((resolve) => client.onMessage('big', (bytes: Uint8Array) => resolve(bytes)));
    client.send('send-big', 64 * 1024);
    const got = await down;
    expect(got.length).toBe(64 * 1024);
    expect(checksum(got)).toBe(checksum(pattern(64 * 1024)));

    // A state patch of 80 KB, then a late joiner whose full state carries it.
    client.send('blob', 80 * 1024);
    await until(() => client.state.blob.length === 80 * 1024, 'an 80 KB patch');
    const late = await boot.colyseus.connectTo(room);
    expect(late.state.blob.length).toBe(80 * 1024);
    await late.leave();
    await client.leave();
  });

  it('reports a consented leave as 4000 on both sides', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    const code = await client.leave(true);
    expect(code).toBe(CloseCodes.CONSENTED);
    await until(() => logs.get(room.roomId)!.leaves.length === 1, 'onLeave on the server');
    expect(logs.get(room.roomId)!.leaves[0]).toEqual({ sessionId: client.sessionId, code: CloseCodes.CONSENTED });
    expect(logs.get(room.roomId)!.drops).toEqual([]);
  });

  it('delivers a server-side client.leave(code) to onLeave with that code', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    const left = new Promise<number>((resolve) => client.onLeave((code) => resolve(code)));
    client.send('leave-me', 4321);
    expect(await left).toBe(4321);
  });

  it('rejects an expired seat with a clear error', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const sdk = boot.sdk();
    const attempt = sdk.consumeSeatReservation({
      name: 'game', roomId: room.roomId, processId: matchMaker.processId, sessionId: 'not-a-reserved-seat',
    } as never);
    await expect(attempt).rejects.toMatchObject({ code: 524, message: expect.stringMatching(/seat reservation expired/) });
    // Through matchmaking too: joinById of a room that is gone.
    await expect(sdk.joinById('no-such-room')).rejects.toBeInstanceOf(MatchMakeError);
  });

  it('measures latency through the ping utility', async () => {
    const ms = await boot.sdk().getLatency({ pingCount: 3 });
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(1500);
  });
});
