/**
 * Datagrams received between two updates (UTP's receive queue), in arrival order: the carrier pushes, the next
 * update drains. Parallel arrays reused every update, so queuing allocates nothing; a full queue refuses (the
 * driver then reports `NetworkReceiveQueueFull`, as UTP does).
 */
export class ReceiveQueue {
  readonly #bytes: (Uint8Array | null)[];
  readonly #address: string[];
  readonly #port: Int32Array;
  #count = 0;

  constructor(capacity: number) {
    this.#bytes = new Array(capacity).fill(null);
    this.#address = new Array(capacity).fill('');
    this.#port = new Int32Array(capacity);
  }

  get length(): number { return this.#count; }

  /** Queues one datagram; false when the queue is full. */
  push(bytes: Uint8Array, address: string, port: number): boolean {
    if (this.#count === this.#bytes.length) return false;
    const i = this.#count++;
    this.#bytes[i] = bytes; this.#address[i] = address; this.#port[i] = port;
    return true;
  }

  /**
   * Hands every datagram queued before the call to `each`, in order. Datagrams that arrive meanwhile (a same-tick
   * loopback) stay for the next update.
   */
  drain(each: (bytes: Uint8Array, address: string, port: number) => void): void {
    const n = this.#count;
    for (let i = 0; i < n; i++) {
      const bytes = this.#bytes[i]!;
      this.#bytes[i] = null;
      each(bytes, this.#address[i], this.#port[i]);
    }
    const rest = this.#count - n;
    for (let i = 0; i < rest; i++) {
      this.#bytes[i] = this.#bytes[n + i]; this.#address[i] = this.#address[n + i]; this.#port[i] = this.#port[n + i];
      this.#bytes[n + i] = null;
    }
    this.#count = rest;
  }
}
