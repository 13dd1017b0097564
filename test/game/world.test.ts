// The server's world, tick by tick: rounds, orbs, tags, disconnected players.
import { describe, expect, it } from 'vitest';
import { KNOCKBACK_SPEED, STUN_TICKS, TICK_RATE } from '../../sample-game/shared/constants.ts';
import { makeInput } from '../../sample-game/shared/input.ts';
import { ArenaWorld, type WorldEvent } from '../../server/world.ts';

const seqs = new WeakMap<object, number>();
/** Sends the player's next input (its own sequence numbers). */
function feed(world: ArenaWorld, id: string, mx: number, my: number, dash = false): void {
  const p = world.players.get(id)!;
  const seq = Math.max(seqs.get(p) ?? 0, p.inputs.ack) + 1;
  seqs.set(p, seq);
  world.receiveInputs(id, [makeInput(seq, mx, my, dash)]);
}

describe('ArenaWorld', () => {
  it('waits for two players, then runs a round, an intermission with the scoreboard, and a fresh round', () => {
    const world = new ArenaWorld({ roundSeconds: 1, intermissionSeconds: 0.5, seed: 1 });
    world.addPlayer('a', 'Ada', 1);
    world.step();
    expect(world.phase).toBe('waiting');
    world.addPlayer('b', 'Bob', 2);
    const start = world.step();
    expect(start).toContainEqual({ type: 'round', phase: 'playing', round: 1, board: [] });
    expect(world.timeLeft).toBe(1);
    world.players.get('a')!.score = 7;
    const events: WorldEvent[] = [];
    for (let i = 0; i < TICK_RATE; i++) events.push(...world.step());
    const end = events.find((e) => e.type === 'round' && e.phase === 'intermission');
    expect(end).toMatchObject({ round: 1, board: [{ name: 'Ada', score: 7 }, { name: 'Bob', score: 0 }] });
    expect(world.phase).toBe('intermission');
    for (let i = 0; i < TICK_RATE / 2; i++) world.step();
    expect(world.phase).toBe('playing');
    expect(world.round).toBe(2);
    expect(world.players.get('a')!.score).toBe(0);
  });

  it('falls back to waiting when players leave during the intermission', () => {
    const world = new ArenaWorld({ roundSeconds: 0.1, intermissionSeconds: 0.1, seed: 1 });
    world.addPlayer('a', 'A', 0);
    world.addPlayer('b', 'B', 0);
    for (let i = 0; i < 4; i++) world.step();
    expect(world.phase).toBe('intermission');
    world.removePlayer('b');
    for (let i = 0; i < 4; i++) world.step();
    expect(world.phase).toBe('waiting');
  });

  it('collects orbs for points and refills them', () => {
    const world = new ArenaWorld({ seed: 3 });
    const a = world.addPlayer('a', 'A', 0)!;
    world.addPlayer('b', 'B', 0);
    world.step();                                   // round 1 starts, orbs placed
    const orb = [...world.orbs.values()][0];
    a.body.x = Math.fround(orb.x);
    a.body.y = Math.fround(orb.y);
    const events = world.step();
    expect(events).toContainEqual(expect.objectContaining({ type: 'pickup', orb: orb.id, slot: a.slot, value: orb.value }));
    expect(a.score).toBe(orb.value);
    expect(world.orbs.has(orb.id)).toBe(false);
    const count = world.orbs.size;
    for (let i = 0; i < 12; i++) world.step();
    expect(world.orbs.size).toBeGreaterThan(count);
  });

  it('a dash into another player steals points, stuns and knocks back; the victim is immune meanwhile', () => {
    const world = new ArenaWorld({ seed: 4 });
    const a = world.addPlayer('a', 'A', 0)!;
    const b = world.addPlayer('b', 'B', 0)!;
    world.step();
    world.orbs.clear();
    a.body.x = Math.fround(500); a.body.y = Math.fround(560);
    b.body.x = Math.fround(560); b.body.y = Math.fround(560);
    b.score = 12;
    feed(world, 'a', 1, 0, true);                  // dash towards b
    feed(world, 'b', 0, 0);
    const events = world.step();
    expect(events).toContainEqual(expect.objectContaining({ type: 'tag', by: a.slot, victim: b.slot, points: 3 }));
    expect(a.score).toBe(3);
    expect(b.score).toBe(9);
    expect(b.body.stun).toBe(STUN_TICKS);
    expect(b.body.vx).toBeCloseTo(KNOCKBACK_SPEED);
    expect(a.body.dash).toBe(0);
    // Immune while stunned, even to a fresh dash.
    a.body.cooldown = 0;
    a.body.x = b.body.x - 30;
    a.body.y = b.body.y;
    feed(world, 'a', 1, 0, true);
    expect(world.step().some((e) => e.type === 'tag')).toBe(false);
  });

  it('dropped players are neither tagged nor collect, and keep their score', () => {
    const world = new ArenaWorld({ seed: 5, minPlayers: 1 });
    const a = world.addPlayer('a', 'A', 0)!;
    const b = world.addPlayer('b', 'B', 0)!;
    world.step();
    b.score = 8;
    world.setConnected('b', false);
    a.body.x = Math.fround(500); a.body.y = Math.fround(560);
    b.body.x = Math.fround(540); b.body.y = Math.fround(560);
    feed(world, 'a', 1, 0, true);
    expect(world.step().some((e) => e.type === 'tag')).toBe(false);
    expect(b.score).toBe(8);
    world.setConnected('b', true);
    expect(world.players.get('b')!.score).toBe(8);
  });

  it('gives slots in order, reuses freed ones, and refuses a seventeenth player', () => {
    const world = new ArenaWorld({ seed: 6 });
    for (let i = 0; i < 16; i++) expect(world.addPlayer(`p${i}`, 'x', 0)!.slot).toBe(i);
    expect(world.addPlayer('extra', 'x', 0)).toBeNull();
    world.removePlayer('p3');
    expect(world.addPlayer('late', 'x', 0)!.slot).toBe(3);
  });

  it('bodies only move with inputs, each input once', () => {
    const world = new ArenaWorld({ seed: 7, minPlayers: 1 });
    const a = world.addPlayer('a', 'A', 0)!;
    world.step();
    const x = a.body.x;
    world.step();
    expect(a.body.x).toBe(x);                      // no input: waits
    for (let i = 0; i < 3; i++) feed(world, 'a', 1, 0);
    world.step();
    expect(a.body.x).toBeGreaterThan(x);
    expect(a.inputs.ack).toBe(1);                  // one input per tick (the rest wait)
    expect(a.inputs.backlog).toBe(2);
  });
});
