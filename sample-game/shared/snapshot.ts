// World snapshots: the server sends every player's body every tick on the unreliable channel. Each snapshot is
// complete (not a delta), so any one that arrives is usable and a lost one costs nothing but its own freshness.
//
// [u32 tick][u32 ack][u8 count] then per player [u8 slot][f32 x y vx vy fx fy][u8 dash][u8 cooldown][u8 stun].
// `ack` is per recipient: the last input of theirs the server simulated, the point reconciliation replays from.
import type { Body } from './sim.ts';

export interface SnapshotEntry {
  slot: number;
  body: Body;
}

export interface Snapshot {
  tick: number;
  ack: number;
  players: SnapshotEntry[];
}

const HEADER = 9;
const PER_PLAYER = 1 + 6 * 4 + 3;

/** Encodes a snapshot; `ack` can be patched per recipient with `setSnapshotAck` without re-encoding. */
export function encodeSnapshot(tick: number, ack: number, players: readonly SnapshotEntry[]): Uint8Array {
  const out = new Uint8Array(HEADER + players.length * PER_PLAYER);
  const v = new DataView(out.buffer);
  v.setUint32(0, tick >>> 0);
  v.setUint32(4, ack >>> 0);
  out[8] = players.length;
  let o = HEADER;
  for (const { slot, body: b } of players) {
    out[o] = slot;
    v.setFloat32(o + 1, b.x);
    v.setFloat32(o + 5, b.y);
    v.setFloat32(o + 9, b.vx);
    v.setFloat32(o + 13, b.vy);
    v.setFloat32(o + 17, b.fx);
    v.setFloat32(o + 21, b.fy);
    out[o + 25] = Math.min(255, b.dash);
    out[o + 26] = Math.min(255, b.cooldown);
    out[o + 27] = Math.min(255, b.stun);
    o += PER_PLAYER;
  }
  return out;
}

/** Writes the recipient's `ack` into an encoded snapshot. */
export function setSnapshotAck(snapshot: Uint8Array, ack: number): void {
  new DataView(snapshot.buffer, snapshot.byteOffset, 8).setUint32(4, ack >>> 0);
}

/** Decodes a snapshot; null when malformed. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes[8];
  if (bytes.length !== HEADER + n * PER_PLAYER) return null;
  const players: SnapshotEntry[] = [];
  let o = HEADER;
  for (let i = 0; i < n; i++) {
    players.push({
      slot: bytes[o],
      body: {
        x: v.getFloat32(o + 1), y: v.getFloat32(o + 5), vx: v.getFloat32(o + 9), vy: v.getFloat32(o + 13),
        fx: v.getFloat32(o + 17), fy: v.getFloat32(o + 21),
        dash: bytes[o + 25], cooldown: bytes[o + 26], stun: bytes[o + 27],
      },
    });
    o += PER_PLAYER;
  }
  return { tick: v.getUint32(0), ack: v.getUint32(4), players };
}
