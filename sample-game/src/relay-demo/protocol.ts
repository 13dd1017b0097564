// The relay demo's messages. Unreliable pipeline: small binary packets (keys 30×/s from each joiner, the dots'
// positions 30×/s from the host, pings both ways). Reliable pipeline: JSON for events (hello, welcome, join,
// leave, chat). Everything received is untrusted: decoders return null for anything malformed.
import { cleanChat, cleanName } from '../../shared/chat.ts';
import { BOX_HEIGHT, BOX_WIDTH } from './world.ts';

/** First byte of an unreliable packet. */
export const Packet = { Input: 1, State: 2, Ping: 3, Pong: 4 } as const;

/** Positions travel as unsigned 16-bit fixed point, 1/64 unit. */
const SCALE = 64;

export interface PlayerInfo { id: number; name: string; color: number }
export interface Position { id: number; x: number; y: number }

/** Reliable messages, joiner → host. */
export type GuestMessage = { t: 'hello'; name: string } | { t: 'chat'; text: string };
/** Reliable messages, host → joiners. */
export type HostMessage =
  | { t: 'welcome'; you: number; players: PlayerInfo[] }
  | { t: 'join'; player: PlayerInfo }
  | { t: 'leave'; id: number }
  | { t: 'chat'; id: number; text: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(message: GuestMessage | HostMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

function parse(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(decoder.decode(bytes));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;

function playerInfo(v: unknown): PlayerInfo | null {
  if (typeof v !== 'object' || v === null) return null;
  const p = v as Record<string, unknown>;
  if (!isId(p.id) || typeof p.name !== 'string' || !Number.isInteger(p.color)) return null;
  return { id: p.id, name: cleanName(p.name), color: (p.color as number) & 0xffffff };
}

/** A joiner's reliable message as the host accepts it (names and chat cleaned), or null. */
export function decodeGuestMessage(bytes: Uint8Array): GuestMessage | null {
  const m = parse(bytes);
  if (m?.t === 'hello') return { t: 'hello', name: cleanName(m.name, 'Guest') };
  if (m?.t === 'chat') {
    const text = cleanChat(m.text);
    return text === null ? null : { t: 'chat', text };
  }
  return null;
}

/** The host's reliable message, or null. */
export function decodeHostMessage(bytes: Uint8Array): HostMessage | null {
  const m = parse(bytes);
  switch (m?.t) {
    case 'welcome': {
      if (!isId(m.you) || !Array.isArray(m.players)) return null;
      const players = m.players.map(playerInfo);
      return players.every((p) => p !== null) ? { t: 'welcome', you: m.you, players: players as PlayerInfo[] } : null;
    }
    case 'join': {
      const player = playerInfo(m.player);
      return player ? { t: 'join', player } : null;
    }
    case 'leave': return isId(m.id) ? { t: 'leave', id: m.id } : null;
    case 'chat': {
      const text = cleanChat(m.text);
      return isId(m.id) && text !== null ? { t: 'chat', id: m.id, text } : null;
    }
    default: return null;
  }
}

/** `[Input][keys]`. */
export function encodeInput(keys: number): Uint8Array {
  return Uint8Array.of(Packet.Input, keys & 0x0f);
}

/** `[State][tick u16][count u8]` then `[id u8][x u16][y u16]` per dot (big-endian). */
export function encodeState(tick: number, dots: readonly Position[]): Uint8Array {
  const out = new Uint8Array(4 + dots.length * 5);
  const view = new DataView(out.buffer);
  out[0] = Packet.State;
  view.setUint16(1, tick & 0xffff);
  out[3] = dots.length;
  dots.forEach((d, i) => {
    const at = 4 + i * 5;
    out[at] = d.id;
    view.setUint16(at + 1, Math.round(Math.min(Math.max(d.x, 0), BOX_WIDTH) * SCALE));
    view.setUint16(at + 3, Math.round(Math.min(Math.max(d.y, 0), BOX_HEIGHT) * SCALE));
  });
  return out;
}

/** `[Ping|Pong][milliseconds f64]`. */
export function encodeTime(type: typeof Packet.Ping | typeof Packet.Pong, ms: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = type;
  new DataView(out.buffer).setFloat64(1, ms);
  return out;
}

export type UnreliablePacket =
  | { type: typeof Packet.Input; keys: number }
  | { type: typeof Packet.State; tick: number; dots: Position[] }
  | { type: typeof Packet.Ping | typeof Packet.Pong; ms: number };

/** An unreliable packet, or null when malformed. */
export function decodePacket(bytes: Uint8Array): UnreliablePacket | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case Packet.Input:
      return bytes.length === 2 ? { type: Packet.Input, keys: bytes[1] & 0x0f } : null;
    case Packet.State: {
      if (bytes.length < 4 || bytes.length !== 4 + bytes[3] * 5) return null;
      const dots: Position[] = [];
      for (let at = 4; at < bytes.length; at += 5) {
        dots.push({ id: bytes[at], x: view.getUint16(at + 1) / SCALE, y: view.getUint16(at + 3) / SCALE });
      }
      return { type: Packet.State, tick: view.getUint16(1), dots };
    }
    case Packet.Ping:
    case Packet.Pong: {
      if (bytes.length !== 9) return null;
      const ms = view.getFloat64(1);
      return Number.isFinite(ms) ? { type: bytes[0] === Packet.Ping ? Packet.Ping : Packet.Pong, ms } : null;
    }
    default:
      return null;
  }
}
