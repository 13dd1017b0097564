import type { Socket } from 'node:dgram';
import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import { UtpSocketError } from '../api/errors.ts';
import { isIPv4, isIPv6 } from '../api/ip.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';

/** Options of the UDP interface (beyond UTP: socket buffer sizes). */
export interface UDPNetworkInterfaceOptions {
  /** SO_RCVBUF in bytes; the OS default when omitted. Raise it for many connections or bursts. */
  receiveBufferSize?: number;
  /** SO_SNDBUF in bytes; the OS default when omitted. */
  sendBufferSize?: number;
}

/**
 * Mirrors UTP's `UDPNetworkInterface`: one `node:dgram` socket, IPv4 or IPv6 by the bind endpoint's family.
 * `node:dgram` is imported when binding, so this module is harmless in a browser bundle.
 */
export class UDPNetworkInterface implements NetworkInterface {
  readonly packetPadding = 0;
  readonly carrierName = 'udp';
  readonly #options: UDPNetworkInterfaceOptions;
  #socket: Socket | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;
  #slab: Uint8Array | null = null;
  #slabView: Buffer | null = null;

  /** A UDP carrier; the socket is created by `bind`. */
  constructor(options: UDPNetworkInterfaceOptions = {}) {
    this.#options = options;
  }

  get localEndpoint(): NetworkEndpoint {
    return this.#local;
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    if (endpoint.family !== NetworkFamily.Ipv4 && endpoint.family !== NetworkFamily.Ipv6) {
      throw new UtpSocketError(`UDP needs an IPv4 or IPv6 endpoint, got ${endpoint}`);
    }
    const dgram = await import('node:dgram');
    const socket = dgram.createSocket({
      type: endpoint.family === NetworkFamily.Ipv6 ? 'udp6' : 'udp4',
      // Endpoints are numeric, so answer lookups synchronously: dgram's default defers every send a tick.
      lookup: numericLookup,
      recvBufferSize: this.#options.receiveBufferSize,
      sendBufferSize: this.#options.sendBufferSize,
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new UtpSocketError(`cannot bind UDP ${endpoint}: ${err.message}`, err));
      socket.once('error', onError);
      socket.bind(endpoint.port, endpoint.address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    socket.on('message', (msg, rinfo) => sink.receive(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => sink.error(err));
    const a = socket.address();
    this.#local = NetworkEndpoint.parse(a.address, a.port);
    this.#socket = socket;
  }

  listen(): void {
    // Connectionless: a bound socket already receives from everyone.
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const socket = this.#socket;
    if (!socket) return;
    // dgram may send after this call returns, so the bytes get a Buffer of their own (Node pools small ones).
    if (bytes !== this.#slab) {
      this.#slab = bytes;
      this.#slabView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const out = Buffer.allocUnsafe(end - start);
    this.#slabView!.copy(out, 0, start, end);
    socket.send(out, to.port, to.address);
  }

  /** The driver's send path: the bytes stay untouched, so dgram gets a view of them and nothing is copied. */
  sendOwned(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const socket = this.#socket;
    if (!socket) return;
    // A packet that fills its array (a forwarded receive buffer) needs no view of its own.
    socket.send(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), to.port, to.address);
  }

  dispose(): void {
    const s = this.#socket;
    this.#socket = null;
    if (s) try { s.close(); } catch { /* already closed */ }
  }
}

type LookupCallback = (err: Error | null, address: string, family: number) => void;

// Servers send to few addresses over and over: remember the last answer instead of re-running the regexes.
let lastHost = '';
let lastFamily = 0;

function numericLookup(hostname: string, options: unknown, callback: LookupCallback): void {
  if (hostname === lastHost) return callback(null, hostname, lastFamily);
  const family = isIPv4(hostname) ? 4 : isIPv6(hostname) ? 6 : 0;
  if (family) {
    lastHost = hostname;
    lastFamily = family;
    return callback(null, hostname, family);
  }
  import('node:dns').then((dns) => dns.lookup(hostname, options as object, callback as never), (err) => callback(err, '', 0));
}
