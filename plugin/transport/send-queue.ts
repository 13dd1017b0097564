import type { NetworkEndpoint } from './endpoint.ts';
import type { NetworkInterface } from './interfaces/network-interface.ts';

/**
 * Outgoing datagrams between flushes (UTP's send queue): one preallocated slab, packets copied in back to
 * back, handed to the interface in order by `flush`. A full queue flushes early instead of refusing the
 * send — a local choice that changes timing only, never bytes.
 */
export class SendQueue {
  readonly #slab: Uint8Array;
  readonly #capacity: number;
  readonly #offsets: Int32Array;
  readonly #lengths: Int32Array;
  readonly #to: (NetworkEndpoint | null)[];
  #count = 0;
  #used = 0;
  #iface: NetworkInterface | null = null;

  constructor(capacity: number, maxPacketSize: number) {
    this.#capacity = capacity;
    this.#slab = new Uint8Array(capacity * maxPacketSize);
    this.#offsets = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#to = new Array(capacity).fill(null);
  }

  attach(iface: NetworkInterface): void {
    this.#iface = iface;
  }

  get length(): number { return this.#count; }

  /** Copies `bytes[start, end)` into the queue for `to`. */
  push(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const n = end - start;
    if (this.#count === this.#capacity || this.#used + n > this.#slab.length) this.flush();
    const at = this.#used;
    this.#slab.set(bytes.subarray(start, end), at);
    this.#offsets[this.#count] = at;
    this.#lengths[this.#count] = n;
    this.#to[this.#count] = to;
    this.#count++;
    this.#used += n;
  }

  /** Hands every queued datagram to the interface (UTP's `ScheduleFlushSend`). */
  flush(): void {
    const iface = this.#iface;
    if (iface) {
      for (let i = 0; i < this.#count; i++) {
        const at = this.#offsets[i];
        iface.send(this.#slab, at, at + this.#lengths[i], this.#to[i]!);
        this.#to[i] = null;
      }
    }
    this.#count = 0;
    this.#used = 0;
  }
}
