import type { NetworkEndpoint } from '../api/endpoint.ts';
import { randomSeed, SeededRandom } from '../api/random.ts';
import type { NetworkSimulatorParameters } from '../api/settings.ts';
import type { LayerLinks, PacketLayer } from '../stack/layer.ts';

/**
 * Mirrors UTP's driver-wide `SimulatorLayer` (`NetworkSimulatorParameter`, spec §5.5): loss, delay, jitter and
 * duplication on every datagram of the driver, right above the carrier and header-free, so handshakes and
 * heartbeats suffer too. Reproducible from `randomSeed`. Present only with `withNetworkSimulatorParameters`.
 */
export class SimulatorLayer implements PacketLayer {
  readonly name = 'Simulator';
  readonly headerSize = 0;
  readonly #p: NetworkSimulatorParameters;
  readonly #random: SeededRandom;
  /** Delayed datagrams, kept sorted by due time (stable for equal times, so order is kept without jitter). */
  readonly #held: Array<{ due: number; bytes: Uint8Array; to: NetworkEndpoint }> = [];
  #links!: LayerLinks;
  /** Datagrams the simulation dropped, sent late or duplicated. */
  readonly counters = { sendDropped: 0, receiveDropped: 0, delayed: 0, duplicated: 0 };

  constructor(params: NetworkSimulatorParameters) {
    this.#p = params;
    this.#random = new SeededRandom(params.randomSeed || randomSeed());
  }

  attach(links: LayerLinks): void { this.#links = links; }

  /** Incoming datagram: lost by percentage or when larger than `receiveMTU`, else passed up. */
  receive(bytes: Uint8Array, start: number, end: number, address: string, port: number): void {
    const p = this.#p;
    const lost = (p.receiveMTU > 0 && end - start > p.receiveMTU)
      || (p.receivePacketLossPercent > 0 && this.#random.chance(p.receivePacketLossPercent));
    if (lost) { this.counters.receiveDropped++; this.#links.drop('simulated'); return; }
    this.#links.up(bytes, start, end, address, port);
  }

  /** Outgoing datagram: dropped, passed down now, or held until `flushSend` releases it. */
  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const p = this.#p;
    if (p.sendPacketLossPercent > 0 && this.#random.chance(p.sendPacketLossPercent)) { this.counters.sendDropped++; return; }
    const copies = p.sendDuplicatePercent > 0 && this.#random.chance(p.sendDuplicatePercent) ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      const delay = p.sendDelayMS + (p.sendJitterMS > 0 ? this.#random.nextInt(p.sendJitterMS + 1) : 0);
      if (delay <= 0) { this.#links.down(bytes, start, end, to); continue; }
      this.counters.delayed++;
      this.#hold(this.#links.now + delay, bytes.slice(start, end), to);
    }
  }

  /** Releases every held datagram that is due, in due order. */
  flushSend(now: number): void {
    let n = 0;
    while (n < this.#held.length && this.#held[n].due <= now) {
      const h = this.#held[n++];
      this.#links.down(h.bytes, 0, h.bytes.length, h.to);
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
