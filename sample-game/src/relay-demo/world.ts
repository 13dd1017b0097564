// The relay demo's game: coloured dots in a box. The host's tab owns the only copy that matters; it steps it on
// a fixed tick from each player's keys. Pure (no DOM, no network): test/game/relay-demo.test.ts runs it in Node.
import { COLORS } from '../../shared/constants.ts';

export const BOX_WIDTH = 800;
export const BOX_HEIGHT = 480;
export const DOT_RADIUS = 16;
/** Top speed, units per second. */
export const SPEED = 260;
/** Share of the gap to the wanted velocity closed per tick. */
const ACCEL = 0.25;
export const TICK_HZ = 30;
export const TICK_MS = 1000 / TICK_HZ;
/** Players per game, the host included (the allocation takes MAX_PLAYERS − 1 joiners). */
export const MAX_PLAYERS = 8;

/** Bits of a player's key mask. */
export const Keys = { Up: 1, Down: 2, Left: 4, Right: 8 } as const;

export interface Dot {
  /** 0 is the host; each joiner gets the smallest free id from 1 (so at most MAX_PLAYERS − 1). */
  readonly id: number;
  readonly name: string;
  /** `0xRRGGBB`. */
  readonly color: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** The latest key mask (`Keys`) of this player. */
  keys: number;
}

/** A new dot for player `id`, placed on a ring around the middle so that newcomers do not overlap. */
export function spawnDot(id: number, name: string): Dot {
  const angle = id * 2.399963; // golden angle
  const r = id === 0 ? 0 : 90 + 25 * (id % 4);
  return {
    id, name, color: COLORS[id % COLORS.length], keys: 0, vx: 0, vy: 0,
    x: BOX_WIDTH / 2 + Math.cos(angle) * r, y: BOX_HEIGHT / 2 + Math.sin(angle) * r,
  };
}

/** One tick: velocities ease towards the keys' direction, dots move, stay in the box and push each other apart. */
export function step(dots: readonly Dot[], dt = 1 / TICK_HZ): void {
  for (const d of dots) {
    let ix = ((d.keys & Keys.Right) ? 1 : 0) - ((d.keys & Keys.Left) ? 1 : 0);
    let iy = ((d.keys & Keys.Down) ? 1 : 0) - ((d.keys & Keys.Up) ? 1 : 0);
    const len = Math.hypot(ix, iy);
    if (len > 0) { ix /= len; iy /= len; }
    d.vx += (ix * SPEED - d.vx) * ACCEL;
    d.vy += (iy * SPEED - d.vy) * ACCEL;
    if (Math.abs(d.vx) < 1 && !ix) d.vx = 0;
    if (Math.abs(d.vy) < 1 && !iy) d.vy = 0;
    moveBy(d, d.vx * dt, d.vy * dt);
    if ((d.x <= DOT_RADIUS && d.vx < 0) || (d.x >= BOX_WIDTH - DOT_RADIUS && d.vx > 0)) d.vx = 0; // stopped by a wall
    if ((d.y <= DOT_RADIUS && d.vy < 0) || (d.y >= BOX_HEIGHT - DOT_RADIUS && d.vy > 0)) d.vy = 0;
  }
  for (let i = 0; i < dots.length; i++) {
    for (let j = i + 1; j < dots.length; j++) {
      const a = dots[i], b = dots[j];
      const dx = b.x - a.x, dy = b.y - a.y;
      const dist = Math.hypot(dx, dy);
      const overlap = 2 * DOT_RADIUS - dist;
      if (overlap <= 0) continue;
      const nx = dist > 0 ? dx / dist : 1, ny = dist > 0 ? dy / dist : 0;
      // Each gives way by half; what a wall stops one from giving, the other gives.
      const [mx, my] = moveBy(a, -nx * overlap / 2, -ny * overlap / 2);
      moveBy(b, nx * overlap + mx, ny * overlap + my);
    }
  }
}

/** Moves `d` by (dx, dy), stopping at the walls; returns how far it went. */
function moveBy(d: Dot, dx: number, dy: number): [number, number] {
  const x = Math.min(BOX_WIDTH - DOT_RADIUS, Math.max(DOT_RADIUS, d.x + dx));
  const y = Math.min(BOX_HEIGHT - DOT_RADIUS, Math.max(DOT_RADIUS, d.y + dy));
  const moved: [number, number] = [x - d.x, y - d.y];
  d.x = x;
  d.y = y;
  return moved;
}
