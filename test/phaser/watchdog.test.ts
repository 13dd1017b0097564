// @vitest-environment jsdom
// With the game loop asleep (a hidden tab, a throttled RAF) the watchdog keeps the connection alive: heartbeats,
// acknowledgements and resends still go out, and messages still reach listeners. Time is the fake clock; the
// watchdog's real timer only polls it (every 2 ms here), so nothing depends on wall-clock durations.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Phaser from 'phaser';
import { UTP_PLUGIN_KEY, type UtpNetPlugin } from '../../plugin/phaser/index.ts';
import { bootGame, clientOptions, destroyGame, Peer, stepUntil } from './harness.ts';
import { FakeClock } from '../support/clock.ts';
import { sleep } from '../support/pump.ts';

class Play extends Phaser.Scene {
  inbox: string[] = [];
  constructor() { super('play'); }
  create(): void { this.net.reliable.on((msg) => { this.inbox.push(msg.text()); }); }
}

describe('Phaser plugin: watchdog', () => {
  let game: Phaser.Game | null = null;
  afterEach(() => { if (game) destroyGame(game); game = null; });

  async function connected() {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const endpoint = await peer.listen();
    game = await bootGame([Play], clientOptions(peer, endpoint, { watchdog: { intervalMS: 2, stallMS: 250 } }), ['play']);
    const scene = game.scene.getScene('play') as Play;
    stepUntil(game, clock, peer, () => scene.net.connected && peer.connection !== null);
    const plugin = game.plugins.get(UTP_PLUGIN_KEY) as UtpNetPlugin;
    return { clock, peer, scene, plugin, g: game };
  }

  it('does not pump while frames run', async () => {
    const { clock, peer, plugin, g } = await connected();
    const pumps = plugin.watchdog!.pumps;
    for (let i = 0; i < 20; i++) { clock.now += 16; g.headlessStep(clock.now, 16); await sleep(1); }
    expect(plugin.watchdog!.pumps).toBe(pumps);
  });

  it('sends heartbeats when the loop sleeps', async () => {
    const { clock, peer, plugin } = await connected();
    const before = peer.datagrams;
    clock.now += 1000; // past the stall limit and the 500 ms heartbeat timeout, with no frame
    await vi.waitFor(() => expect(peer.datagrams).toBeGreaterThan(before), { interval: 2 });
    expect(plugin.watchdog!.pumps).toBeGreaterThan(0);
    peer.update();
    expect(peer.driver.getConnectionStatistics(peer.connection!)?.state).toBe(3); // still Connected
  });

  it('delivers messages and acknowledges them when the loop sleeps', async () => {
    const { clock, peer, scene, plugin } = await connected();
    peer.send(peer.reliable, 'while-asleep');
    peer.driver.flush();
    clock.now += 300;
    await vi.waitFor(() => expect(scene.inbox).toEqual(['while-asleep']), { interval: 2 });
    await vi.waitFor(() => {
      const stats = plugin.session!.driver.getConnectionStatistics(plugin.session!.connection)!;
      expect(stats.pipelines.find((p) => p.id === 1)!.acksSent).toBeGreaterThan(0);
    }, { interval: 2 });
    peer.update();
    const peerReliable = peer.driver.getConnectionStatistics(peer.connection!)!.pipelines.find((p) => p.id === 1)!;
    expect(peerReliable.packetsReceived).toBeGreaterThan(0); // the ack-only packet reached the peer's pipeline
  });

  it('resends lost reliable messages when the loop sleeps', async () => {
    const { clock, peer, scene, plugin } = await connected();
    const peerPort = peer.driver.localEndpoint().port;
    peer.network.filter = (_bytes, _from, to) => to.port !== peerPort; // the client's packets are lost
    expect(scene.net.reliable.send('lost-once')).toBeGreaterThan(0);
    clock.now += 16;
    scene.game.headlessStep(clock.now, 16); // POST_STEP flushes it into the filter
    peer.network.filter = null;
    clock.now += 1000; // past the resend timeout, no frames
    await vi.waitFor(() => {
      peer.update();
      expect(peer.received.map((m) => m.text)).toContain('lost-once');
    }, { interval: 2 });
    expect(plugin.session!.stats().resends).toBeGreaterThan(0);
  });
});
