// @colyseus/testing with utp-ts, as the README shows it: boot() through @colyseus/tools (which injects its own HTTP
// server into the transport), the test server's SDK swapped for a UtpSDK, shutdown frees the port.
import { boot, type ColyseusTestServer } from '@colyseus/testing';
import config from '@colyseus/tools';
import { describe, expect, it } from 'vitest';
import { UtpSDK } from '../../../plugin/colyseus/index.ts';
import { UtpTransport } from '../../../plugin/colyseus/server/index.ts';
import { freePort } from '../../../plugin/colyseus/testing/index.ts';
import { GameRoom, type GameState } from '../helpers.ts';

describe('@colyseus/testing', () => {
  it('boots UtpTransport, connects UtpSDK clients to rooms, and frees the port on shutdown', async () => {
    const port = await freePort();
    let transport: UtpTransport | null = null;
    // What an app's app.config.ts exports; @colyseus/tools calls initializeTransport({ server: http.createServer() }).
    const app = config({
      initializeTransport: (options) => (transport = new UtpTransport(options)),
      initializeGameServer: (server) => server.define('game', GameRoom),
    });
    const colyseus: ColyseusTestServer = await boot(app, port);
    colyseus.sdk = new UtpSDK(`http://127.0.0.1:${port}`);

    const room = await colyseus.createRoom<GameRoom>('game');
    const client = await colyseus.connectTo(room, { name: 'ada' });
    expect((client.state as GameState).players.get(client.sessionId)?.name).toBe('ada');
    client.send('count', 2);
    await room.waitForNextPatch();
    expect(room.state.counter).toBe(2);
    expect(transport!.stats.acceptedUdp).toBe(1);

    await colyseus.shutdown();
    expect(transport!.server.listening).toBe(false); // the injected server is closed, as ws-transport does
    // The port is free at once: a second boot on it works.
    const again = await boot(app, port);
    await again.shutdown();
  });
});
