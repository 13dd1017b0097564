// Tuning shared by the server's simulation and the client's prediction: both must step bodies identically.

/** Simulation ticks per second (server and client prediction). */
export const TICK_RATE = 30;
export const TICK_MS = 1000 / TICK_RATE;
/** Seconds per tick. */
export const DT = 1 / TICK_RATE;

export const ARENA_WIDTH = 1600;
export const ARENA_HEIGHT = 1100;

/** Round obstacles: bodies slide around them. */
export const PILLARS: ReadonlyArray<{ x: number; y: number; r: number }> = [
  { x: 800, y: 550, r: 70 },
  { x: 380, y: 300, r: 46 },
  { x: 1220, y: 300, r: 46 },
  { x: 380, y: 800, r: 46 },
  { x: 1220, y: 800, r: 46 },
];

export const PLAYER_RADIUS = 20;
/** Top walking speed, px/s. */
export const MAX_SPEED = 290;
/** Share of the gap to the wanted velocity closed each tick (acceleration and braking). */
export const ACCEL = 0.22;
/** While stunned (just tagged) control is weaker. */
export const STUN_ACCEL = 0.06;
export const DASH_SPEED = 860;
export const DASH_TICKS = 6;
export const DASH_COOLDOWN_TICKS = 45;
/** After being tagged: no dash, cannot be tagged again. */
export const STUN_TICKS = 36;
export const KNOCKBACK_SPEED = 620;

export const ORB_RADIUS = 9;
export const ORB_VALUE = 1;
export const GOLD_ORB_VALUE = 5;
/** Chance that a new orb is golden. */
export const GOLD_ORB_CHANCE = 0.08;
/** Share of the victim's score a tag steals (rounded up; at least 1 when the victim has any). */
export const STEAL_SHARE = 0.25;

export const ROUND_SECONDS = 120;
export const INTERMISSION_SECONDS = 8;
export const MIN_PLAYERS = 2;
export const MAX_PLAYERS = 16;

/** Inputs repeated in each input packet: a lost packet loses nothing while one of the next 7 arrives. */
export const INPUT_REDUNDANCY = 8;
/** Interpolation delay for other players, ms. */
export const INTERPOLATION_MS = 100;

export const NAME_MAX_LENGTH = 14;
export const CHAT_MAX_LENGTH = 80;
/** Chat: a burst of this many messages, then one per `CHAT_REFILL_MS`. */
export const CHAT_BURST = 3;
export const CHAT_REFILL_MS = 2000;

/** Player colours (flat palette); players pick an index. */
export const COLORS: readonly number[] = [
  0xff5d5d, 0xff9f43, 0xfeca57, 0x1dd1a1, 0x48dbfb, 0x54a0ff,
  0x5f27cd, 0xff6bcb, 0x00d2d3, 0xc8d6e5, 0x10ac84, 0xee5253,
];

/** Name of the Colyseus room type. */
export const ROOM_NAME = 'arena';
