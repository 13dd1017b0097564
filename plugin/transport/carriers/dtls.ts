/**
 * DTLS as a carrier: a `DtlsLayer` over another carrier (UDP by default), for code that takes a `NetworkInterface`
 * rather than a driver — the self-hosted Relay server's `dtls` listener. Drivers get their DtlsLayer from the
 * settings (`withSecureServerParameters` / `withSecureClientParameters`), not from this.
 */
import { NetworkEndpoint } from '../api/endpoint.ts';
import type { NetworkSettings } from '../api/settings.ts';
import { DtlsLayer, type DtlsLayerOptions } from '../layers/dtls-layer.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';
import { UDPNetworkInterface } from './udp.ts';

/** Options of `DtlsNetworkInterface`: the DTLS layer's, plus the carrier under it. */
export interface DtlsNetworkInterfaceOptions extends DtlsLayerOptions {
  /** The carrier under DTLS; a new `UDPNetworkInterface` by default. */
  readonly inner?: NetworkInterface;
  /** Clock for the DTLS timers when nobody calls `update` (the Relay server); default `performance.now`. */
  readonly clock?: () => number;
}

export class DtlsNetworkInterface implements NetworkInterface {
  /** The DTLS layer this carrier runs over `inner` (sessions, handshakes, its own drop counters). */
  readonly layer: DtlsLayer;
  /** Datagrams the DTLS layer refused, by reason. */
  readonly dropped = new Map<string, number>();
  readonly #inner: NetworkInterface;
  readonly #clock: () => number;
  #sink: PacketSink | undefined;
  #now = 0;
  #flushQueued = false;

  /** DTLS per `settings.secure` (or `options.psk`) over `options.inner` (default a new `UDPNetworkInterface`). */
  constructor(settings: NetworkSettings, options: DtlsNetworkInterfaceOptions = {}) {
    this.#inner = options.inner ?? new UDPNetworkInterface();
    this.#clock = options.clock ?? (() => performance.now());
    this.layer = new DtlsLayer(settings, options);
    const self = this;
    this.layer.attach({
      get now() { return self.#now; },
      settings,
      ready: true,
      error: (err) => this.#sink?.error(err),
      up: (bytes, start, end, address, port) => this.#sink?.receive(bytes.slice(start, end), address, port),
      down: (bytes, start, end, to) => this.#inner.send(bytes, start, end, to),
      drop: (reason) => this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1),
      closed: (address, port, reason) => this.#sink?.closed?.(address, port, reason),
      wake: () => {
        // A carrier may send at any time: hand the library's output on without waiting for the next update.
        if (this.#flushQueued) return;
        this.#flushQueued = true;
        queueMicrotask(() => { this.#flushQueued = false; this.layer.update(this.#tick()); });
      },
    });
  }

  get localEndpoint(): NetworkEndpoint { return this.#inner.localEndpoint; }
  get packetPadding(): number { return (this.#inner.packetPadding ?? 0) + this.layer.headerSize; }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#sink = sink;
    await this.#inner.bind(endpoint, {
      receive: (bytes, address, port) => { this.#tick(); this.layer.receive(bytes, 0, bytes.length, address, port); },
      error: (err) => sink.error(err),
      closed: (address, port, reason) => sink.closed?.(address, port, reason),
    });
  }

  listen(): void {
    this.#inner.listen();
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    this.layer.send(bytes, start, end, to);
  }

  update(now: number): void {
    this.#now = Math.max(this.#now, now);
    this.#inner.update?.(now);
    this.layer.update(this.#now);
  }

  dispose(): void {
    this.layer.dispose();
    this.#inner.dispose();
  }

  #tick(): number {
    return (this.#now = Math.max(this.#now, this.#clock()));
  }
}
