import type { NetworkEndpoint } from '../api/endpoint.ts';
import { randomSeed, SeededRandom } from '../api/random.ts';
import type { NetworkSimulatorParameters } from '../api/settings.ts';

type Push = (bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint) => void;

/**
 * Mirrors UTP's driver-wide `SimulatorLayer` (`NetworkSimulatorParameter`, spec §5.5): loss, delay,
 * jitter and duplication on every datagram of the driver, below the connection layer and header-free, so
 * handshakes and heartbeats suffer too. Reproducible from `randomSeed`. Time comes from the driver.
 */
export class NetworkSimulatorLayer {
  readonly #p: NetworkSimulatorParameters;
  readonly #random: SeededRandom;
  /** Delayed datagrams, kept sorted by due time (stable for equal times, so order is kept without jitter). */
  readonly #held: Array<{ due: number; bytes: Uint8Array; to: NetworkEndpoint }> = [];
  /** Datagrams the simulation dropped, sent late or duplicated. */
  readonly counters = { sendDropped: 0, receiveDropped: 0, delayed: 0, duplicated: 0 };

  constructor(params: NetworkSimulatorParameters) {
    this.#p = params;
    this.#random = new SeededRandom(params.randomSeed || randomSeed());
  }

  /** Outgoing datagram: dropped, pushed now, or held until `update` releases it. */
  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint, now: number, push: Push): void {
    const p = this.#p;
    if (p.sendPacketLossPercent > 0 && this.#random.chance(p.sendPacketLossPercent)) { this.counters.sendDropped++; return; }
    const copies = p.sendDuplicatePercent > 0 && this.#random.chance(p.sendDuplicatePercent) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = p.sendDelayMS + (p.sendJitterMS > 0 ? this.#random.nextInt(p.sendJitterMS + 1) : 0);
      if (delay <= 0) { push(bytes, start, end, to); continue; }
      this.counters.delayed++;
      this.#hold(now + delay, bytes.slice(start, end), to);
    }
  }

  /** Incoming datagram: false when the simulation loses it (loss percentage, or larger than `receiveMTU`). */
  receive(bytes: Uint8Array): boolean {
    const p = this.#p;
    const lost = (p.receiveMTU > 0 && bytes.length > p.receiveMTU)
      || (p.receivePacketLossPercent > 0 && this.#random.chance(p.receivePacketLossPercent));
    if (lost) this.counters.receiveDropped++;
    return !lost;
  }

  /** Releases every held datagram that is due at `now`, in due order. */
  update(now: number, push: Push): void {
    let n = 0;
    while (n < this.#held.length && this.#held[n].due <= now) {
      const h = this.#held[n++];
      push(h.bytes, 0, h.bytes.length, h.to);
    }
    if (n) this.#held.splice(0, n);
  }

  /** Datagrams currently held back. */
  get held(): number {
    return this.#held.length;
  }

  #hold(due: number, bytes: Uint8Array, to: NetworkEndpoint): void {
    let i = this.#held.length;
    while (i > 0 && this.#held[i - 1].due > due) i--;
    this.#held.splice(i, 0, { due, bytes, to });
  }
}
