// Server options: maxPayload (like ws-transport's), simulateLatency, and loss simulated on the server's drivers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { defaultServerSettings } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, checksum, logs, nextMessage, pattern, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;

beforeAll(async () => {
  boot = await bootUtp({
    maxPayload: 16 * 1024,
    // 10 % loss on every datagram the server sends and receives, handshakes and heartbeats included.
    settings: defaultServerSettings().withNetworkSimulatorParameters({ sendPacketLossPercent: 10, receivePacketLossPercent: 10, randomSeed: 7 }),
  });
});
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

describe('UtpTransport options', () => {
  it('accepts frames up to maxPayload and closes with 1009 above it, under server-side loss', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    const ok = pattern(15 * 1024);
    const ack = nextMessage<{ length: number; sum: number }>(client, 'big-ack');
    client.send('big', ok);
    expect(await ack).toEqual({ length: ok.length, sum: checksum(ok) });
    // The server may still send more than maxPayload (64 KB patch under loss).
    client.send('blob', 64 * 1024);
    await until(() => client.state.blob.length === 64 * 1024, 'a 64 KB patch under server-side loss', 30_000);

    const left = new Promise<number>((resolve) => client.onLeave((code) => resolve(code)));
    client.send('big', pattern(20 * 1024));
    expect(await left).toBe(CloseCodes.MESSAGE_TOO_BIG);
    expect(boot.transport.stats.inboundOversize).toBe(1);
    await until(() => logs.get(room.roomId)!.drops.length + logs.get(room.roomId)!.leaves.length > 0, 'the server to let the client go');
  }, 60_000);

  it('simulateLatency delays frames without reordering them', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room);
    boot.colyseus.server.simulateLatency(100);
    try {
      const got: number[] = [];
      const all = new Promise<void>((resolve) => client.onMessage('echo', (n: number) => { got.push(n); if (got.length === 10) resolve(); }));
      for (let i = 0; i < 10; i++) client.send('echo', i);
      await all;
      expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      boot.colyseus.server.simulateLatency(0);
    }
    expect(await client.leave()).toBe(CloseCodes.CONSENTED);
  }, 60_000);
});
