import { copyBytes } from './bytes.ts';

/**
 * utp-ts only (never visible on the wire): messages waiting for a free reliable-window slot when the
 * pipeline was created with `sendQueue`. A FIFO of copies; freed buffers are pooled so a queue that fills
 * and drains repeatedly stops allocating.
 */
export class MessageQueue {
  /** Most messages held; 0 = queueing off, Infinity = unbounded. */
  readonly limit: number;
  #buffers: (Uint8Array | null)[] = new Array(16).fill(null);
  #lengths = new Int32Array(16);
  #head = 0;
  #count = 0;
  readonly #pool: Uint8Array[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  get count(): number {
    return this.#count;
  }

  /** How many more messages it takes (0 when off or full). */
  get room(): number {
    return this.limit - this.#count;
  }

  /** Copies a message to the tail; false when the queue is full (or off). */
  push(src: Uint8Array, start: number, end: number): boolean {
    if (this.#count >= this.limit) return false;
    if (this.#count === this.#buffers.length) this.#grow();
    const len = end - start;
    let buf = this.#pool.pop();
    if (!buf || buf.length < len) buf = new Uint8Array(Math.max(len, 64));
    copyBytes(buf, 0, src, start, end);
    const i = (this.#head + this.#count) % this.#buffers.length;
    this.#buffers[i] = buf;
    this.#lengths[i] = len;
    this.#count++;
    return true;
  }

  /** The oldest message's buffer (bytes 0..`peekLength()`); only valid while `count > 0`. */
  peekBuffer(): Uint8Array {
    return this.#buffers[this.#head]!;
  }

  peekLength(): number {
    return this.#lengths[this.#head];
  }

  /** Drops the oldest message, keeping its buffer for reuse. */
  shift(): void {
    const buf = this.#buffers[this.#head]!;
    this.#buffers[this.#head] = null;
    this.#head = (this.#head + 1) % this.#buffers.length;
    this.#count--;
    if (this.#pool.length < 64) this.#pool.push(buf);
  }

  clear(): void {
    this.#buffers.fill(null);
    this.#head = 0;
    this.#count = 0;
    this.#pool.length = 0;
  }

  #grow(): void {
    const n = this.#buffers.length;
    const buffers: (Uint8Array | null)[] = new Array(n * 2).fill(null);
    const lengths = new Int32Array(n * 2);
    for (let k = 0; k < n; k++) {
      buffers[k] = this.#buffers[(this.#head + k) % n];
      lengths[k] = this.#lengths[(this.#head + k) % n];
    }
    this.#buffers = buffers;
    this.#lengths = lengths;
    this.#head = 0;
  }
}
