// The arena's authoritative simulation, free of Colyseus: players step through their own inputs, orbs spawn and
// get collected, dashes tag, rounds come and go. `step()` is one fixed tick; it returns what happened as events.
import {
  ARENA_HEIGHT, ARENA_WIDTH, INTERMISSION_SECONDS, KNOCKBACK_SPEED, MAX_PLAYERS, MIN_PLAYERS, ORB_RADIUS,
  PLAYER_RADIUS, ROUND_SECONDS, STUN_TICKS, TICK_RATE,
} from '../sample-game/shared/constants.ts';
import { InputBuffer } from '../sample-game/shared/input-buffer.ts';
import type { Input } from '../sample-game/shared/input.ts';
import type { Phase, PickupEvent, RoundEvent, TagEvent } from '../sample-game/shared/messages.ts';
import { canTag, orbTarget, orbValue, rankScores, seededRandom, stealAmount, touchesOrb } from '../sample-game/shared/rules.ts';
import { createBody, isFree, stepBody, type Body } from '../sample-game/shared/sim.ts';

export interface WorldPlayer {
  id: string;
  slot: number;
  name: string;
  color: number;
  score: number;
  body: Body;
  inputs: InputBuffer;
  connected: boolean;
}

export interface WorldOrb {
  id: number;
  x: number;
  y: number;
  value: number;
}

export type WorldEvent =
  | ({ type: 'pickup'; orb: number } & PickupEvent)
  | ({ type: 'tag' } & TagEvent)
  | ({ type: 'round' } & RoundEvent);

export interface WorldOptions {
  roundSeconds?: number;
  intermissionSeconds?: number;
  minPlayers?: number;
  seed?: number;
}

const f = Math.fround;

export class ArenaWorld {
  readonly players = new Map<string, WorldPlayer>();
  readonly orbs = new Map<number, WorldOrb>();
  tick = 0;
  round = 0;
  phase: Phase = 'waiting';
  readonly #roundTicks: number;
  readonly #intermissionTicks: number;
  readonly #minPlayers: number;
  readonly #random: () => number;
  #phaseTicks = 0;
  #nextOrb = 1;
  #events: WorldEvent[] = [];

  constructor(options: WorldOptions = {}) {
    this.#roundTicks = Math.round((options.roundSeconds ?? ROUND_SECONDS) * TICK_RATE);
    this.#intermissionTicks = Math.round((options.intermissionSeconds ?? INTERMISSION_SECONDS) * TICK_RATE);
    this.#minPlayers = options.minPlayers ?? MIN_PLAYERS;
    this.#random = seededRandom(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
    this.#fillOrbs();
  }

  /** Seconds left in the current phase (the round clock stands while waiting). */
  get timeLeft(): number {
    if (this.phase === 'waiting') return this.#roundTicks / TICK_RATE;
    return Math.ceil(this.#phaseTicks / TICK_RATE);
  }

  get connectedCount(): number {
    let n = 0;
    for (const p of this.players.values()) if (p.connected) n++;
    return n;
  }

  /** Adds a player in the lowest free slot, at its spawn point; null when the arena is full. */
  addPlayer(id: string, name: string, color: number): WorldPlayer | null {
    const used = new Set([...this.players.values()].map((p) => p.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    if (slot >= MAX_PLAYERS) return null;
    const spawn = spawnPoint(slot);
    const player: WorldPlayer = {
      id, slot, name, color, score: 0, body: createBody(spawn.x, spawn.y), inputs: new InputBuffer(), connected: true,
    };
    this.players.set(id, player);
    return player;
  }

  removePlayer(id: string): void {
    this.players.delete(id);
  }

  setConnected(id: string, connected: boolean): void {
    const p = this.players.get(id);
    if (p) p.connected = connected;
  }

  receiveInputs(id: string, inputs: readonly Input[]): void {
    this.players.get(id)?.inputs.receive(inputs);
  }

  /** One fixed tick. Returns the events of this tick (a fresh array). */
  step(): WorldEvent[] {
    this.tick++;
    this.#events = [];
    this.#advancePhase();
    for (const p of this.players.values()) {
      for (const input of p.inputs.take()) stepBody(p.body, input);
    }
    if (this.phase !== 'intermission') {
      this.#collectOrbs();
      this.#tag();
    }
    if (this.tick % 6 === 0) this.#fillOrbs(1);
    return this.#events;
  }

  #advancePhase(): void {
    const enough = this.connectedCount >= this.#minPlayers;
    if (this.phase === 'waiting') {
      if (enough) this.#startRound();
      return;
    }
    if (--this.#phaseTicks > 0) return;
    if (this.phase === 'playing') {
      this.phase = 'intermission';
      this.#phaseTicks = this.#intermissionTicks;
      this.#events.push({ type: 'round', phase: 'intermission', round: this.round, board: this.scoreboard() });
    } else if (enough) {
      this.#startRound();
    } else {
      this.phase = 'waiting';
      this.#events.push({ type: 'round', phase: 'waiting', round: this.round, board: [] });
    }
  }

  #startRound(): void {
    this.round++;
    this.phase = 'playing';
    this.#phaseTicks = this.#roundTicks;
    for (const p of this.players.values()) {
      p.score = 0;
      const spawn = spawnPoint(p.slot);
      p.body = createBody(spawn.x, spawn.y);
    }
    this.orbs.clear();
    this.#fillOrbs();
    this.#events.push({ type: 'round', phase: 'playing', round: this.round, board: [] });
  }

  scoreboard(): RoundEvent['board'] {
    return rankScores([...this.players.values()].map((p) => ({ name: p.name, color: p.color, score: p.score })));
  }

  #collectOrbs(): void {
    for (const p of this.players.values()) {
      if (!p.connected) continue;
      for (const orb of this.orbs.values()) {
        if (!touchesOrb(p.body, orb.x, orb.y)) continue;
        p.score += orb.value;
        this.orbs.delete(orb.id);
        this.#events.push({ type: 'pickup', orb: orb.id, slot: p.slot, x: orb.x, y: orb.y, value: orb.value });
      }
    }
  }

  #tag(): void {
    for (const a of this.players.values()) {
      if (!a.connected || a.body.dash <= 0) continue;
      for (const b of this.players.values()) {
        if (b === a || !b.connected || !canTag(a.body, b.body)) continue;
        const points = stealAmount(b.score);
        b.score -= points;
        a.score += points;
        let dx = b.body.x - a.body.x;
        let dy = b.body.y - a.body.y;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d > 0.001) { dx /= d; dy /= d; } else { dx = a.body.fx; dy = a.body.fy; }
        b.body.vx = f(dx * KNOCKBACK_SPEED);
        b.body.vy = f(dy * KNOCKBACK_SPEED);
        b.body.stun = STUN_TICKS;
        b.body.dash = 0;
        a.body.dash = 0;
        this.#events.push({ type: 'tag', by: a.slot, victim: b.slot, points, x: (a.body.x + b.body.x) / 2, y: (a.body.y + b.body.y) / 2 });
        break;
      }
    }
  }

  /** Spawns orbs up to the target (at most `limit` now), away from pillars and players. */
  #fillOrbs(limit = Infinity): void {
    const target = orbTarget(this.players.size);
    for (let n = 0; this.orbs.size < target && n < limit; n++) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const x = Math.round(40 + this.#random() * (ARENA_WIDTH - 80));
        const y = Math.round(40 + this.#random() * (ARENA_HEIGHT - 80));
        if (!isFree(x, y, ORB_RADIUS + 12) || this.#nearPlayer(x, y)) continue;
        const id = this.#nextOrb++;
        this.orbs.set(id, { id, x, y, value: orbValue(this.#random()) });
        break;
      }
    }
  }

  #nearPlayer(x: number, y: number): boolean {
    for (const p of this.players.values()) {
      const dx = p.body.x - x;
      const dy = p.body.y - y;
      if (dx * dx + dy * dy < (PLAYER_RADIUS * 3) ** 2) return true;
    }
    return false;
  }
}

/** Slot `slot`'s spawn point: sixteen places on an ellipse around the centre pillar. */
export function spawnPoint(slot: number): { x: number; y: number } {
  const angle = (slot / MAX_PLAYERS) * Math.PI * 2 + Math.PI / 16;
  return {
    x: Math.round(ARENA_WIDTH / 2 + Math.cos(angle) * ARENA_WIDTH * 0.42),
    y: Math.round(ARENA_HEIGHT / 2 + Math.sin(angle) * ARENA_HEIGHT * 0.4),
  };
}
