import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import { UtpSocketError } from '../api/errors.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';

/**
 * A decision about one datagram in flight, for tests that need a hostile network: return `false` to drop it,
 * or a (possibly modified) byte array to deliver instead.
 */
export type IPCLinkFilter = (bytes: Uint8Array, from: NetworkEndpoint, to: NetworkEndpoint) => Uint8Array | boolean;

/**
 * The in-memory network that `IPCNetworkInterface`s of one process share. Delivery is immediate and in
 * order, so protocol tests are deterministic; `filter` adds loss or corruption on demand.
 */
export class IPCNetwork {
  /** The network used when none is given. */
  static readonly default = new IPCNetwork();
  /** Decides the fate of every datagram in flight (drop, alter, deliver); null delivers all. */
  filter: IPCLinkFilter | null = null;
  readonly #bound = new Map<string, PacketSink>();
  #nextPort = 49152;
  /** Datagrams delivered so far. */
  delivered = 0;
  /** Datagrams dropped so far: by `filter`, or sent to an address nobody is bound to. */
  dropped = 0;

  /** @internal */
  attach(endpoint: NetworkEndpoint, sink: PacketSink): NetworkEndpoint {
    let port = endpoint.port;
    if (port === 0) {
      while (this.#bound.has(`${endpoint.address}:${this.#nextPort}`)) this.#nextPort++;
      port = this.#nextPort++;
    }
    const key = `${endpoint.address}:${port}`;
    if (this.#bound.has(key)) throw new UtpSocketError(`IPC endpoint ${key} is already bound`);
    this.#bound.set(key, sink);
    return endpoint.withPort(port);
  }

  /** @internal */
  detach(endpoint: NetworkEndpoint): void {
    this.#bound.delete(`${endpoint.address}:${endpoint.port}`);
  }

  /** @internal */
  deliver(bytes: Uint8Array, from: NetworkEndpoint, to: NetworkEndpoint): void {
    const sink = this.#bound.get(`${to.address}:${to.port}`);
    let out: Uint8Array | boolean = bytes;
    if (this.filter) out = this.filter(bytes, from, to);
    if (!sink || out === false) { this.dropped++; return; }
    this.delivered++;
    sink.receive(out === true ? bytes : out, from.address, from.port);
  }
}

/**
 * Mirrors UTP's `IPCNetworkInterface`: datagrams between drivers of the same process, no sockets. Bind to
 * `NetworkEndpoint.loopbackIpv4` (port 0 picks a free one). Deterministic, for tests and single-process games.
 */
export class IPCNetworkInterface implements NetworkInterface {
  readonly packetPadding = 0;
  readonly carrierName = 'ipc';
  readonly #network: IPCNetwork;
  #local = NetworkEndpoint.loopbackIpv4;
  #bound = false;

  /** An in-memory carrier on `network` (default `IPCNetwork.default`, shared by the whole process). */
  constructor(network: IPCNetwork = IPCNetwork.default) {
    this.#network = network;
  }

  get localEndpoint(): NetworkEndpoint {
    return this.#local;
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    // Any-address binds become loopback: there is only one "host" in memory.
    const at = endpoint.isAny ? (endpoint.family === NetworkFamily.Ipv6 ? NetworkEndpoint.loopbackIpv6 : NetworkEndpoint.loopbackIpv4).withPort(endpoint.port) : endpoint;
    this.#local = this.#network.attach(at, sink);
    this.#bound = true;
  }

  listen(): void {}

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    if (!this.#bound) return;
    this.#network.deliver(bytes.slice(start, end), this.#local, to);
  }

  dispose(): void {
    if (this.#bound) this.#network.detach(this.#local);
    this.#bound = false;
  }
}
