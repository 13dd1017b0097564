import { NetworkEventType } from '../api/status-codes.ts';

/**
 * The driver's events between two updates (UTP's `NetworkEventQueue`). Stored in parallel arrays that are
 * reused every update, so queuing and popping allocate nothing. Each event is linked both into the global
 * order (for `popEvent`) and into its connection's own chain (for `popEventForConnection`); an event popped
 * through one path is skipped by the other.
 */
export class EventQueue {
  #type: Uint8Array = new Uint8Array(64);
  #conn: Int32Array = new Int32Array(64);
  #pipe: Uint8Array = new Uint8Array(64);
  #start: Int32Array = new Int32Array(64);
  #end: Int32Array = new Int32Array(64);
  #nextSame: Int32Array = new Int32Array(64);
  #buf: (Uint8Array | null)[] = new Array(64).fill(null);
  #count = 0;
  #head = 0;
  /** Per connection id: first unpopped event, last event, number unpopped. */
  #first: Int32Array = new Int32Array(16).fill(-1);
  #last: Int32Array = new Int32Array(16).fill(-1);
  #pending: Int32Array = new Int32Array(16);

  /** Drops every event (UTP resets the queue at the start of each update). */
  clear(): void {
    for (let i = 0; i < this.#count; i++) {
      const c = this.#conn[i];
      this.#first[c] = -1; this.#last[c] = -1; this.#pending[c] = 0;
      this.#buf[i] = null;
    }
    this.#count = 0;
    this.#head = 0;
  }

  push(type: NetworkEventType, conn: number, pipe: number, buf: Uint8Array | null, start: number, end: number): void {
    if (this.#count === this.#type.length) this.#growEvents();
    if (conn >= this.#first.length) this.#growConnections(conn);
    const i = this.#count++;
    this.#type[i] = type; this.#conn[i] = conn; this.#pipe[i] = pipe;
    this.#buf[i] = buf; this.#start[i] = start; this.#end[i] = end; this.#nextSame[i] = -1;
    if (this.#last[conn] >= 0) this.#nextSame[this.#last[conn]] = i; else this.#first[conn] = i;
    this.#last[conn] = i;
    this.#pending[conn]++;
  }

  /** Index of the next unpopped event in global order, or -1. Marks it popped. */
  popAny(): number {
    while (this.#head < this.#count) {
      const i = this.#head++;
      if (this.#type[i] !== NetworkEventType.Empty && this.#first[this.#conn[i]] === i) {
        this.#unlinkFirst(this.#conn[i]);
        return i;
      }
    }
    return -1;
  }

  /** Index of the next unpopped event of `conn`, or -1. Marks it popped. */
  popFor(conn: number): number {
    if (conn < 0 || conn >= this.#first.length) return -1;
    const i = this.#first[conn];
    if (i < 0) return -1;
    this.#unlinkFirst(conn);
    return i;
  }

  /** Drops the unpopped events of one connection (server connections never accepted). */
  discardFor(conn: number): void {
    while (this.popFor(conn) >= 0) { /* unlink all */ }
  }

  pendingFor(conn: number): number {
    return conn >= 0 && conn < this.#pending.length ? this.#pending[conn] : 0;
  }

  type(i: number): NetworkEventType { return this.#type[i] as NetworkEventType; }
  connection(i: number): number { return this.#conn[i]; }
  pipeline(i: number): number { return this.#pipe[i]; }
  buffer(i: number): Uint8Array | null { return this.#buf[i]; }
  start(i: number): number { return this.#start[i]; }
  end(i: number): number { return this.#end[i]; }

  #unlinkFirst(conn: number): void {
    const i = this.#first[conn];
    this.#first[conn] = this.#nextSame[i];
    if (this.#first[conn] < 0) this.#last[conn] = -1;
    this.#pending[conn]--;
  }

  #growEvents(): void {
    const n = this.#type.length * 2;
    const grow = <T extends Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a); return b; };
    this.#type = grow(this.#type, (k) => new Uint8Array(k));
    this.#pipe = grow(this.#pipe, (k) => new Uint8Array(k));
    this.#conn = grow(this.#conn, (k) => new Int32Array(k));
    this.#start = grow(this.#start, (k) => new Int32Array(k));
    this.#end = grow(this.#end, (k) => new Int32Array(k));
    this.#nextSame = grow(this.#nextSame, (k) => new Int32Array(k));
    this.#buf.length = n;
    this.#buf.fill(null, n / 2);
  }

  #growConnections(conn: number): void {
    let n = this.#first.length;
    while (n <= conn) n *= 2;
    const first = new Int32Array(n).fill(-1); first.set(this.#first); this.#first = first;
    const last = new Int32Array(n).fill(-1); last.set(this.#last); this.#last = last;
    const pending = new Int32Array(n); pending.set(this.#pending); this.#pending = pending;
  }
}
