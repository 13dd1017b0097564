// Chat and names: what the server accepts (clean, short, not too often).
import { CHAT_BURST, CHAT_MAX_LENGTH, CHAT_REFILL_MS, COLORS, NAME_MAX_LENGTH } from './constants.ts';

/** A chat line made safe: control characters removed, spaces collapsed, cut to the limit; null when empty. */
export function cleanChat(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e]/g, '').replace(/\s+/g, ' ').trim();
  if (!clean) return null;
  return [...clean].slice(0, CHAT_MAX_LENGTH).join('');
}

/** A player name: letters, digits, spaces, `-` and `_`, at most NAME_MAX_LENGTH; `fallback` when nothing is left. */
export function cleanName(name: unknown, fallback = 'Player'): string {
  if (typeof name !== 'string') return fallback;
  const clean = name.replace(/[^\p{L}\p{N} _-]/gu, '').replace(/\s+/g, ' ').trim();
  return [...clean].slice(0, NAME_MAX_LENGTH).join('').trim() || fallback;
}

/** A colour index within the palette (a bad value becomes 0). */
export function cleanColor(color: unknown): number {
  return Number.isInteger(color) && (color as number) >= 0 && (color as number) < COLORS.length ? (color as number) : 0;
}

/** Token bucket: a burst of CHAT_BURST messages, then one per CHAT_REFILL_MS. Time comes from the caller. */
export class ChatLimiter {
  #tokens = CHAT_BURST;
  #last: number | null = null;

  /** True (and a token spent) when a message at `now` (ms) may go out. */
  allow(now: number): boolean {
    if (this.#last !== null) this.#tokens = Math.min(CHAT_BURST, this.#tokens + (now - this.#last) / CHAT_REFILL_MS);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
