// A Node bot that plays the arena over UDP like a real client: redundant inputs every tick on the unreliable
// channel, prediction and reconciliation for its own body, snapshots of everyone else. It chases orbs and dashes
// into players who have points. Used by `npm run bots` and the headless bot test.
import type { Room } from '@colyseus/sdk';
import { UtpSDK, type UtpClientOptions } from '../plugin/colyseus/index.ts';
import { COLORS, ROOM_NAME, TICK_MS } from '../sample-game/shared/constants.ts';
import { MSG, type ArenaView, type JoinOptions } from '../sample-game/shared/messages.ts';
import { Predictor } from '../sample-game/shared/prediction.ts';
import type { Body, Controls } from '../sample-game/shared/sim.ts';
import { decodeSnapshot } from '../sample-game/shared/snapshot.ts';

export interface BotStats {
  reliableIn: number;
  unreliableIn: number;
  reliableOut: number;
  unreliableOut: number;
  /** Round trips measured with the room's ping (reliable channel), ms. */
  rtts: number[];
  drops: number;
  reconnects: number;
  errors: string[];
}

export interface BotOptions {
  name: string;
  color?: number;
  /** Join this room code instead of quick play. */
  code?: string;
  /** Create a private room (ignored with `code`). */
  createPrivate?: boolean;
  utp?: UtpClientOptions;
  /** Say hello in the chat once joined. */
  chat?: boolean;
}

export class Bot {
  readonly name: string;
  readonly stats: BotStats = {
    reliableIn: 0, unreliableIn: 0, reliableOut: 0, unreliableOut: 0, rtts: [], drops: 0, reconnects: 0, errors: [],
  };
  readonly predictor = new Predictor();
  /** Other players' bodies from the newest snapshot, by slot. */
  readonly others = new Map<number, Body>();
  /** Every slot seen in a snapshot other than ours. */
  readonly seenSlots = new Set<number>();
  room: Room<any, ArenaView> | null = null;
  slot = -1;
  left = false;
  /** The score when the bot left. */
  finalScore = 0;
  readonly #options: BotOptions;
  readonly #sdk: UtpSDK;
  #timer: ReturnType<typeof setInterval> | null = null;
  #pingTimer: ReturnType<typeof setInterval> | null = null;
  #snapshotTick = 0;
  #wander = Math.random() * Math.PI * 2;
  #leaving = false;

  constructor(url: string, options: BotOptions) {
    this.name = options.name;
    this.#options = options;
    this.#sdk = new UtpSDK(url, { utp: { carrier: 'udp', ...options.utp } });
  }

  get score(): number {
    return this.room?.state.players?.get(this.room.sessionId)?.score ?? 0;
  }

  /** Joins (quick play, a code, or a new private room) and starts playing. */
  async join(): Promise<void> {
    const o = this.#options;
    const options: JoinOptions = { name: o.name, color: o.color ?? Math.floor(Math.random() * COLORS.length) };
    const room = o.code
      ? await this.#sdk.joinById<ArenaView>(o.code, options)
      : o.createPrivate
        ? await this.#sdk.create<ArenaView>(ROOM_NAME, { ...options, private: true })
        : await this.#sdk.joinOrCreate<ArenaView>(ROOM_NAME, options);
    this.room = room;
    room.reconnection.minUptime = 0;
    room.onMessage(MSG.snapshot, (bytes: Uint8Array) => this.#onSnapshot(bytes));
    for (const type of [MSG.chat, MSG.pickup, MSG.tag, MSG.round]) room.onMessage(type, () => { this.stats.reliableIn++; });
    room.onStateChange(() => { this.stats.reliableIn++; });
    room.onDrop(() => { this.stats.drops++; });
    room.onReconnect(() => { this.stats.reconnects++; });
    room.onError((code, message) => { this.stats.errors.push(`${this.name}: room error ${code} ${message ?? ''}`); });
    room.onLeave((code) => {
      this.left = true;
      this.#stopTimers();
      if (!this.#leaving) this.stats.errors.push(`${this.name}: left unexpectedly (code ${code})`);
    });
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#pingTimer = setInterval(() => {
      // The SDK's own figure has millisecond granularity: time it here instead.
      const sent = performance.now();
      this.room?.ping(() => { this.stats.rtts.push(performance.now() - sent); });
    }, 500);
    if (o.chat) this.say(`hi, ${o.name} here`);
  }

  say(text: string): void {
    if (!this.room?.connection?.isOpen) return;
    this.room.send(MSG.chat, text);
    this.stats.reliableOut++;
  }

  /** Leaves with a consented close; resolves with the close code (4000). */
  async leave(): Promise<number> {
    this.#leaving = true;
    this.#stopTimers();
    this.finalScore = this.score;
    if (!this.room || this.left) return 0;
    return this.room.leave(true);
  }

  #stopTimers(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#timer = this.#pingTimer = null;
  }

  #onSnapshot(bytes: Uint8Array): void {
    this.stats.unreliableIn++;
    const snap = decodeSnapshot(bytes);
    const room = this.room;
    if (!snap || !room || snap.tick <= this.#snapshotTick) return;
    this.#snapshotTick = snap.tick;
    this.slot = room.state.players?.get(room.sessionId)?.slot ?? this.slot;
    this.others.clear();
    for (const entry of snap.players) {
      if (entry.slot === this.slot) this.predictor.reconcile(entry.body, snap.ack);
      else {
        this.others.set(entry.slot, entry.body);
        this.seenSlots.add(entry.slot);
      }
    }
  }

  #tick(): void {
    const room = this.room;
    if (!room?.connection?.isOpen || this.slot < 0) return;
    this.predictor.tick(this.#decide());
    room.sendUnreliable(MSG.input, this.predictor.packet());
    this.stats.unreliableOut++;
  }

  /** Steering: dash at a nearby player with points, else go for the nearest orb, else wander. */
  #decide(): Controls {
    const me = this.predictor.body;
    const state = this.room!.state;
    const scores = new Map<number, number>();
    state.players?.forEach((p) => scores.set(p.slot, p.score));
    let target: { x: number; y: number } | null = null;
    let dash = false;
    if (me.cooldown === 0 && me.stun === 0) {
      let best = 230;
      for (const [slot, b] of this.others) {
        const d = Math.hypot(b.x - me.x, b.y - me.y);
        if (b.stun === 0 && (scores.get(slot) ?? 0) > 0 && d < best) { best = d; target = b; }
      }
      if (target) dash = best < 140;
    }
    if (!target) {
      let best = Infinity;
      state.orbs?.forEach((o) => {
        const d = Math.hypot(o.x - me.x, o.y - me.y) / o.value;
        if (d < best) { best = d; target = o; }
      });
    }
    if (!target) {
      this.#wander += (Math.random() - 0.5) * 0.3;
      return { mx: Math.cos(this.#wander), my: Math.sin(this.#wander), dash: false };
    }
    const t = target as { x: number; y: number };
    const dx = t.x - me.x;
    const dy = t.y - me.y;
    const len = Math.hypot(dx, dy) || 1;
    // A little sideways drift keeps bots from pressing straight into a pillar.
    const side = Math.sin(this.predictor.seq / 9) * 0.25;
    return { mx: dx / len - (dy / len) * side, my: dy / len + (dx / len) * side, dash };
  }
}
