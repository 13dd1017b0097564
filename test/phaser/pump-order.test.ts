// @vitest-environment jsdom
// The plugin receives on PRE_STEP and flushes on POST_STEP: what the peer sent before a frame is in the scene's
// update of that frame, and what the scene sends in update reaches the peer only after POST_STEP.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it } from 'vitest';
import * as Phaser from 'phaser';
import { bootGame, clientOptions, destroyGame, Peer, step, stepUntil } from './harness.ts';
import { FakeClock } from '../support/clock.ts';

class Play extends Phaser.Scene {
  inbox: string[] = [];
  /** The inbox as the last update saw it. */
  seen: string[] = [];
  outgoing: string | null = null;
  peer: Peer | null = null;
  /** Datagrams at the peer: at update start, right after the send, at this scene's POST_UPDATE. */
  marks: number[] = [];

  constructor() { super('play'); }

  create(): void {
    this.net.reliable.on((msg) => { this.inbox.push(msg.text()); });
    this.events.on(Phaser.Scenes.Events.POST_UPDATE, () => { if (this.marks.length === 2) this.marks.push(this.peer!.datagrams); });
  }

  override update(): void {
    this.seen = [...this.inbox];
    if (this.outgoing === null) return;
    this.marks = [this.peer!.datagrams];
    expect(this.net.reliable.send(this.outgoing)).toBe(this.outgoing.length);
    this.marks.push(this.peer!.datagrams);
    this.outgoing = null;
  }
}

describe('Phaser plugin: pump order', () => {
  let game: Phaser.Game | null = null;
  afterEach(() => { if (game) destroyGame(game); game = null; });

  it('delivers before update and sends after POST_STEP', async () => {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const endpoint = await peer.listen();
    game = await bootGame([Play], clientOptions(peer, endpoint), ['play']);
    const scene = game.scene.getScene('play') as Play;
    scene.peer = peer;

    stepUntil(game, clock, peer, () => scene.net.connected && peer.connection !== null);
    expect(scene.net.state).toBe('connected');

    // The peer's message is on the wire before the frame starts: the scene's update of that frame sees it.
    expect(peer.send(peer.reliable, 'hello')).toBeGreaterThan(0);
    peer.driver.flush();
    expect(scene.inbox).toEqual([]);
    step(game, clock);
    expect(scene.seen).toEqual(['hello']);

    // A send made in update stays queued through the scene's POST_UPDATE and leaves at POST_STEP.
    let atPreRender = -1;
    game.events.once(Phaser.Core.Events.PRE_RENDER, () => { atPreRender = peer.datagrams; });
    scene.outgoing = 'from-update';
    step(game, clock);
    const [atUpdate, afterSend, atPostUpdate] = scene.marks;
    expect(afterSend).toBe(atUpdate);
    expect(atPostUpdate).toBe(atUpdate);
    expect(atPreRender).toBeGreaterThan(atUpdate);
    peer.update();
    expect(peer.received).toContainEqual({ pipeline: peer.reliable.id, text: 'from-update' });
  });
});
