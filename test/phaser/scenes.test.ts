// @vitest-environment jsdom
// Several scenes share the game's one connection; listeners registered through a scene's `this.net` go away when
// that scene shuts down; connection events carry the disconnect reason.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it } from 'vitest';
import * as Phaser from 'phaser';
import { NetSession } from '../../plugin/phaser/index.ts';
import { bootGame, clientOptions, destroyGame, Peer, step, stepUntil } from './harness.ts';
import { FakeClock } from '../support/clock.ts';

class Listener extends Phaser.Scene {
  inbox: string[] = [];
  unreliableInbox: string[] = [];
  events_: string[] = [];
  creates = 0;

  create(): void {
    this.creates++;
    this.net.reliable.on((msg) => { this.inbox.push(msg.text()); });
    this.net.unreliable.on(function (this: Phaser.Scene, msg) {
      (this as Listener).unreliableInbox.push(msg.json<{ n: number }>().n.toString());
    });
    this.net.on('connect', () => { this.events_.push('connect'); });
    this.net.on('disconnect', (reason) => { this.events_.push(`disconnect:${reason}`); });
  }
}
class Hud extends Listener { constructor() { super({ key: 'hud', active: true }); } }
class World extends Listener { constructor() { super({ key: 'world', active: true }); } }

describe('Phaser plugin: scenes', () => {
  let game: Phaser.Game | null = null;
  afterEach(() => { if (game) destroyGame(game); game = null; });

  async function start() {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const endpoint = await peer.listen();
    game = await bootGame([World, Hud], clientOptions(peer, endpoint), ['world', 'hud']);
    const world = game.scene.getScene('world') as World;
    const hud = game.scene.getScene('hud') as Hud;
    stepUntil(game, clock, peer, () => world.net.connected && peer.connection !== null);
    return { clock, peer, world, hud, g: game };
  }

  it('shares one connection: both scenes receive, JSON included, and both see connect', async () => {
    const { clock, peer, world, hud, g } = await start();
    expect(world.net.session).toBe(hud.net.session);
    expect(world.events_).toEqual(['connect']);
    expect(hud.events_).toEqual(['connect']);
    peer.send(peer.reliable, 'to-all');
    peer.driver.send(peer.connection!, peer.unreliable, new TextEncoder().encode(JSON.stringify({ n: 7 })));
    peer.driver.flush();
    step(g, clock);
    expect(world.inbox).toEqual(['to-all']);
    expect(hud.inbox).toEqual(['to-all']);
    expect(world.unreliableInbox).toEqual(['7']);
    expect(hud.unreliableInbox).toEqual(['7']);
  });

  it('removes a scene\'s listeners when it shuts down, and re-subscribes on restart', async () => {
    const { clock, peer, world, hud, g } = await start();
    const session = world.net.session;
    const reliableEvent = NetSession.messageEvent(session.pipelines.reliable);
    expect(session.listenerCount(reliableEvent)).toBe(2);
    expect(hud.net.listenerCount).toBe(4);

    g.scene.stop('hud');
    step(g, clock);
    expect(hud.net.listenerCount).toBe(0);
    expect(session.listenerCount(reliableEvent)).toBe(1);
    expect(session.listenerCount('disconnect')).toBe(1);
    peer.send(peer.reliable, 'after-stop');
    peer.driver.flush();
    step(g, clock);
    expect(world.inbox).toEqual(['after-stop']);
    expect(hud.inbox).toEqual([]);

    g.scene.start('hud');
    step(g, clock);
    expect(hud.creates).toBe(2);
    expect(session.listenerCount(reliableEvent)).toBe(2);
    peer.send(peer.reliable, 'after-restart');
    peer.driver.flush();
    step(g, clock);
    expect(hud.inbox).toEqual(['after-restart']);
  });

  it('off() removes one listener; the hidden __SYSTEM scene never subscribes', async () => {
    const { clock, peer, world, g } = await start();
    const calls: string[] = [];
    const fn = (): void => { calls.push('x'); };
    world.net.reliable.on(fn);
    world.net.reliable.off(fn);
    peer.send(peer.reliable, 'm');
    peer.driver.flush();
    step(g, clock);
    expect(calls).toEqual([]);
    expect(world.inbox).toEqual(['m']);
    const system = (g.scene as unknown as { systemScene: Phaser.Scene }).systemScene;
    expect(system.net.listenerCount).toBe(0);
  });

  it('reports a disconnect with its reason name to every scene', async () => {
    const { clock, peer, world, hud, g } = await start();
    peer.driver.disconnect(peer.connection!);
    peer.update();
    step(g, clock);
    expect(world.net.state).toBe('disconnected');
    expect(world.events_).toEqual(['connect', 'disconnect:ClosedByRemote']);
    expect(hud.events_).toEqual(['connect', 'disconnect:ClosedByRemote']);
    expect(world.net.reliable.send('late')).toBe(-3); // NetworkStateMismatch: not connected
  });
});
