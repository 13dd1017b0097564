// The server's side of the input stream of one player: packets arrive late, twice, out of order or not at all; the
// simulation takes inputs in sequence order, one per tick, each exactly once.
import type { Input } from './input.ts';

/** Inputs kept waiting at most; beyond that the oldest are dropped (a client flooding inputs gains nothing). */
export const INPUT_BUFFER_LIMIT = 16;
/** Waiting inputs above which the server takes a second input in a tick (the client's clock runs fast). */
export const INPUT_BACKLOG_TARGET = 3;
/** Ticks between two such catch-up steps at most: about 3 % faster at most, never a speed hack. */
export const CATCH_UP_EVERY = 30;

/** Counters for tests and the bot summary. */
export interface InputBufferStats {
  received: number;
  duplicates: number;
  late: number;
  skipped: number;
  dropped: number;
  starved: number;
}

/**
 * Receives redundant input packets and hands out inputs in order. `take()` each tick returns the inputs to
 * simulate now: usually one; none when nothing new arrived (the body waits: its timeline is its inputs, so the
 * client's prediction stays exact); two now and then when a backlog builds up. An input that never arrived is
 * skipped once a later one is there. `ack` is the last sequence number simulated: the reconciliation point.
 */
export class InputBuffer {
  /** The sequence number of the last input taken (0 before any). */
  ack = 0;
  readonly stats: InputBufferStats = { received: 0, duplicates: 0, late: 0, skipped: 0, dropped: 0, starved: 0 };
  readonly #waiting: Input[] = [];
  #sinceCatchUp = 0;

  /** Files the inputs of one packet (ascending seq); duplicates and already simulated ones are ignored. */
  receive(inputs: readonly Input[]): void {
    for (const input of inputs) {
      if (input.seq <= this.ack) { this.stats.late++; continue; }
      const w = this.#waiting;
      let i = w.length;
      while (i > 0 && w[i - 1].seq > input.seq) i--;
      if (i > 0 && w[i - 1].seq === input.seq) { this.stats.duplicates++; continue; }
      w.splice(i, 0, input);
      this.stats.received++;
    }
    while (this.#waiting.length > INPUT_BUFFER_LIMIT) {
      this.#waiting.shift();
      this.stats.dropped++;
    }
  }

  /** Inputs waiting. */
  get backlog(): number {
    return this.#waiting.length;
  }

  /** The inputs to simulate this tick, in order (the returned array is fresh). */
  take(): Input[] {
    this.#sinceCatchUp++;
    const w = this.#waiting;
    if (w.length === 0) {
      this.stats.starved++;
      return [];
    }
    let n = 1;
    if (w.length > INPUT_BACKLOG_TARGET && this.#sinceCatchUp >= CATCH_UP_EVERY) {
      n = 2;
      this.#sinceCatchUp = 0;
    }
    const out = w.splice(0, n);
    for (const input of out) {
      if (input.seq > this.ack + 1) this.stats.skipped += input.seq - this.ack - 1;
      this.ack = input.seq;
    }
    return out;
  }
}
