import { IPCNetwork, NetworkEndpoint } from '../../../../plugin/index.ts';
import { SeededRandom } from '../../../../plugin/transport/api/random.ts';

/** Conditions of a simulated link, applied to every datagram in both directions. */
export interface LinkConditions {
  lossPercent?: number;
  duplicatePercent?: number;
  /** Percentage of datagrams held back for `reorderDelay` ticks, so later ones overtake them. */
  reorderPercent?: number;
  reorderDelay?: number;
}

/**
 * A hostile in-memory network for deterministic battery tests: seeded loss, duplication, reordering and
 * blackouts between drivers on one `IPCNetwork`. Held datagrams are released by `tick()`, which the test
 * calls once per simulated frame. Every failure message should print `seed`.
 */
export class SimulatedLink {
  readonly net = new IPCNetwork();
  readonly seed: number;
  conditions: LinkConditions;
  /** While true every datagram is lost (a cable pulled out). */
  blackout = false;
  readonly counts = { sent: 0, lost: 0, duplicated: 0, reordered: 0 };
  readonly #random: SeededRandom;
  #held: Array<{ ticks: number; bytes: Uint8Array; from: NetworkEndpoint; to: NetworkEndpoint }> = [];
  #releasing = false;

  constructor(seed: number, conditions: LinkConditions = {}) {
    this.seed = seed;
    this.conditions = conditions;
    this.#random = new SeededRandom(seed);
    this.net.filter = (bytes, from, to) => this.#decide(bytes, from, to);
  }

  /** Releases datagrams whose hold time is over; call once per simulated frame. */
  tick(): void {
    const due = this.#held.filter((h) => --h.ticks <= 0);
    this.#held = this.#held.filter((h) => h.ticks > 0);
    this.#releasing = true;
    try {
      for (const h of due) this.net.deliver(h.bytes, h.from, h.to);
    } finally {
      this.#releasing = false;
    }
  }

  #decide(bytes: Uint8Array, from: NetworkEndpoint, to: NetworkEndpoint): Uint8Array | boolean {
    if (this.#releasing) return true;
    this.counts.sent++;
    const c = this.conditions;
    const r = this.#random;
    if (this.blackout || (c.lossPercent && r.chance(c.lossPercent))) { this.counts.lost++; return false; }
    if (c.duplicatePercent && r.chance(c.duplicatePercent)) {
      this.counts.duplicated++;
      this.#held.push({ ticks: 1 + r.nextInt(3), bytes: bytes.slice(), from, to });
    }
    if (c.reorderPercent && r.chance(c.reorderPercent)) {
      this.counts.reordered++;
      this.#held.push({ ticks: c.reorderDelay ?? 2, bytes, from, to });
      return false;
    }
    return true;
  }
}
