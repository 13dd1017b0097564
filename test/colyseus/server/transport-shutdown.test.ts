// Graceful shutdown: every client, on either carrier, leaves with 4001, the transport stops and its port is free at
// once (HTTP, UDP and the tunnel), so a new server can listen on it in the same process.
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { LocalPresence } from '@colyseus/core';
import { describe, expect, it } from 'vitest';
import { CloseCodes, UtpSDK } from '../../../plugin/colyseus/index.ts';
import { UtpTransport } from '../../../plugin/colyseus/server/index.ts';
import { freePort, startColyseusServer } from '../../../plugin/colyseus/testing/index.ts';
import { GameRoom, bootUtp, until } from '../helpers.ts';

describe('server shutdown', () => {
  it('closes every client with 4001 (onLeave), then stops HTTP, UDP and the tunnel', async () => {
    // Also: an Express app on the same HTTP server, next to core's matchmaking routes.
    const boot = await bootUtp({}, { express: (app: any) => { app.get('/hello', (_req: unknown, res: { send(s: string): void }) => res.send('hi')); } });
    expect(await (await fetch(`${boot.endpoint}/hello`)).text()).toBe('hi');
    const room = await boot.colyseus.createRoom<InstanceType<typeof GameRoom>>('game');
    const udp = await boot.sdk({ carrier: 'udp' }).joinById(room.roomId);
    const ws = await boot.sdk({ carrier: 'websocket' }).joinById(room.roomId);
    const codes = Promise.all([udp, ws].map((c) => new Promise<number>((resolve) => c.onLeave((code) => resolve(code)))));
    let dropped = false;
    for (const c of [udp, ws]) c.onDrop(() => { dropped = true; });
    await boot.shutdown();
    expect(await codes).toEqual([CloseCodes.SERVER_SHUTDOWN, CloseCodes.SERVER_SHUTDOWN]);
    expect(dropped).toBe(false);
    expect(boot.transport.connectionCount).toBe(0);
    expect(boot.transport.driver).toBeNull();
    expect(boot.transport.server.listening).toBe(false);
  });
});

describe('restart on the same port in one process, as with ws-transport', () => {
  it('the port is free when gracefullyShutdown() resolves, even with an unresponsive client', async () => {
    const port = await freePort();
    const first = await startColyseusServer({ transport: new UtpTransport(), rooms: { game: GameRoom }, port });
    const quiet = await new UtpSDK(first.endpoint).joinOrCreate('game');
    const gone = await new UtpSDK(first.endpoint).joinOrCreate('game');
    (first.transport as UtpTransport).simulateTimeout(gone.sessionId); // never acknowledges the close frame
    const left = new Promise<number>((resolve) => quiet.onLeave((code) => resolve(code)));
    await first.server.gracefullyShutdown(false);
    // At once: no await in between, so nothing can have released the port later.
    const second = await startColyseusServer({ transport: new UtpTransport(), rooms: { game: GameRoom }, port });
    try {
      expect(await left).toBe(CloseCodes.SERVER_SHUTDOWN);
      const room = await new UtpSDK(second.endpoint).joinOrCreate('game');
      expect(room.sessionId).toBeTruthy();
      await room.leave();
    } finally {
      gone.connection.close();
      await second.shutdown();
    }
  });

  it('closes an injected HTTP server, as ws-transport does (what @colyseus/tools and @colyseus/testing pass)', async () => {
    const http = createServer();
    const started = await startColyseusServer({ transport: new UtpTransport({ server: http }), rooms: { game: GameRoom } });
    expect(http.listening).toBe(true);
    await started.shutdown();
    expect(http.listening).toBe(false);
  });

  it('a client reconnecting across a dev-mode restart reaches the new server instead of being told 4001', async () => {
    const port = await freePort();
    const presence = new LocalPresence(); // dev mode keeps the rooms here across the restart
    const options = { presence, devMode: true };
    const first = await startColyseusServer({ transport: new UtpTransport(), rooms: { game: GameRoom }, port, server: options });
    const client = await new UtpSDK(first.endpoint).joinOrCreate<any>('game', { name: 'ada' });
    client.reconnection.minUptime = 0;
    client.reconnection.minDelay = client.reconnection.delay = 50;
    const codes: number[] = [];
    client.onDrop((code) => codes.push(code));
    client.onLeave((code) => codes.push(code));
    const reconnected = new Promise<void>((resolve) => client.onReconnect(() => resolve()));
    await first.server.gracefullyShutdown(false); // dev mode: clients get 4010 and retry
    const second = await startColyseusServer({ transport: new UtpTransport(), rooms: { game: GameRoom }, port, server: options });
    try {
      await reconnected;
      expect(codes).toEqual([CloseCodes.MAY_TRY_RECONNECT]);
      client.send('move', 7);
      await until(() => client.state.players.get(client.sessionId)?.x === 7, 'a move on the restarted server');
    } finally {
      await client.leave().catch(() => {});
      await second.shutdown();
      rmSync(join(process.cwd(), '.devmode.json'), { force: true }); // dev mode's room cache, written by core
    }
  });
});
