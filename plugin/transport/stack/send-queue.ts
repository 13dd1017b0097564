import type { NetworkEndpoint } from '../api/endpoint.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';

/** Bytes per chunk of the forward-only pool used with interfaces that take ownership (`sendOwned`). */
const CHUNK_SIZE = 64 * 1024;
/** Packets up to this size are copied with a byte loop: no view object, so no garbage (see `copyPacket`). */
const LOOP_COPY_MAX = 96;

/**
 * Outgoing datagrams between flushes (UTP's send queue), handed to the interface in order by `flush`. A full queue
 * flushes early instead of refusing the send — a local choice that changes timing only, never bytes.
 *
 * Two ways to hold the packets:
 * - the interface copies (`send`): one preallocated slab, packets copied in back to back and the slab reused after
 *   every flush;
 * - the interface takes ownership (`sendOwned`, UDP and the WebSocket server, which send asynchronously and would
 *   otherwise copy each packet again): packets are copied once into a forward-only pool of 64 KiB chunks that are
 *   never written twice, so the interface may keep a view of them. A chunk is freed by the GC once its last packet
 *   has left.
 */
export class SendQueue {
  readonly #capacity: number;
  readonly #maxPacketSize: number;
  readonly #offsets: Int32Array;
  readonly #lengths: Int32Array;
  readonly #to: (NetworkEndpoint | null)[];
  /** The buffer each packet is in (the slab, or a pool chunk). */
  readonly #buffers: (Uint8Array | null)[];
  #count = 0;
  #iface: NetworkInterface | null = null;
  #owned = false;
  /** Copying interfaces: the reused slab and its fill level. */
  #slab: Uint8Array | null = null;
  #used = 0;
  /** Owning interfaces: the current pool chunk and its fill level (never rewound). */
  #chunk: Uint8Array | null = null;
  #chunkUsed = 0;
  /** An array the next packet may stay in instead of being copied (a received one, forwarded; see `lend`). */
  #lent: Uint8Array | null = null;

  constructor(capacity: number, maxPacketSize: number) {
    this.#capacity = capacity;
    this.#maxPacketSize = maxPacketSize;
    this.#offsets = new Int32Array(capacity);
    this.#lengths = new Int32Array(capacity);
    this.#to = new Array(capacity).fill(null);
    this.#buffers = new Array(capacity).fill(null);
  }

  attach(iface: NetworkInterface): void {
    this.#iface = iface;
    this.#owned = typeof iface.sendOwned === 'function';
  }

  get length(): number { return this.#count; }

  /** Whether the interface takes ownership of what it is given (`sendOwned`). */
  get owning(): boolean { return this.#owned; }

  /**
   * The next packet pushed from `bytes` is kept in `bytes` rather than copied: its owner will never write into it
   * again. One packet only; `null` withdraws the offer. Owning interfaces only.
   */
  lend(bytes: Uint8Array | null): void {
    this.#lent = this.#owned ? bytes : null;
  }

  /** Copies `bytes[start, end)` into the queue for `to`. */
  push(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const n = end - start;
    let buf: Uint8Array;
    let at: number;
    if (bytes === this.#lent) {
      this.#lent = null;
      if (this.#count === this.#capacity) this.flush();
      const i = this.#count++;
      this.#buffers[i] = bytes;
      this.#offsets[i] = start;
      this.#lengths[i] = n;
      this.#to[i] = to;
      return;
    }
    if (this.#owned) {
      if (this.#count === this.#capacity) this.flush();
      let chunk = this.#chunk;
      if (!chunk || this.#chunkUsed + n > chunk.length) {
        chunk = this.#chunk = new Uint8Array(Math.max(CHUNK_SIZE, n));
        this.#chunkUsed = 0;
      }
      buf = chunk;
      at = this.#chunkUsed;
      this.#chunkUsed += n;
    } else {
      // Allocated on first use: a driver that never sends (or only through an owning interface) holds no slab.
      const slab = this.#slab ??= new Uint8Array(this.#capacity * this.#maxPacketSize);
      if (this.#count === this.#capacity || this.#used + n > slab.length) this.flush();
      buf = slab;
      at = this.#used;
      this.#used += n;
    }
    copyPacket(buf, at, bytes, start, end);
    const i = this.#count++;
    this.#buffers[i] = buf;
    this.#offsets[i] = at;
    this.#lengths[i] = n;
    this.#to[i] = to;
  }

  /** Hands every queued datagram to the interface (UTP's `ScheduleFlushSend`). */
  flush(): void {
    const iface = this.#iface;
    const count = this.#count;
    for (let i = 0; i < count; i++) {
      const buf = this.#buffers[i]!;
      const at = this.#offsets[i];
      const to = this.#to[i]!;
      this.#buffers[i] = null;
      this.#to[i] = null;
      if (!iface) continue;
      if (this.#owned) iface.sendOwned!(buf, at, at + this.#lengths[i], to);
      else iface.send(buf, at, at + this.#lengths[i], to);
    }
    this.#count = 0;
    this.#used = 0;
  }
}

/**
 * `dst.set(src.subarray(start, end), at)` costs one short-lived view object; for small packets (acks, inputs,
 * heartbeats) a byte loop is as fast and leaves no garbage.
 */
function copyPacket(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): void {
  const n = end - start;
  if (n > LOOP_COPY_MAX) {
    dst.set(src.subarray(start, end), at);
    return;
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[start + i];
}
