// The shared movement step: deterministic, float32 state, speed and dash rules, walls and pillars.
import { describe, expect, it } from 'vitest';
import {
  ARENA_HEIGHT, ARENA_WIDTH, DASH_COOLDOWN_TICKS, DASH_SPEED, DASH_TICKS, MAX_SPEED, PILLARS, PLAYER_RADIUS,
} from '../../sample-game/shared/constants.ts';
import { copyBody, createBody, isFree, stepBody, type Body } from '../../sample-game/shared/sim.ts';
import { makeInput } from '../../sample-game/shared/input.ts';
import { seededRandom } from '../../sample-game/shared/rules.ts';
import { spawnPoint } from '../../server/world.ts';

function randomInputs(n: number, seed: number) {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => makeInput(i + 1, r() * 2 - 1, r() * 2 - 1, r() < 0.05));
}

const isF32 = (b: Body) => [b.x, b.y, b.vx, b.vy, b.fx, b.fy].every((v) => Math.fround(v) === v);

describe('sim: stepBody', () => {
  it('is deterministic and replayable from any intermediate state', () => {
    const inputs = randomInputs(600, 7);
    const a = createBody(800, 200);
    const mid: Body[] = [];
    for (const input of inputs) { stepBody(a, input); mid.push(copyBody(a)); }
    const b = copyBody(mid[299]);
    for (const input of inputs.slice(300)) stepBody(b, input);
    expect(b).toEqual(a);
    expect(mid.every(isF32)).toBe(true);
  });

  it('accelerates towards top speed and no further; a diagonal is not faster', () => {
    const b = createBody(100, 550);
    for (let i = 0; i < 60; i++) stepBody(b, { mx: 1, my: 0, dash: false });
    expect(b.vx).toBeGreaterThan(MAX_SPEED * 0.99);
    expect(b.vx).toBeLessThanOrEqual(MAX_SPEED + 1e-3);
    const d = createBody(300, 300);
    for (let i = 0; i < 60; i++) stepBody(d, { mx: 1, my: 1, dash: false });
    expect(Math.hypot(d.vx, d.vy)).toBeLessThanOrEqual(MAX_SPEED + 1e-3);
  });

  it('dashes in the facing direction for DASH_TICKS, then cools down', () => {
    const b = createBody(200, 550);
    stepBody(b, { mx: 0, my: 0, dash: true });
    expect(b.vx).toBeCloseTo(DASH_SPEED);
    for (let i = 1; i < DASH_TICKS; i++) stepBody(b, { mx: 0, my: 0, dash: true });
    expect(b.dash).toBe(0);
    stepBody(b, { mx: 0, my: 0, dash: true });
    expect(b.vx).toBeLessThan(DASH_SPEED);          // no new dash while cooling down
    expect(b.cooldown).toBeGreaterThan(0);
    for (let i = 0; i < DASH_COOLDOWN_TICKS; i++) stepBody(b, { mx: 0, my: 1, dash: false });
    expect(b.cooldown).toBe(0);
    stepBody(b, { mx: 0, my: 1, dash: true });
    expect(b.vy).toBeCloseTo(DASH_SPEED);            // facing follows the stick
  });

  it('a stunned body cannot dash', () => {
    const b = createBody(200, 550);
    b.stun = 5;
    stepBody(b, { mx: 1, my: 0, dash: true });
    expect(b.dash).toBe(0);
    expect(b.stun).toBe(4);
  });

  it('stays inside the walls and slides around pillars', () => {
    const b = createBody(50, 50);
    for (let i = 0; i < 60; i++) stepBody(b, { mx: -1, my: -1, dash: i % 50 === 0 });
    expect(b.x).toBe(PLAYER_RADIUS);
    expect(b.y).toBe(PLAYER_RADIUS);
    const e = createBody(ARENA_WIDTH - 50, ARENA_HEIGHT - 50);
    for (let i = 0; i < 60; i++) stepBody(e, { mx: 1, my: 1, dash: false });
    expect(e.x).toBe(ARENA_WIDTH - PLAYER_RADIUS);
    expect(e.y).toBe(ARENA_HEIGHT - PLAYER_RADIUS);
    const p = PILLARS[0];
    const c = createBody(p.x - 200, p.y + 5);
    for (let i = 0; i < 120; i++) {
      stepBody(c, { mx: 1, my: 0, dash: false });
      expect(Math.hypot(c.x - p.x, c.y - p.y)).toBeGreaterThanOrEqual(p.r + PLAYER_RADIUS - 1e-3);
    }
    expect(c.x).toBeGreaterThan(p.x);                // slid past it
  });

  it('spawn points are free', () => {
    for (let slot = 0; slot < 16; slot++) {
      const s = spawnPoint(slot);
      expect(isFree(s.x, s.y, PLAYER_RADIUS + 4)).toBe(true);
    }
  });
});
