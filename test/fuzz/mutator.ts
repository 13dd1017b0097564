import { SeededRandom } from '../../plugin/transport/api/random.ts';

/**
 * Inputs for the fuzz targets, reproducible from a seed: random bytes, and valid packets mutated the ways that reach
 * deeper than noise (bytes flipped or replaced, cut short, extended, spliced, a length field made to lie).
 */
export class Mutator {
  readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  int(n: number): number { return this.random.nextInt(n); }
  chance(percent: number): boolean { return this.random.chance(percent); }
  pick<T>(items: readonly T[]): T { return items[this.random.nextInt(items.length)]; }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const b = new Uint8Array(length);
    for (let i = 0; i < length; i++) b[i] = this.random.nextU32() & 0xff;
    return b;
  }

  /** A random value of `width` bytes, little-endian, biased toward the edges (0, 1, max, max − 1). */
  edgy(width: 1 | 2 | 4): number {
    const max = width === 4 ? 0xffffffff : (1 << (8 * width)) - 1;
    switch (this.int(6)) {
      case 0: return 0;
      case 1: return 1;
      case 2: return max;
      case 3: return max - 1;
      default: return width === 4 ? this.random.nextU32() : this.int(max + 1);
    }
  }

  /** A copy of `seed` with one to four mutations. */
  mutate(seed: Uint8Array): Uint8Array {
    let b: Uint8Array = Uint8Array.from(seed);
    for (let k = 1 + this.int(4); k > 0; k--) {
      switch (this.int(7)) {
        case 0: if (b.length) b[this.int(b.length)] ^= 1 << this.int(8); break;               // flip a bit
        case 1: if (b.length) b[this.int(b.length)] = this.edgy(1); break;                  // replace a byte
        case 2: b = b.subarray(0, this.int(b.length + 1)); break;                           // cut short
        case 3: b = concat(b, this.bytes(1 + this.int(32))); break;                         // extend
        case 4: {                                                                            // duplicate a run
          const at = this.int(b.length + 1), n = this.int(16);
          b = concat(b.subarray(0, at), b.subarray(at, at + n), b.subarray(at));
          break;
        }
        case 5: if (b.length >= 2) { const at = this.int(b.length - 1), v = this.edgy(2); b[at] = v & 0xff; b[at + 1] = v >>> 8; } break; // a lying u16
        default: if (b.length) b.fill(this.edgy(1), this.int(b.length), this.int(b.length + 1)); break;   // a run of one byte
      }
    }
    return b;
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function fromHex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}
