// The authoritative arena room: a fixed 30 Hz simulation (ArenaWorld), inputs in on the unreliable channel,
// snapshots out on the unreliable channel every tick, events and state on the reliable one.
import { Room, type Client } from '@colyseus/core';
import { cleanChat, cleanColor, cleanName, ChatLimiter } from '../sample-game/shared/chat.ts';
import { makeCode } from '../sample-game/shared/codes.ts';
import { MAX_PLAYERS, TICK_RATE } from '../sample-game/shared/constants.ts';
import { decodeInputs } from '../sample-game/shared/input.ts';
import { MSG, type ChatEvent, type JoinOptions } from '../sample-game/shared/messages.ts';
import { encodeSnapshot, setSnapshotAck } from '../sample-game/shared/snapshot.ts';
import { ArenaState, OrbState, PlayerState } from './state.ts';
import { ArenaWorld, type WorldOptions } from './world.ts';

/** Server-side settings of the room (given to `define`, so clients cannot override them). */
export interface ArenaConfig extends WorldOptions {
  /** How long a dropped player's seat and score are kept, in seconds. Default 30. */
  reconnectSeconds?: number;
}

/** Codes of the rooms of this process (the code is the roomId). */
const codes = new Set<string>();

function newCode(): string {
  for (;;) {
    const code = makeCode();
    if (!codes.has(code)) return code;
  }
}

export class ArenaRoom extends Room<{ state: ArenaState }> {
  override state = new ArenaState();
  override maxClients = MAX_PLAYERS;
  world!: ArenaWorld;
  #config: ArenaConfig = {};
  readonly #limiters = new Map<string, ChatLimiter>();
  readonly #orbs = new Set<number>();

  override onCreate(options: JoinOptions & { config?: ArenaConfig }): void {
    this.#config = options?.config ?? {};
    this.roomId = newCode();
    codes.add(this.roomId);
    this.state.code = this.roomId;
    if (options?.private) {
      this.state.isPrivate = true;
      void this.setPrivate(true);
    }
    this.patchRate = 1000 / TICK_RATE;
    // 30 inputs a second plus chat; a client far above that is broken or hostile (it gets disconnected).
    this.maxMessagesPerSecond = 200;
    this.world = new ArenaWorld(this.#config);

    this.onMessage(MSG.input, (client, bytes: Uint8Array) => {
      const inputs = decodeInputs(bytes);
      if (inputs) this.world.receiveInputs(client.sessionId, inputs);
    });
    this.onMessage(MSG.chat, (client, text: unknown) => {
      const player = this.world.players.get(client.sessionId);
      const clean = cleanChat(text);
      if (!player || !clean || !this.#limiters.get(client.sessionId)?.allow(Date.now())) return;
      this.broadcast(MSG.chat, { name: player.name, color: player.color, text: clean } satisfies ChatEvent);
    });
    this.setFixedTimestep(() => this.#tick(), TICK_RATE);
    this.#syncState();
  }

  override onJoin(client: Client, options: JoinOptions): void {
    const player = this.world.addPlayer(client.sessionId, cleanName(options?.name), cleanColor(options?.color));
    if (!player) throw new Error('the arena is full');
    this.#limiters.set(client.sessionId, new ChatLimiter());
    this.state.players.set(client.sessionId, new PlayerState({
      name: player.name, color: player.color, score: 0, slot: player.slot, connected: true,
    }));
  }

  override async onDrop(client: Client): Promise<void> {
    this.#setConnected(client.sessionId, false);
    await this.allowReconnection(client, this.#config.reconnectSeconds ?? 30);
  }

  override onReconnect(client: Client): void {
    this.#setConnected(client.sessionId, true);
  }

  override onLeave(client: Client): void {
    this.world.removePlayer(client.sessionId);
    this.state.players.delete(client.sessionId);
    this.#limiters.delete(client.sessionId);
  }

  override onDispose(): void {
    codes.delete(this.roomId);
  }

  #setConnected(sessionId: string, connected: boolean): void {
    this.world.setConnected(sessionId, connected);
    const p = this.state.players.get(sessionId);
    if (p) p.connected = connected;
  }

  #tick(): void {
    for (const e of this.world.step()) {
      if (e.type === 'pickup') this.broadcast(MSG.pickup, { slot: e.slot, x: e.x, y: e.y, value: e.value });
      else if (e.type === 'tag') this.broadcast(MSG.tag, { by: e.by, victim: e.victim, points: e.points, x: e.x, y: e.y });
      else this.broadcast(MSG.round, { phase: e.phase, round: e.round, board: e.board });
    }
    this.#syncState();
    this.#sendSnapshots();
  }

  /** Mirrors the world into the schema (only what changed is sent, in the next reliable patch). */
  #syncState(): void {
    const s = this.state;
    const w = this.world;
    if (s.phase !== w.phase) s.phase = w.phase;
    if (s.timeLeft !== w.timeLeft) s.timeLeft = w.timeLeft;
    if (s.round !== w.round) s.round = w.round;
    for (const p of w.players.values()) {
      const view = s.players.get(p.id);
      if (view && view.score !== p.score) view.score = p.score;
    }
    for (const id of this.#orbs) {
      if (w.orbs.has(id)) continue;
      s.orbs.delete(String(id));
      this.#orbs.delete(id);
    }
    for (const orb of w.orbs.values()) {
      if (this.#orbs.has(orb.id)) continue;
      s.orbs.set(String(orb.id), new OrbState({ x: orb.x, y: orb.y, value: orb.value }));
      this.#orbs.add(orb.id);
    }
  }

  /** Every body, to every client, with that client's input ack. */
  #sendSnapshots(): void {
    if (this.clients.length === 0) return;
    const entries = [...this.world.players.values()].map((p) => ({ slot: p.slot, body: p.body }));
    const bytes = encodeSnapshot(this.world.tick, 0, entries);
    for (const client of this.clients) {
      const player = this.world.players.get(client.sessionId);
      if (!player) continue;
      setSnapshotAck(bytes, player.inputs.ack);
      client.sendUnreliable?.(MSG.snapshot, bytes);
    }
  }
}
