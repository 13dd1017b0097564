// @vitest-environment jsdom
// The NetGraph overlay samples the connection's statistics: injected loss (IPCNetwork.filter) shows up as loss
// and resends; its toggle keys show and hide it.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it } from 'vitest';
import * as Phaser from 'phaser';
import { NetGraph } from '../../plugin/phaser/index.ts';
import { bootGame, clientOptions, destroyGame, Peer, step, stepUntil } from './harness.ts';
import { FakeClock } from '../support/clock.ts';

class Play extends Phaser.Scene {
  graph!: NetGraph;
  sending = false;
  sent = 0;
  constructor() { super('play'); }
  create(): void { this.graph = this.add.existing(new NetGraph(this, 4, 4, { sampleMS: 250 })); }
  override update(): void { if (this.sending && this.net.reliable.send(`m${this.sent}`) > 0) this.sent++; }
}

describe('Phaser plugin: NetGraph', () => {
  let game: Phaser.Game | null = null;
  afterEach(() => { if (game) destroyGame(game); game = null; });

  async function start() {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const endpoint = await peer.listen();
    game = await bootGame([Play], clientOptions(peer, endpoint), ['play']);
    const scene = game.scene.getScene('play') as Play;
    stepUntil(game, clock, peer, () => scene.net.connected && peer.connection !== null);
    return { clock, peer, scene, g: game };
  }

  /** Runs `seconds` of 16 ms frames, the peer updating after each and streaming an unreliable snapshot. */
  function run(g: Phaser.Game, clock: FakeClock, peer: Peer, seconds: number): void {
    for (let i = 0; i < seconds * 62.5; i++) {
      step(g, clock, 16);
      peer.update();
      if (peer.connection) peer.driver.send(peer.connection, peer.unreliable, Uint8Array.of(i & 0xff));
    }
  }

  it('shows loss and resends when packets are dropped', async () => {
    const { clock, peer, scene, g } = await start();
    scene.sending = true;
    run(g, clock, peer, 3); // clean traffic
    expect(scene.graph.values.loss).toBe(0);
    expect(scene.graph.values.resends).toBe(0);
    expect(scene.graph.values.out).toBeGreaterThan(0);
    expect(scene.graph.values.in).toBeGreaterThan(0);

    let n = 0;
    peer.network.filter = () => n++ % 3 !== 0; // a third of the packets, both ways
    run(g, clock, peer, 3);
    expect(scene.graph.values.loss).toBeGreaterThan(0);
    expect(scene.graph.values.resends).toBeGreaterThan(0);
    expect(scene.net.stats.resends).toBeGreaterThan(0);
    // Loss counts the peer's packets that never arrived (sequence gaps): about a third.
    expect(scene.net.stats.loss).toBeGreaterThan(20);
    expect(scene.net.stats.loss).toBeLessThan(50);

    peer.network.filter = null;
    run(g, clock, peer, 3);
    expect(scene.graph.values.loss).toBe(0);
    expect(peer.received.length).toBe(scene.sent); // everything arrived in the end
  });

  it('starts hidden, sampling all the same; backquote shows it drawn at once, F3 hides it', async () => {
    const { clock, peer, scene, g } = await start();
    expect(scene.graph.visible).toBe(false);
    scene.sending = true;
    run(g, clock, peer, 1);
    expect(scene.graph.values.out).toBeGreaterThan(0);
    const label = scene.graph.list.find((o) => o instanceof Phaser.GameObjects.Text) as Phaser.GameObjects.Text;
    expect(label.text).toBe('');                      // nothing drawn while hidden
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '`', code: 'Backquote', keyCode: 192 }));
    step(g, clock);
    expect(scene.graph.visible).toBe(true);
    expect(label.text).toMatch(/^rtt \d+ ms · ipc\nloss /);  // the samples taken while hidden, without waiting
    window.dispatchEvent(new KeyboardEvent('keyup', { key: '`', code: 'Backquote', keyCode: 192 }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F3', code: 'F3', keyCode: 114 }));
    step(g, clock);
    expect(scene.graph.visible).toBe(false);
  });

  it('is shown from the start with visible: true', async () => {
    const { scene } = await start();
    const shown = scene.add.existing(new NetGraph(scene, 4, 4, { visible: true, toggleKeys: false }));
    expect(shown.visible).toBe(true);
  });
});
