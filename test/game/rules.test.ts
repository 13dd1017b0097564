// Scoring and tagging rules, chat and name hygiene, room codes, snapshots.
import { describe, expect, it } from 'vitest';
import { CHAT_BURST, CHAT_MAX_LENGTH, CHAT_REFILL_MS, NAME_MAX_LENGTH, PLAYER_RADIUS } from '../../sample-game/shared/constants.ts';
import { ChatLimiter, cleanChat, cleanColor, cleanName } from '../../sample-game/shared/chat.ts';
import { makeCode, normalizeCode } from '../../sample-game/shared/codes.ts';
import {
  canTag, formatClock, orbTarget, orbValue, rankScores, seededRandom, stealAmount, touchesOrb,
} from '../../sample-game/shared/rules.ts';
import { createBody } from '../../sample-game/shared/sim.ts';
import { decodeSnapshot, encodeSnapshot, setSnapshotAck } from '../../sample-game/shared/snapshot.ts';

describe('rules', () => {
  it('a tag steals a quarter, rounded up, never more than the victim has', () => {
    expect(stealAmount(0)).toBe(0);
    expect(stealAmount(1)).toBe(1);
    expect(stealAmount(4)).toBe(1);
    expect(stealAmount(5)).toBe(2);
    expect(stealAmount(40)).toBe(10);
  });

  it('only a dashing player tags, only a touching, unstunned one', () => {
    const a = createBody(100, 100);
    const b = createBody(100 + PLAYER_RADIUS * 2 - 1, 100);
    expect(canTag(a, b)).toBe(false);               // not dashing
    a.dash = 3;
    expect(canTag(a, b)).toBe(true);
    expect(canTag(a, a)).toBe(false);
    b.stun = 1;
    expect(canTag(a, b)).toBe(false);               // just tagged: immune
    b.stun = 0;
    b.x = 100 + PLAYER_RADIUS * 2 + 1;
    expect(canTag(a, b)).toBe(false);               // not touching
  });

  it('orbs: reach, value and how many', () => {
    const p = createBody(100, 100);
    expect(touchesOrb(p, 120, 100)).toBe(true);
    expect(touchesOrb(p, 140, 100)).toBe(false);
    expect(orbValue(0.01)).toBe(5);
    expect(orbValue(0.5)).toBe(1);
    expect(orbTarget(2)).toBe(16);
    expect(orbTarget(16)).toBe(40);
  });

  it('ranks scores, ties by name, and formats the clock', () => {
    const board = rankScores([{ name: 'b', color: 0, score: 3 }, { name: 'a', color: 1, score: 3 }, { name: 'c', color: 2, score: 9 }]);
    expect(board.map((l) => l.name)).toEqual(['c', 'a', 'b']);
    expect(formatClock(120)).toBe('2:00');
    expect(formatClock(61.2)).toBe('1:02');
    expect(formatClock(-3)).toBe('0:00');
  });

  it('seededRandom is reproducible', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    for (let i = 0; i < 5; i++) expect(a()).toBe(b());
  });
});

describe('chat and names', () => {
  it('cleans chat lines and rejects empty ones', () => {
    expect(cleanChat('  hello \n\t world  ')).toBe('hello world');
    expect(cleanChat('\u0000\u0007')).toBeNull();
    expect(cleanChat(42)).toBeNull();
    expect([...cleanChat('é'.repeat(500))!].length).toBe(CHAT_MAX_LENGTH);
  });

  it('rate-limits: a burst, then one per refill period', () => {
    const limiter = new ChatLimiter();
    let t = 1000;
    for (let i = 0; i < CHAT_BURST; i++) expect(limiter.allow(t)).toBe(true);
    expect(limiter.allow(t)).toBe(false);
    t += CHAT_REFILL_MS / 2;
    expect(limiter.allow(t)).toBe(false);
    t += CHAT_REFILL_MS / 2 + 1;
    expect(limiter.allow(t)).toBe(true);
    expect(limiter.allow(t)).toBe(false);
  });

  it('cleans names and colours', () => {
    expect(cleanName('  <b>Ada</b>  ')).toBe('bAdab');
    expect(cleanName('')).toBe('Player');
    expect(cleanName('x'.repeat(40)).length).toBe(NAME_MAX_LENGTH);
    expect(cleanName('Zoë_1-2')).toBe('Zoë_1-2');
    expect(cleanColor(3)).toBe(3);
    expect(cleanColor(99)).toBe(0);
    expect(cleanColor('2')).toBe(0);
  });
});

describe('room codes', () => {
  it('are four unambiguous letters; typing is forgiving', () => {
    const code = makeCode(seededRandom(1));
    expect(code).toMatch(/^[A-HJ-NP-Z]{4}$/);
    expect(normalizeCode(' ab-cd ')).toBe('ABCD');
    expect(normalizeCode('abc')).toBeNull();
    expect(normalizeCode('ABIO')).toBeNull();
  });
});

describe('snapshots', () => {
  it('round-trip every body exactly (float32 state) with a per-recipient ack', () => {
    const a = createBody(123.25, 456.5);
    a.vx = Math.fround(-12.3); a.dash = 3; a.cooldown = 40; a.stun = 7;
    const bytes = encodeSnapshot(77, 0, [{ slot: 3, body: a }, { slot: 9, body: createBody(1, 2) }]);
    setSnapshotAck(bytes, 1234);
    const snap = decodeSnapshot(bytes)!;
    expect(snap.tick).toBe(77);
    expect(snap.ack).toBe(1234);
    expect(snap.players[0]).toEqual({ slot: 3, body: a });
    expect(snap.players[1].slot).toBe(9);
    // Sixteen players fit one datagram with room to spare (unreliable messages must: about 1.3 KB).
    const full = encodeSnapshot(1, 1, Array.from({ length: 16 }, (_, slot) => ({ slot, body: a })));
    expect(full.length).toBe(9 + 16 * 28);
    expect(decodeSnapshot(bytes.subarray(0, 20))).toBeNull();
  });
});
