// One player's movement, stepped one tick per input: the server's authority and the client's prediction run this
// same function, so replaying the same inputs from the same state gives the same result bit for bit. State is
// kept in float32 (`Math.fround`) — what snapshots carry — and only + − × ÷ and √ are used (exact in every engine).
import {
  ACCEL, ARENA_HEIGHT, ARENA_WIDTH, DASH_COOLDOWN_TICKS, DASH_SPEED, DASH_TICKS, DT, MAX_SPEED, PILLARS,
  PLAYER_RADIUS, STUN_ACCEL,
} from './constants.ts';

/** A player's simulated state. */
export interface Body {
  x: number;
  y: number;
  vx: number;
  vy: number;
  /** Facing (unit vector): where a dash goes. */
  fx: number;
  fy: number;
  /** Ticks of dash left (dashing while > 0). */
  dash: number;
  /** Ticks until the next dash. */
  cooldown: number;
  /** Ticks of stun left (just tagged). */
  stun: number;
}

/** What a player wants during one tick: a direction (length ≤ 1) and the dash button. */
export interface Controls {
  mx: number;
  my: number;
  dash: boolean;
}

const f = Math.fround;

export function createBody(x: number, y: number): Body {
  return { x: f(x), y: f(y), vx: 0, vy: 0, fx: 1, fy: 0, dash: 0, cooldown: 0, stun: 0 };
}

export function copyBody(from: Body, to: Body = createBody(0, 0)): Body {
  to.x = from.x; to.y = from.y; to.vx = from.vx; to.vy = from.vy; to.fx = from.fx; to.fy = from.fy;
  to.dash = from.dash; to.cooldown = from.cooldown; to.stun = from.stun;
  return to;
}

/** Advances `b` by one tick under `c`, in place. */
export function stepBody(b: Body, c: Controls): Body {
  let mx = c.mx;
  let my = c.my;
  const len = Math.sqrt(mx * mx + my * my);
  if (len > 1) { mx /= len; my /= len; }
  if (len > 0.2) {
    const n = len > 1 ? 1 : len;
    b.fx = f(mx / n);
    b.fy = f(my / n);
  }

  if (b.dash > 0) {
    b.dash--;
    b.vx = f(b.fx * DASH_SPEED);
    b.vy = f(b.fy * DASH_SPEED);
  } else if (c.dash && b.cooldown === 0 && b.stun === 0) {
    b.dash = DASH_TICKS - 1;
    b.cooldown = DASH_COOLDOWN_TICKS;
    b.vx = f(b.fx * DASH_SPEED);
    b.vy = f(b.fy * DASH_SPEED);
  } else {
    const k = b.stun > 0 ? STUN_ACCEL : ACCEL;
    b.vx = f(b.vx + (mx * MAX_SPEED - b.vx) * k);
    b.vy = f(b.vy + (my * MAX_SPEED - b.vy) * k);
  }
  if (b.cooldown > 0) b.cooldown--;
  if (b.stun > 0) b.stun--;

  b.x = f(b.x + b.vx * DT);
  b.y = f(b.y + b.vy * DT);
  collide(b);
  return b;
}

/** Keeps a body inside the arena and out of the pillars, removing the velocity that pushes into them. */
export function collide(b: Body): void {
  const r = PLAYER_RADIUS;
  if (b.x < r) { b.x = r; if (b.vx < 0) b.vx = 0; }
  if (b.x > ARENA_WIDTH - r) { b.x = ARENA_WIDTH - r; if (b.vx > 0) b.vx = 0; }
  if (b.y < r) { b.y = r; if (b.vy < 0) b.vy = 0; }
  if (b.y > ARENA_HEIGHT - r) { b.y = ARENA_HEIGHT - r; if (b.vy > 0) b.vy = 0; }
  for (const p of PILLARS) {
    const dx = b.x - p.x;
    const dy = b.y - p.y;
    const min = p.r + r;
    const d2 = dx * dx + dy * dy;
    if (d2 >= min * min) continue;
    const d = Math.sqrt(d2);
    const nx = d > 0 ? dx / d : 1;
    const ny = d > 0 ? dy / d : 0;
    b.x = f(p.x + nx * min);
    b.y = f(p.y + ny * min);
    const into = b.vx * nx + b.vy * ny;
    if (into < 0) {
      b.vx = f(b.vx - into * nx);
      b.vy = f(b.vy - into * ny);
    }
  }
}

/** True when a point is free for a body (spawns, orbs): inside the arena with `margin`, away from pillars. */
export function isFree(x: number, y: number, margin: number): boolean {
  if (x < margin || y < margin || x > ARENA_WIDTH - margin || y > ARENA_HEIGHT - margin) return false;
  for (const p of PILLARS) {
    const dx = x - p.x;
    const dy = y - p.y;
    if (dx * dx + dy * dy < (p.r + margin) * (p.r + margin)) return false;
  }
  return true;
}
