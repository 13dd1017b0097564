// @vitest-environment jsdom
// A Colyseus room as `this.net.room` (utp-ts/colyseus/phaser): the plugin owns the room connection's frame order
// (update on PRE_STEP, flush on POST_STEP, no timers of the transport meanwhile), the watchdog pumps it when frames
// stop, `this.net.stats`/NetGraph show it, and a reconnection keeps all of that. Real UDP on loopback, real time.
import '../../phaser/setup.ts'; // before Phaser: canvas and Image mocks
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Phaser from 'phaser';
import { Room, type Client } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { CloseCodes, UtpSDK } from '../../../plugin/colyseus/index.ts';
import { ColyseusNetRoom } from '../../../plugin/colyseus/phaser.ts';
import { UtpTransport } from '../../../plugin/colyseus/server/index.ts';
import { startColyseusServer, type StartedColyseusServer } from '../../../plugin/colyseus/testing/index.ts';
import { NetGraph } from '../../../plugin/phaser/index.ts';
import { bootGame, destroyGame } from '../../phaser/harness.ts';

const State = schema({ counter: t.number().default(0) }, 'PumpState');

/** Messages the server received, in order. */
const received: string[] = [];

class EchoRoom extends Room {
  override state = new State();
  override onCreate(): void {
    this.onMessage('echo', (client, message: string) => {
      received.push(message);
      client.send('echo', message);
    });
  }
  override async onDrop(client: Client): Promise<void> {
    await this.allowReconnection(client, 10);
  }
}

class Play extends Phaser.Scene {
  readonly log: string[] = [];
  graph: NetGraph | null = null;
  constructor() { super('play'); }
  create(): void { this.graph = this.add.existing(new NetGraph(this, 0, 0, { toggleKeys: false })); }
  override update(): void { this.log.push('update'); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: StartedColyseusServer;
beforeAll(async () => {
  server = await startColyseusServer({ transport: new UtpTransport(), rooms: { echo: EchoRoom } });
});
afterAll(async () => { await server?.shutdown(); });

describe('Phaser plugin + Colyseus room (ColyseusNetRoom)', () => {
  it('pumps the room on the game\'s frames, shows its statistics, survives a reconnection, hands back on destroy', async () => {
    const adapter = new ColyseusNetRoom();
    // A long stall threshold first, so that only frames pump; shortened below to test the watchdog.
    const game = await bootGame([Play], { room: adapter, watchdog: { intervalMS: 20, stallMS: 400 } }, ['play']);
    let destroyed = false;
    try {
      const scene = game.scene.getScene('play') as Play;
      let now = performance.now();
      const frame = (): void => { now += 16; game.headlessStep(now, 16); };
      const framesUntil = async (done: () => boolean, what: string): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          frame();
          await sleep(5);
        }
      };

      // No connection of its own: the session only pumps the room.
      expect(scene.net.session.hasConnection).toBe(false);
      expect(scene.net.room).toBe(adapter);
      expect(scene.net.connected).toBe(false);
      expect(scene.net.stats.rtt).toBe(0);
      expect(() => scene.net.reliable).toThrow(/this\.net\.room/);

      // Joining runs on the transport's own timers (the loop is asleep); once in use, the plugin pumps.
      const sdk = new UtpSDK(server.endpoint, { utp: { carrier: 'udp' } });
      const room = await adapter.join(sdk.joinOrCreate('echo'));
      const first = adapter.transport!;
      expect(first.externallyPumped).toBe(true);
      expect(scene.net.connected).toBe(true);
      expect(scene.net.driver).toBe(first.driver);
      expect(scene.net.connection).toBe(first.connection);
      room.onMessage('echo', (m: string) => { scene.log.push(`echo:${m}`); });

      // Datagrams are processed (and acknowledged) on arrival, but a reply reaches the SDK only at the next
      // PRE_STEP, before the scene's update; a send leaves at the next flush (POST_STEP, or the arrival pump's).
      const frameOrder = async (text: string): Promise<void> => {
        frame();                                          // a fresh frame: the watchdog (400 ms) stays quiet
        const before = received.length;
        room.send('echo', text);
        frame();
        await framesUntil(() => received.length > before, 'the server to receive');
        await sleep(120);                                 // the reply was processed on arrival, not yet handed to the SDK
        expect(scene.log.includes(`echo:${text}`)).toBe(false);
        scene.log.length = 0;
        frame();
        expect(scene.log).toEqual([`echo:${text}`, 'update']);
      };
      await frameOrder('one');

      // Statistics of the room's connection, in this.net.stats and the NetGraph.
      await framesUntil(() => scene.net.stats.rtt > 0 && (scene.graph!.values.rtt > 0), 'rtt samples');
      expect(scene.net.stats.packetsReceived).toBeGreaterThan(0);

      // Reconnection (the SDK's offline path): a new UTP connection, pumped the same way.
      room.reconnection.minUptime = 0;
      room.reconnection.minDelay = 50;
      room.reconnection.delay = 50;
      let dropped = 0;
      let reconnected = 0;
      room.onDrop(() => { dropped++; });
      room.onReconnect(() => { reconnected++; });
      const oldDriver = first.driver;
      room.connection.close(CloseCodes.MAY_TRY_RECONNECT);
      await framesUntil(() => reconnected === 1, 'onReconnect');
      expect(dropped).toBe(1);
      expect(adapter.transport).toBe(first);
      expect(first.externallyPumped).toBe(true);
      expect(first.driver).not.toBe(oldDriver);
      expect(scene.net.driver).toBe(first.driver);
      await frameOrder('two');
      await framesUntil(() => scene.net.stats.rtt > 0, 'rtt on the new connection');

      // Frames stop (hidden tab): the watchdog pumps the room.
      const watchdog = (game.plugins.get('UtpNet') as unknown as { watchdog: { pumps: number } }).watchdog;
      const pumps = watchdog.pumps;
      scene.log.length = 0;
      room.send('echo', 'three');
      const deadline = Date.now() + 5000;
      while (!scene.log.includes('echo:three') && Date.now() < deadline) await sleep(20);
      expect(scene.log).toEqual(['echo:three']);   // handled with no frame at all
      expect(watchdog.pumps).toBeGreaterThan(pumps);

      // Destroyed game: the transport has its own timers again, and the room keeps working.
      destroyGame(game);
      destroyed = true;
      expect(first.externallyPumped).toBe(false);
      const reply = new Promise<string>((resolve) => room.onMessage('echo', resolve));
      room.send('echo', 'four');
      expect(await reply).toBe('four');
      expect(await room.leave()).toBe(CloseCodes.CONSENTED);
    } finally {
      if (!destroyed) destroyGame(game);
    }
  }, 40_000);
});
