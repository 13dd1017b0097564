import { copyBytes } from './bytes.ts';
import { maskGet, maskSet, maskShiftLeft } from './reliable-header.ts';

/** Marks an empty slot in the Float64Array sequence tables (sequences are ≥ 0). */
const EMPTY = -1;

/**
 * Packet buffers of acknowledged slots, by byte length, shared by every send window of the process: a slot takes a
 * buffer when it stores a packet and gives it back when the peer acknowledges it, so memory follows the packets in
 * flight rather than window × connections, and a busy server stops allocating after warm-up. Bounded.
 */
const pool = new Map<number, Uint8Array[]>();
const POOL_MAX_BYTES = 16 << 20;
let pooledBytes = 0;

function takeBuffer(size: number): Uint8Array {
  const free = pool.get(size);
  const buf = free?.pop();
  if (buf) { pooledBytes -= size; return buf; }
  return new Uint8Array(size);
}

function giveBuffer(buf: Uint8Array): void {
  if (pooledBytes + buf.length > POOL_MAX_BYTES) return;
  let free = pool.get(buf.length);
  if (!free) pool.set(buf.length, (free = []));
  free.push(buf);
  pooledBytes += buf.length;
}

/**
 * Outgoing half of the reliable stage (spec §5.3.4): copies of unacknowledged packets in slot
 * `seq mod window`, plus per-slot timers. Sequences are 64-bit counters kept as doubles (exact to 2^53).
 * All metadata lives in typed arrays allocated once; a slot holds a byte buffer (from a process-wide pool)
 * only while its packet is unacknowledged.
 */
export class SendWindow {
  readonly size: number;
  /** Sequence of the next new packet. */
  nextSequence = 0;
  /** Lowest sequence that may still be stored (== nextSequence when none is). */
  oldest = 0;
  inFlight = 0;
  /** Newest of our sequences the peer acknowledged (-1 = none) and the mask that came with it. */
  peerAcked = -1;
  readonly peerMask: Uint8Array;

  /** Stored sequence per slot, or -1. */
  readonly seq: Float64Array;
  readonly buffers: (Uint8Array | null)[];
  /** Payload position inside the slot buffer: room for our header and all later headers in front. */
  readonly offset: Int32Array;
  readonly length: Int32Array;
  /** Time of the latest transmission (resend due when now > sendTime + RTO). */
  readonly sendTime: Float64Array;
  /** Global order of the latest transmission (fast retransmit compares it with `firstTx`). */
  readonly lastTx: Float64Array;
  // Timer entry of the sequence last stored in a slot; it outlives the release so that a late
  // AckedSequenceId can still be sampled once (§5.3.5) and can anchor fast retransmit.
  readonly timerSeq: Float64Array;
  readonly firstSendTime: Float64Array;
  readonly firstTx: Float64Array;
  readonly sampled: Uint8Array;
  /** utp-ts only: timed resends since the peer's ack last advanced (the back-off exponent, RFC 6298 §5.5). */
  readonly backoff: Uint8Array;
  /** utp-ts only, with back-off: no timed resend before this time, and how often that wait was doubled. */
  resendGate = 0;
  gateBackoff = 0;
  #txCounter = 0;

  constructor(size: number, maskBytes: number) {
    this.size = size;
    this.peerMask = new Uint8Array(maskBytes);
    this.seq = new Float64Array(size).fill(EMPTY);
    this.buffers = new Array(size).fill(null);
    this.offset = new Int32Array(size);
    this.length = new Int32Array(size);
    this.sendTime = new Float64Array(size);
    this.lastTx = new Float64Array(size);
    this.timerSeq = new Float64Array(size).fill(EMPTY);
    this.firstSendTime = new Float64Array(size);
    this.firstTx = new Float64Array(size);
    this.sampled = new Uint8Array(size);
    this.backoff = new Uint8Array(size);
  }

  /** Whether the next sequence's slot is free, i.e. the window is not full (§5.3.4). */
  canSend(): boolean {
    return this.seq[this.nextSequence % this.size] === EMPTY;
  }

  /** How many new packets fit now: free slots from the next sequence's on, up to the first still in use. */
  freeSlots(): number {
    let n = 0;
    while (n < this.size && this.seq[(this.nextSequence + n) % this.size] === EMPTY) n++;
    return n;
  }

  /**
   * Copies `src[start, end)` into the next sequence's slot with `room` free bytes in front and returns the
   * slot. The caller must have checked `canSend()`; the packet counts as sent only after `commit`.
   */
  store(src: Uint8Array, start: number, end: number, room: number, minPayload: number): number {
    const slot = this.nextSequence % this.size;
    const len = end - start;
    let buf = this.buffers[slot];
    if (!buf || buf.length < room + len) {
      if (buf) giveBuffer(buf);
      buf = takeBuffer(room + Math.max(len, minPayload));
      this.buffers[slot] = buf;
    }
    copyBytes(buf, room, src, start, end);
    this.offset[slot] = room;
    this.length[slot] = len;
    return slot;
  }

  /** Makes the stored packet in `slot` the new in-flight sequence, first transmitted at `now`. */
  commit(slot: number, now: number): void {
    const seq = this.nextSequence++;
    this.seq[slot] = seq;
    this.timerSeq[slot] = seq;
    this.firstSendTime[slot] = now;
    this.sampled[slot] = 0;
    this.backoff[slot] = 0;
    this.inFlight++;
    this.markSent(slot, now);
    this.firstTx[slot] = this.lastTx[slot];
  }

  /** Records a (re)transmission of `slot` at `now`. */
  markSent(slot: number, now: number): void {
    this.sendTime[slot] = now;
    this.lastTx[slot] = ++this.#txCounter;
  }

  /** 64-bit value of a peer's 16-bit AckedSequenceId: it can only name a sequence we already sent. */
  reconstructAcked(acked16: number): number {
    const newestSent = this.nextSequence - 1;
    const back = (((newestSent - acked16) % 65536) + 65536) % 65536;
    return newestSent - back; // 0xFFFF before anything was sent ⇒ -1 ⇒ "nothing acked" (TV-9)
  }

  /**
   * Releases every stored packet the peer's ack covers: `s ≤ peerAcked` and either `peerAcked − s ≥ window`
   * or mask bit `peerAcked − s` set (`ReleaseAcknowledgedPackets`, §5.3.4).
   */
  releaseAcknowledged(): void {
    const acked = this.peerAcked;
    const last = Math.min(acked, this.nextSequence - 1);
    for (let s = this.oldest; s <= last; s++) {
      const slot = s % this.size;
      if (this.seq[slot] !== s) continue;
      const d = acked - s;
      if (d >= this.size || maskGet(this.peerMask, d)) {
        this.seq[slot] = EMPTY;
        this.inFlight--;
        const buf = this.buffers[slot];
        if (buf) { giveBuffer(buf); this.buffers[slot] = null; }
      }
    }
    while (this.oldest < this.nextSequence && this.seq[this.oldest % this.size] !== this.oldest) this.oldest++;
  }

  /** Whether `seq` is stored (not yet acknowledged). */
  isStored(seq: number): boolean {
    return this.seq[seq % this.size] === seq;
  }

  clear(): void {
    this.seq.fill(EMPTY);
    // Not back to the pool: an unacknowledged packet's first transmission may still wait in the carrier, which sends
    // it from this very buffer. An acknowledged one has left (the carrier sends in order), so release does pool it.
    this.buffers.fill(null);
    this.inFlight = 0;
    this.oldest = this.nextSequence;
  }
}

/**
 * Incoming half of the reliable stage (spec §5.3.6): the ack state we report (newest sequence + mask) and
 * out-of-order packets waiting for a missing predecessor, kept by reference (receive buffers are never
 * reused, so no copy is needed).
 */
export class ReceiveWindow {
  readonly size: number;
  /** Newest sequence received (-1 = none): our AckedSequenceId. */
  newest = -1;
  /** Local time `newest` arrived, for ProcessingTime. */
  newestTime = 0;
  lastDelivered = -1;
  /** Bit d ↔ `newest − d`. All ones initially, as in 2.6+ (§5.3.2). */
  readonly mask: Uint8Array;
  /** Ack state as of the last header we sent (§5.3.7 triggers). */
  ackedSent = -1;
  maskChanged = false;
  duplicates = 0;
  /** Local time of the first packet received since the last header we sent (-1: none owed): `ackDelay`'s start. */
  owedSince = -1;
  /** Local time the newest sequence arrived, and the smoothed interval between such arrivals (0: unknown). */
  lastArrival = -1;
  arrivalInterval = 0;

  readonly seq: Float64Array;
  readonly buffers: (Uint8Array | null)[];
  readonly start: Int32Array;
  readonly end: Int32Array;
  buffered = 0;

  constructor(size: number, maskBytes: number) {
    this.size = size;
    this.mask = new Uint8Array(maskBytes).fill(0xff);
    this.seq = new Float64Array(size).fill(EMPTY);
    this.buffers = new Array(size).fill(null);
    this.start = new Int32Array(size);
    this.end = new Int32Array(size);
  }

  /**
   * 64-bit sequence from a 16-bit one with 2-bit quarter cycles (§5.3.6 step 2): same cycle as the newest ⇒
   * same epoch, next cycle ⇒ next, previous ⇒ previous, opposite ⇒ stale (-1). May return a negative value.
   */
  reconstruct(seq16: number): number {
    const quarter = Math.floor(Math.max(this.newest, 0) / 16384);
    const step = ((seq16 >>> 14) - quarter) & 3;
    if (step === 2) return EMPTY;
    const q = step === 0 ? quarter : step === 1 ? quarter + 1 : quarter - 1;
    return q * 16384 + (seq16 & 0x3fff);
  }

  /** Newest advanced to `seq` (> newest): shift the mask and set bit 0 (§5.3.6 step 4). */
  advance(seq: number, now: number): void {
    maskShiftLeft(this.mask, seq - this.newest);
    maskSet(this.mask, 0);
    this.newest = seq;
    this.newestTime = now;
    this.maskChanged = true;
    if (this.owedSince < 0) this.owedSince = now;
    if (this.lastArrival >= 0 && now > this.lastArrival) {
      const gap = now - this.lastArrival;
      this.arrivalInterval = this.arrivalInterval === 0 ? gap : this.arrivalInterval + (gap - this.arrivalInterval) / 8;
    }
    this.lastArrival = now;
  }

  /** An older packet within the window: false if its bit was already set (a duplicate). */
  markOlder(seq: number): boolean {
    const d = this.newest - seq;
    if (maskGet(this.mask, d)) return false;
    maskSet(this.mask, d);
    this.maskChanged = true;
    return true;
  }

  /** Whether §5.3.7 asks for an ack-only packet: new newest, mask changed, or ≥ 3 duplicates. */
  needsAck(): boolean {
    return this.newest > this.ackedSent || this.maskChanged || this.duplicates >= 3;
  }

  /** Keeps an early packet until its predecessors are delivered. */
  hold(seq: number, buffer: Uint8Array, start: number, end: number): void {
    const slot = seq % this.size;
    this.seq[slot] = seq;
    this.buffers[slot] = buffer;
    this.start[slot] = start;
    this.end[slot] = end;
    this.buffered++;
  }

  /** Slot holding `lastDelivered + 1`, or -1. */
  nextHeld(): number {
    const want = this.lastDelivered + 1;
    const slot = want % this.size;
    return this.seq[slot] === want ? slot : EMPTY;
  }

  /** Forgets a held packet (after delivering it). */
  take(slot: number): void {
    this.seq[slot] = EMPTY;
    this.buffers[slot] = null;
    this.buffered--;
  }

  clear(): void {
    this.seq.fill(EMPTY);
    this.buffers.fill(null);
    this.buffered = 0;
  }
}
