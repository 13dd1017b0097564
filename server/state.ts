// The arena's Colyseus state: what changes rarely and must arrive (reliable patches). Positions do not live here:
// they travel as unreliable snapshots every tick (see sample-game/shared/snapshot.ts).
import { schema, t, type SchemaType } from '@colyseus/schema';

export const PlayerState = schema({
  name: t.string(),
  /** Index in COLORS. */
  color: t.uint8().default(0),
  score: t.uint32().default(0),
  /** The player's slot: how snapshots name it. */
  slot: t.uint8().default(0),
  /** False while the player is dropped and may reconnect. */
  connected: t.boolean().default(true),
}, 'ArenaPlayer');
export type PlayerState = SchemaType<typeof PlayerState>;

export const OrbState = schema({
  x: t.uint16().default(0),
  y: t.uint16().default(0),
  value: t.uint8().default(1),
}, 'ArenaOrb');
export type OrbState = SchemaType<typeof OrbState>;

export const ArenaState = schema({
  players: t.map(PlayerState),
  orbs: t.map(OrbState),
  /** 'waiting' | 'playing' | 'intermission'. */
  phase: t.string().default('waiting'),
  /** Seconds left in the phase. */
  timeLeft: t.uint16().default(0),
  round: t.uint16().default(0),
  /** The room code (= roomId). */
  code: t.string().default(''),
  isPrivate: t.boolean().default(false),
}, 'ArenaState');
export type ArenaState = SchemaType<typeof ArenaState>;
