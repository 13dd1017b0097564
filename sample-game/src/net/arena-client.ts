// The client side of one arena room, shared by the game's scenes: snapshots feed the predictor (own body) and
// the interpolation buffers (everyone else); fixed ticks make and send redundant inputs; reliable messages become
// events. Handlers are registered as soon as the room is joined, so nothing arrives unheard.
import * as Phaser from 'phaser';
import type { Room } from '@colyseus/sdk';
import { INTERPOLATION_MS, TICK_MS } from '../../shared/constants.ts';
import { InterpolationBuffer, ServerClock, type Sample } from '../../shared/interpolation.ts';
import { MSG, type ArenaView, type ChatEvent, type PickupEvent, type PlayerView, type RoundEvent, type TagEvent } from '../../shared/messages.ts';
import { Predictor } from '../../shared/prediction.ts';
import type { Controls } from '../../shared/sim.ts';
import { decodeSnapshot } from '../../shared/snapshot.ts';

/**
 * Events: `chat` (ChatEvent), `pickup` (PickupEvent), `tag` (TagEvent), `round` (RoundEvent), `drop`,
 * `reconnect`, `leave` (code).
 */
export class ArenaClient extends Phaser.Events.EventEmitter {
  readonly room: Room<any, ArenaView>;
  readonly predictor = new Predictor();
  readonly clock = new ServerClock();
  readonly #buffers = new Map<number, InterpolationBuffer>();
  #tick = 0;
  #acc = 0;
  /** Snapshots received; ticks simulated locally. */
  snapshots = 0;
  ticks = 0;
  #synced = false;
  #lastAdvance = -1;
  #nextPing = 0;
  #lossWindow = { start: performance.now(), firstTick: -1, received: 0 };
  #lastSnapshotAt = -1;
  /** Share of snapshots (unreliable, one per server tick) that did not arrive over the last second, %. */
  snapshotLoss = 0;
  left = false;

  constructor(room: Room<any, ArenaView>) {
    super();
    this.room = room;
    room.reconnection.minUptime = 1000;
    room.onMessage(MSG.snapshot, (bytes: Uint8Array) => this.#onSnapshot(bytes));
    room.onMessage(MSG.chat, (e: ChatEvent) => this.emit('chat', e));
    room.onMessage(MSG.pickup, (e: PickupEvent) => this.emit('pickup', e));
    room.onMessage(MSG.tag, (e: TagEvent) => this.emit('tag', e));
    room.onMessage(MSG.round, (e: RoundEvent) => this.emit('round', e));
    room.onDrop(() => this.emit('drop'));
    room.onReconnect(() => this.emit('reconnect'));
    room.onLeave((code: number) => { this.left = true; this.emit('leave', code); });
  }

  get state(): ArenaView {
    return this.room.state;
  }

  get sessionId(): string {
    return this.room.sessionId;
  }

  get me(): PlayerView | undefined {
    return this.state.players?.get(this.sessionId);
  }

  get connected(): boolean {
    return this.room.connection?.isOpen === true;
  }

  /** True once our own body arrived in a snapshot. */
  get ready(): boolean {
    return this.#synced;
  }

  #onSnapshot(bytes: Uint8Array): void {
    const snap = decodeSnapshot(bytes);
    if (!snap || snap.tick <= this.#tick) return;
    this.#tick = snap.tick;
    this.snapshots++;
    const now = performance.now();
    this.#lastSnapshotAt = now;
    this.#countSnapshot(snap.tick, now);
    this.clock.observe(snap.tick, now);
    const mySlot = this.me?.slot ?? -1;
    for (const { slot, body } of snap.players) {
      if (slot === mySlot) {
        this.predictor.reconcile(body, snap.ack);
        this.#synced = true;
        continue;
      }
      let buffer = this.#buffers.get(slot);
      if (!buffer) this.#buffers.set(slot, (buffer = new InterpolationBuffer()));
      buffer.push({ tick: snap.tick, x: body.x, y: body.y, fx: body.fx, fy: body.fy, dash: body.dash, stun: body.stun });
    }
  }

  /** Snapshot loss over one-second windows: ticks the server sent versus snapshots that arrived. */
  #countSnapshot(tick: number, now: number): void {
    const w = this.#lossWindow;
    if (w.firstTick < 0) { w.firstTick = tick; w.start = now; w.received = 0; }
    w.received++;
    if (now - w.start < 1000) return;
    const expected = tick - w.firstTick + 1;
    this.snapshotLoss = expected > 0 ? Math.max(0, (1 - w.received / expected) * 100) : 0;
    w.firstTick = -1;
  }

  /**
   * One reliable ping a second, for the caller to send once the frame is drawn (Phaser's POST_RENDER). Inputs travel
   * unreliable, so without it this client would send nothing the server acknowledges, and the transport's RTT (the
   * HUD's ping) would have no fresh sample. Sent after rendering, its acknowledgement finds the page idle and is
   * processed on arrival; sent during the frame, it would wait behind the render, and the sample would measure that
   * (about 50 ms a frame in headless Chromium without a GPU). Returns whether a ping was queued (flush it then).
   */
  pingIfDue(now: number): boolean {
    if (now < this.#nextPing || !this.connected) return false;
    this.#nextPing = now + 1000;
    this.room.ping(() => {});
    return true;
  }

  /**
   * Runs the fixed ticks due by `now` (real time, not the game loop's smoothed delta: the server ticks in real
   * time): each reads `controls`, predicts, and sends the redundant input packet (it leaves with the frame's
   * flush). Nothing is simulated while disconnected.
   */
  advance(now: number, controls: () => Controls): void {
    const deltaMs = this.#lastAdvance < 0 ? 0 : now - this.#lastAdvance;
    this.#lastAdvance = now;
    this.predictor.decay(deltaMs);
    if (!this.#synced || !this.connected) { this.#acc = 0; return; }
    this.#acc += Math.min(deltaMs, 250);
    while (this.#acc >= TICK_MS) {
      this.#acc -= TICK_MS;
      this.predictor.tick(controls());
      this.room.sendUnreliable(MSG.input, this.predictor.packet());
      this.ticks++;
    }
  }

  /**
   * Milliseconds since the last snapshot arrived (the server sends one every tick, 33 ms), or 0 before the first:
   * a few hundred means trouble on the way, more than a second a stalled server or network.
   */
  snapshotAgeMs(now: number): number {
    return this.#lastSnapshotAt < 0 ? 0 : now - this.#lastSnapshotAt;
  }

  /** Where to draw our own body now. */
  ownPosition(): { x: number; y: number } {
    return this.predictor.drawPosition(this.#acc / TICK_MS);
  }

  /** Where to draw the player in `slot` now: INTERPOLATION_MS in the past, between snapshots. */
  other(slot: number): Sample | null {
    const tick = this.clock.tickAt(performance.now()) - INTERPOLATION_MS / TICK_MS;
    return this.#buffers.get(slot)?.sample(tick) ?? null;
  }

  sendChat(text: string): void {
    if (this.connected) this.room.send(MSG.chat, text);
  }

  async leave(): Promise<void> {
    this.left = true;
    try { await this.room.leave(true); } catch { /* already gone */ }
  }
}
