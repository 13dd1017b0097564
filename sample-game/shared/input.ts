// Inputs travel on the unreliable channel, one packet per client tick, each packet carrying the newest input and
// the ones before it (INPUT_REDUNDANCY in all): a lost packet loses nothing as long as one of the next arrives.
//
// Packet: [u32 newest seq][u8 count] then `count` inputs newest first, each [i8 mx][i8 my][u8 flags].
import type { Controls } from './sim.ts';

/** One tick of controls with its sequence number (1, 2, 3… per player). */
export interface Input extends Controls {
  seq: number;
}

const FLAG_DASH = 1;
const HEADER = 5;
const PER_INPUT = 3;

/** Rounds an axis to what the wire carries (1/127 steps), so both ends simulate the same value. */
export function quantizeAxis(v: number): number {
  const q = Math.round(Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0)) * 127);
  return q / 127;
}

/** An input with its axes quantized as they will arrive. */
export function makeInput(seq: number, mx: number, my: number, dash: boolean): Input {
  return { seq, mx: quantizeAxis(mx), my: quantizeAxis(my), dash };
}

/** Encodes `inputs` (ascending seq, consecutive) newest first, at most `max` of them. */
export function encodeInputs(inputs: readonly Input[], max: number): Uint8Array {
  const n = Math.min(inputs.length, max, 255);
  const out = new Uint8Array(HEADER + n * PER_INPUT);
  const view = new DataView(out.buffer);
  const newest = n > 0 ? inputs[inputs.length - 1].seq : 0;
  view.setUint32(0, newest);
  out[4] = n;
  for (let i = 0; i < n; i++) {
    const input = inputs[inputs.length - 1 - i];
    const o = HEADER + i * PER_INPUT;
    view.setInt8(o, Math.round(input.mx * 127));
    view.setInt8(o + 1, Math.round(input.my * 127));
    out[o + 2] = input.dash ? FLAG_DASH : 0;
  }
  return out;
}

/** Decodes a packet into inputs in ascending seq order; null for a malformed packet. */
export function decodeInputs(bytes: Uint8Array): Input[] | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const newest = view.getUint32(0);
  const n = bytes[4];
  if (bytes.length !== HEADER + n * PER_INPUT || newest < n) return null;
  const out: Input[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const o = HEADER + i * PER_INPUT;
    out.push({
      seq: newest - i,
      mx: Math.max(-127, view.getInt8(o)) / 127,
      my: Math.max(-127, view.getInt8(o + 1)) / 127,
      dash: (bytes[o + 2] & FLAG_DASH) !== 0,
    });
  }
  return out;
}
