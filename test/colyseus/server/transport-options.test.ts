// Server options: maxPayload (like ws-transport's), simulateLatency, and loss simulated on the server's drivers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes, createColyseusPipelines } from '../../../plugin/colyseus/index.ts';
import { NetworkPipeline, NetworkSettings, type PipelineOptions } from '../../../plugin/index.ts';
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

describe('UtpTransport default settings', () => {
  it('turn on resend back-off with at most 8 resends per client and update, and pipeline 1 gets them', () => {
    const settings = defaultServerSettings();
    expect(settings.reliableStage.resendBackoff).toBe(true);
    expect(settings.reliableStage.maxResendsPerUpdate).toBe(8);
    const created: Array<PipelineOptions | undefined> = [];
    createColyseusPipelines({
      createPipeline: (...args) => {
        created.push(args.find((a): a is PipelineOptions => typeof a === 'object' && a !== null && 'settings' in a));
        return new NetworkPipeline(created.length);
      },
    }, settings);
    const reliable = created[0]?.settings as NetworkSettings | undefined;
    expect(reliable?.reliableStage.resendBackoff).toBe(true);
    expect(reliable?.reliableStage.maxResendsPerUpdate).toBe(8);
    // A client's settings (UTP's own) leave both off.
    expect(new NetworkSettings().reliableStage.resendBackoff).toBe(false);
  });
});

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
