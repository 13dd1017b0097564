// Drops and automatic reconnection with the same sessionId: the SDK's own offline path (close 4010) and a real UTP
// timeout on both ends (the server cuts one client off).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkSettings } from '../../../plugin/transport/index.ts';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { defaultServerSettings } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, logs, nextMessage, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

// Short timeouts on both ends so that a cut-off connection times out in about a second.
const TIMEOUT_MS = 1200;
const clientSettings = (): NetworkSettings => new NetworkSettings().withNetworkConfigParameters({
  connectTimeoutMS: 250, maxConnectAttempts: 40, disconnectTimeoutMS: TIMEOUT_MS, heartbeatTimeoutMS: 200,
});

let boot: UtpTestServer;

beforeAll(async () => {
  boot = await bootUtp({
    settings: defaultServerSettings().withNetworkConfigParameters({ disconnectTimeoutMS: TIMEOUT_MS, heartbeatTimeoutMS: 200 }),
  });
});
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

async function joinFresh(carrier: 'udp' | 'websocket' = 'udp') {
  const room = await boot.colyseus.createRoom<GameRoom>('game');
  const sdk = boot.sdk({ carrier, settings: clientSettings() });
  const client = await sdk.joinById(room.roomId);
  await client.waitForInitialState();
  // The SDK only reconnects rooms joined at least 5 s ago by default.
  client.reconnection.minUptime = 0;
  client.reconnection.minDelay = 50;
  client.reconnection.delay = 50;
  return { room, client };
}

describe('drop and automatic reconnection', () => {
  for (const carrier of ['udp', 'websocket'] as const) {
    it(`room.connection.close(4010) → onDrop, then onReconnect with the same sessionId (${carrier})`, async () => {
      const { room, client } = await joinFresh(carrier);
      const sessionId = client.sessionId;
      const dropped = new Promise<number>((resolve) => client.onDrop((code) => resolve(code)));
      const reconnected = new Promise<void>((resolve) => client.onReconnect(() => resolve()));
      client.connection.close(CloseCodes.MAY_TRY_RECONNECT);
      expect(await dropped).toBe(CloseCodes.MAY_TRY_RECONNECT);
      await reconnected;
      expect(client.sessionId).toBe(sessionId);
      const log = logs.get(room.roomId)!;
      expect(log.drops).toEqual([{ sessionId, code: CloseCodes.MAY_TRY_RECONNECT }]);
      expect(log.reconnects).toEqual([sessionId]);
      // The session goes on: state and messages over the new connection.
      room.state.counter = 7;
      await until(() => client.state.counter === 7, 'state after reconnection');
      const echo = nextMessage(client, 'echo');
      client.send('echo', 'again');
      expect(await echo).toBe('again');
      expect((room.clients.get(sessionId) as unknown as { readyState: number } | undefined)?.readyState).toBe(1);
      await client.leave();
    });
  }

  it('a UTP timeout on both ends (server cuts the client off) → onDrop 1006, then onReconnect', async () => {
    const { room, client } = await joinFresh('udp');
    const sessionId = client.sessionId;
    const dropped = new Promise<number>((resolve) => client.onDrop((code) => resolve(code)));
    const reconnected = new Promise<void>((resolve) => client.onReconnect(() => resolve()));
    expect(boot.transport.simulateTimeout(sessionId)).toBe(true);
    expect(await dropped).toBe(CloseCodes.ABNORMAL_CLOSURE);
    await reconnected;
    expect(client.sessionId).toBe(sessionId);
    const log = logs.get(room.roomId)!;
    expect(log.drops).toEqual([{ sessionId, code: CloseCodes.ABNORMAL_CLOSURE }]);
    expect(log.reconnects).toEqual([sessionId]);
    client.send('move', 3);
    await until(() => client.state.players.get(sessionId)?.x === 3, 'a move after the reconnection');
    await client.leave();
  });

  it('reconnects explicitly with sdk.reconnect(token) after a drop the SDK did not retry', async () => {
    const { room, client } = await joinFresh('udp');
    client.reconnection.enabled = false;
    const token = client.reconnectionToken;
    const left = new Promise<number>((resolve) => client.onLeave((code) => resolve(code)));
    client.connection.close(CloseCodes.MAY_TRY_RECONNECT);
    expect(await left).toBe(CloseCodes.MAY_TRY_RECONNECT);
    await until(() => logs.get(room.roomId)!.drops.length === 1, 'the server-side drop');
    const again = await boot.sdk().reconnect(token);
    expect(again.sessionId).toBe(client.sessionId);
    await until(() => logs.get(room.roomId)!.reconnects.length === 1, 'onReconnect on the server');
    await again.leave();
  });
});
