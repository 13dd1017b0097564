// Scoring and tagging rules: pure functions the server's world applies each tick (and the tests check).
import { GOLD_ORB_CHANCE, GOLD_ORB_VALUE, ORB_RADIUS, ORB_VALUE, PLAYER_RADIUS, STEAL_SHARE } from './constants.ts';
import type { Body } from './sim.ts';

/** Points a tag takes from a victim holding `score`: a quarter, rounded up (so 1 when they have any). */
export function stealAmount(score: number): number {
  if (score <= 0) return 0;
  return Math.min(score, Math.ceil(score * STEAL_SHARE));
}

/** True when `a`, dashing, tags `b`: they touch, `b` is not stunned (recently tagged) and both are in play. */
export function canTag(a: Body, b: Body): boolean {
  if (a === b || a.dash <= 0 || b.stun > 0 || a.stun > 0) return false;
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  const reach = PLAYER_RADIUS * 2;
  return dx * dx + dy * dy < reach * reach;
}

/** True when a body touches an orb at (x, y). */
export function touchesOrb(b: Body, x: number, y: number): boolean {
  const dx = b.x - x;
  const dy = b.y - y;
  const reach = PLAYER_RADIUS + ORB_RADIUS;
  return dx * dx + dy * dy < reach * reach;
}

/** The value of a new orb, from a uniform random number in [0, 1). */
export function orbValue(random: number): number {
  return random < GOLD_ORB_CHANCE ? GOLD_ORB_VALUE : ORB_VALUE;
}

/** How many orbs the arena holds with `players` players. */
export function orbTarget(players: number): number {
  return Math.min(40, 12 + players * 2);
}

export interface ScoreLine {
  name: string;
  color: number;
  score: number;
}

/** Scores best first; ties by name, so everyone sees the same order. */
export function rankScores<T extends ScoreLine>(lines: readonly T[]): T[] {
  return [...lines].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
}

/** `m:ss` for a number of seconds. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A deterministic random generator (mulberry32), for a world that tests can replay. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
