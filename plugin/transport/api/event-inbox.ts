import type { NetworkConnection } from './connection.ts';
import type { NetworkDriver } from './driver.ts';
import { NetworkEvent } from './network-event.ts';
import { NetworkEventType } from './status-codes.ts';
import type { NetworkPipeline } from '../stages/pipeline.ts';

/**
 * Keeps a driver's events past its next `update()`, for games that read messages once per frame but want datagrams
 * processed — and acknowledged — the moment they arrive: update the driver on arrival and `collect`, then `drain`
 * in the frame. A slow or throttled frame then no longer adds to the peer's round-trip time or triggers its resends.
 * Data bytes are copied here (the driver's are valid only until its next update).
 */
export class EventInbox {
  readonly #types: NetworkEventType[] = [];
  readonly #connections: NetworkConnection[] = [];
  readonly #pipelines: NetworkPipeline[] = [];
  readonly #bytes: Uint8Array[] = [];
  readonly #pop = new NetworkEvent();
  readonly #out = new NetworkEvent();
  #head = 0;

  /** Events kept and not drained yet. */
  get length(): number { return this.#types.length - this.#head; }

  /** Moves every event the driver holds now into the inbox, in order. */
  collect(driver: Pick<NetworkDriver, 'popEvent'>): void {
    const ev = this.#pop;
    while (driver.popEvent(ev) !== NetworkEventType.Empty) {
      this.#types.push(ev.type);
      this.#connections.push(ev.connection);
      this.#pipelines.push(ev.pipeline);
      this.#bytes.push(ev.bytes.slice(ev.offset, ev.offset + ev.length));
    }
  }

  /** Hands the kept events to `each` in arrival order (one reused `NetworkEvent`) and forgets them. */
  drain(each: (event: NetworkEvent) => void): void {
    const out = this.#out;
    // `each` may collect more (a handler that updates the driver): those wait for the next drain.
    const end = this.#types.length;
    while (this.#head < end) {
      const i = this.#head++;
      const b = this.#bytes[i];
      out.set(this.#types[i], this.#connections[i], this.#pipelines[i], b, 0, b.length);
      each(out);
    }
    if (this.#head === this.#types.length) this.clear();
  }

  /** Forgets every kept event. */
  clear(): void {
    this.#types.length = 0;
    this.#connections.length = 0;
    this.#pipelines.length = 0;
    this.#bytes.length = 0;
    this.#head = 0;
  }
}
