// The room's protocol, shared by server, client and bots.
//
// Unreliable: `input` (client → server, encoded inputs, every client tick) and `snapshot` (server → client, every
// server tick). Reliable: everything that must not be lost — chat, pickups, tags, round changes — and the
// Colyseus state (names, colours, scores, orbs, round clock).

export const MSG = {
  input: 'i',
  snapshot: 's',
  chat: 'chat',
  pickup: 'pickup',
  tag: 'tag',
  round: 'round',
} as const;

/** Options of `joinOrCreate`/`create`/`joinById` for the arena. */
export interface JoinOptions {
  name?: string;
  /** Index in COLORS. */
  color?: number;
  /** `create` only: a room that quick play never fills; join it by its code. */
  private?: boolean;
}

export interface ChatEvent {
  name: string;
  color: number;
  text: string;
}

export interface PickupEvent {
  slot: number;
  x: number;
  y: number;
  value: number;
}

export interface TagEvent {
  by: number;
  victim: number;
  points: number;
  x: number;
  y: number;
}

/** `waiting`: fewer than MIN_PLAYERS connected (warm-up, the clock stands); `playing`; `intermission`: scoreboard. */
export type Phase = 'waiting' | 'playing' | 'intermission';

export interface RoundEvent {
  phase: Phase;
  round: number;
  /** Final standings when a round ends (intermission). */
  board: Array<{ name: string; color: number; score: number }>;
}

/** The synchronized state as clients read it (Colyseus schema on the server). */
export interface PlayerView {
  name: string;
  color: number;
  score: number;
  slot: number;
  connected: boolean;
}

export interface OrbView {
  x: number;
  y: number;
  value: number;
}

export interface ArenaView {
  players: Map<string, PlayerView>;
  orbs: Map<string, OrbView>;
  phase: Phase;
  timeLeft: number;
  round: number;
  code: string;
  isPrivate: boolean;
}
