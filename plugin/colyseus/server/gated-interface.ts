import type { NetworkEndpoint, NetworkInterface, PacketSink } from '../../transport/index.ts';

/**
 * A carrier wrapper that can cut one remote endpoint off in both directions while everything else flows:
 * `UtpTransport.simulateTimeout` uses it to make a real UTP timeout happen on both ends of one connection.
 * Costs one `Set.size` check per packet while nothing is blocked.
 */
export class GatedInterface implements NetworkInterface {
  readonly #inner: NetworkInterface;
  readonly #blocked = new Set<string>();

  /** Present when the wrapped carrier has it (the driver then skips a copy). */
  readonly sendOwned?: (bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint) => void;

  /** Wraps `inner`; nothing is blocked until `block` is called. */
  constructor(inner: NetworkInterface) {
    this.#inner = inner;
    const blocked = this.#blocked;
    if (typeof inner.sendOwned === 'function') {
      this.sendOwned = (bytes, start, end, to) => {
        if (blocked.size && blocked.has(`${to.address}|${to.port}`)) return;
        inner.sendOwned!(bytes, start, end, to);
      };
    }
  }

  get localEndpoint(): NetworkEndpoint { return this.#inner.localEndpoint; }
  get packetPadding(): number { return this.#inner.packetPadding ?? 0; }
  connectionOpened(to: NetworkEndpoint): void { this.#inner.connectionOpened?.(to); }
  connectionClosed(to: NetworkEndpoint): void { this.#inner.connectionClosed?.(to); }
  get carrierName(): string | undefined { return this.#inner.carrierName; }
  /** The wrapped carrier. */
  get inner(): NetworkInterface { return this.#inner; }

  /** Drop everything to and from `address:port` until `unblock`. */
  block(address: string, port: number): void { this.#blocked.add(`${address}|${port}`); }
  /** Lets `address:port` through again. */
  unblock(address: string, port: number): void { this.#blocked.delete(`${address}|${port}`); }

  bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    const blocked = this.#blocked;
    const gated: PacketSink = {
      receive: (bytes, address, port) => {
        if (blocked.size && blocked.has(`${address}|${port}`)) return;
        sink.receive(bytes, address, port);
      },
      error: (err) => sink.error(err),
    };
    if (sink.closed) gated.closed = (address, port, reason) => sink.closed!(address, port, reason);
    return this.#inner.bind(endpoint, gated);
  }

  listen(): void { this.#inner.listen(); }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    if (this.#blocked.size && this.#blocked.has(`${to.address}|${to.port}`)) return;
    this.#inner.send(bytes, start, end, to);
  }

  update(now: number): void { this.#inner.update?.(now); }

  dispose(): void { this.#inner.dispose(); }
}
