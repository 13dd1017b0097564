import { readFileSync } from 'node:fs';
import { fromHex } from './hex.ts';

/** The byte vectors of the protocol reference (spec/utp-protocol.md §9), read from spec/vectors.json, by id. */
export interface Vector { id: string; name: string; hex: string; length: number; note: string }

const data = JSON.parse(readFileSync(new URL('../../spec/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

export const vectors = new Map(data.vectors.map((v) => [v.id, v]));

export function vectorBytes(id: string): Uint8Array {
  const v = vectors.get(id);
  if (!v) throw new Error(`no vector ${id}`);
  const bytes = fromHex(v.hex);
  if (bytes.length !== v.length) throw new Error(`vector ${id}: hex has ${bytes.length} bytes, length says ${v.length}`);
  return bytes;
}

