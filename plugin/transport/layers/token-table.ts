/**
 * Connection lookup by 8-byte token in O(1) without allocating per packet: an open-addressing hash table
 * keyed by the token's two u32 halves (spec §3.3: the token, not the address, is the identity).
 */
export class TokenTable {
  #lo: Uint32Array;
  #hi: Uint32Array;
  /** Connection id + 1; 0 = empty, -1 = deleted. */
  #value: Int32Array;
  #size = 0;
  #used = 0;

  constructor(initialCapacity = 64) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.#lo = new Uint32Array(cap);
    this.#hi = new Uint32Array(cap);
    this.#value = new Int32Array(cap);
  }

  get size(): number { return this.#size; }

  #slot(lo: number, hi: number): number {
    // Tokens are random, so a cheap mix is enough; Math.imul keeps it in 32-bit integer math.
    return (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0) & (this.#value.length - 1);
  }

  /** Connection id for the token, or -1. */
  get(lo: number, hi: number): number {
    const mask = this.#value.length - 1;
    for (let i = this.#slot(lo, hi); ; i = (i + 1) & mask) {
      const v = this.#value[i];
      if (v === 0) return -1;
      if (v > 0 && this.#lo[i] === lo && this.#hi[i] === hi) return v - 1;
    }
  }

  set(lo: number, hi: number, id: number): void {
    if ((this.#used + 1) * 2 > this.#value.length) this.#grow();
    const mask = this.#value.length - 1;
    let tomb = -1;
    for (let i = this.#slot(lo, hi); ; i = (i + 1) & mask) {
      const v = this.#value[i];
      if (v > 0 && this.#lo[i] === lo && this.#hi[i] === hi) { this.#value[i] = id + 1; return; }
      if (v < 0 && tomb < 0) tomb = i;
      if (v === 0) {
        const at = tomb >= 0 ? tomb : i;
        if (tomb < 0) this.#used++;
        this.#lo[at] = lo; this.#hi[at] = hi; this.#value[at] = id + 1;
        this.#size++;
        return;
      }
    }
  }

  delete(lo: number, hi: number): boolean {
    const mask = this.#value.length - 1;
    for (let i = this.#slot(lo, hi); ; i = (i + 1) & mask) {
      const v = this.#value[i];
      if (v === 0) return false;
      if (v > 0 && this.#lo[i] === lo && this.#hi[i] === hi) { this.#value[i] = -1; this.#size--; return true; }
    }
  }

  #grow(): void {
    const lo = this.#lo, hi = this.#hi, value = this.#value;
    const cap = this.#size * 4 > value.length ? value.length * 2 : value.length;
    this.#lo = new Uint32Array(cap); this.#hi = new Uint32Array(cap); this.#value = new Int32Array(cap);
    this.#size = 0; this.#used = 0;
    for (let i = 0; i < value.length; i++) if (value[i] > 0) this.set(lo[i], hi[i], value[i] - 1);
  }
}
