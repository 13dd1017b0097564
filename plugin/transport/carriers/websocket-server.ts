import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { plainAddress } from '../api/address.ts';
import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import { UtpError, UtpSocketError } from '../api/errors.ts';
import { DisconnectReason } from '../api/status-codes.ts';
import {
  maxWebSocketPayload, UPGRADE_FULL, UPGRADE_NOT_FOUND, WEBSOCKET_HEADER_RESERVE, WebSocketCloseCode,
} from './websocket-constants.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';

/** Options of `WebSocketServerInterface`. */
export interface WebSocketServerInterfaceOptions {
  /** Path clients upgrade on, matched exactly like UTP's `WebSocketParameters` path (default `/`, §6.2.2). */
  path?: string;
  /**
   * Share an existing `http.Server`/`https.Server` (matchmaking, Colyseus) instead of binding one: only
   * upgrades for `path` are taken, and the bind endpoint is ignored. Disposing leaves the server running.
   */
  server?: HttpServer | HttpsServer;
  /** Serve `wss://` from an HTTPS server of our own with these TLS options (`{ cert, key }`, …). */
  tls?: HttpsServerOptions;
  /**
   * The driver's `maxMessageSize` (default 1400). A message above `maxMessageSize − 14` (1386), the limit of
   * UTP's WebSocket layer, is refused with close 1009 (§6.2.5).
   */
  maxMessageSize?: number;
  /** Open sockets at once; further upgrades get 503. Default 16384 (the driver's `maxConnections`). */
  maxSockets?: number;
  /** Open sockets from one IP address; further upgrades get 503. Default 256. */
  maxSocketsPerAddress?: number;
  /** A socket that sends no binary message this long after its upgrade is closed (1008). Default 10000 ms. */
  silentSocketTimeoutMS?: number;
  /**
   * A packet for a socket that already buffers more than this many bytes (its peer stopped reading) is dropped, as a
   * datagram would be; reliable pipelines resend it. Default 1 MiB.
   */
  maxBufferedBytes?: number;
}

/** What `WebSocketServerInterface` refused: limits reached, silent sockets, packets for peers that stopped reading. */
export interface WebSocketServerStatistics {
  /** Upgrades refused with 503 because `maxSockets` or `maxSocketsPerAddress` was reached. */
  refusedUpgrades: number;
  /** Sockets closed with 1008 because they sent nothing for `silentSocketTimeoutMS` after their upgrade. */
  silentSocketsClosed: number;
  /** Packets dropped because their socket buffered more than `maxBufferedBytes` (its peer stopped reading). */
  packetsDropped: number;
}

/** One accepted WebSocket: the TCP peer's address and port are the UTP endpoint the driver sees. */
class Peer {
  readonly socket: WebSocket;
  readonly address: string;
  readonly port: number;
  /** UTP connections using this socket (`connectionOpened` − `connectionClosed`): it closes with the last one. */
  connections = 0;
  /** Closure already reported, or we closed it on purpose (after an SCL Disconnect, dispose): nothing to report. */
  quiet = false;
  /** The TCP socket is corked until the end of the current flush (see `#sendTo`). */
  corked = false;
  /** Closes the socket unless it sends a binary message first (`silentSocketTimeoutMS`). */
  silenceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(socket: WebSocket, address: string, port: number) {
    this.socket = socket;
    this.address = address;
    this.port = port;
  }
}

const OPEN = 1;

/**
 * Mirrors UTP's `WebSocketNetworkInterface` in a server role (native WebSocket layer, spec §6.2), on the `ws`
 * package; Node only — browsers use `WebSocketNetworkInterface`. One UTP packet per binary message; text is
 * refused with close 1003, oversize with 1009; pings are answered; no subprotocol or extension is
 * negotiated and server frames are unmasked, so stock Unity clients (native and WebGL) connect unchanged.
 *
 * ```ts
 * const ws = NetworkDriver.create({ networkInterface: new WebSocketServerInterface({ path: '/utp' }) });
 * await ws.bind(NetworkEndpoint.anyIpv4.withPort(7777));   // ws://host:7777/utp
 * ws.listen();
 * ```
 */
export class WebSocketServerInterface implements NetworkInterface {
  /** UTP reserves 14 bytes for the frame header even though `ws` frames the data (§2.1, §2.4). */
  readonly packetPadding = WEBSOCKET_HEADER_RESERVE;
  readonly carrierName = 'websocket';
  /** TCP's handshake proved each peer's address before the first UTP packet (no half-open connections). */
  readonly provesAddresses = true;
  /** Refusals and drops (the limits in `WebSocketServerInterfaceOptions`). */
  readonly stats: WebSocketServerStatistics = { refusedUpgrades: 0, silentSocketsClosed: 0, packetsDropped: 0 };
  readonly #path: string;
  readonly #options: WebSocketServerInterfaceOptions;
  /** Open sockets by remote address, then port: a send looks its socket up without building a key. */
  readonly #peers = new Map<string, Map<number, Peer>>();
  #wss: WebSocketServer | null = null;
  #server: HttpServer | HttpsServer | null = null;
  #ownServer = false;
  #onUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  #sink: PacketSink | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;
  #slab: Uint8Array | null = null;
  #slabView: Buffer | null = null;

  /** A WebSocket server carrier; it accepts sockets once the driver binds it. Throws `UtpError` if `path` does not begin with '/'. */
  constructor(options: WebSocketServerInterfaceOptions = {}) {
    const path = options.path ?? '/';
    if (!path.startsWith('/')) throw new UtpError(`WebSocket path must begin with '/', got '${path}'`);
    this.#path = path;
    this.#options = options;
  }

  get localEndpoint(): NetworkEndpoint {
    // A shared server may start listening after bind: read its address once it does.
    if (this.#local.port === 0) {
      const a = this.#server?.address();
      if (a && typeof a === 'object') this.#local = NetworkEndpoint.parse(plainAddress(a.address), a.port);
    }
    return this.#local;
  }

  /**
   * The HTTP(S) server the sockets upgrade on (its own, or `options.server`), once bound: other handlers can share
   * its port (the Relay server's WebRTC signalling does). Null before `bind` and after `dispose`.
   */
  get httpServer(): HttpServer | HttpsServer | null { return this.#server; }

  /** Number of open WebSockets (statistics). */
  get socketCount(): number {
    let n = 0;
    for (const m of this.#peers.values()) n += m.size;
    return n;
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#sink = sink;
    this.#local = this.#options.server ? NetworkEndpoint.anyIpv4 : endpoint; // port 0: read from the server
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,                      // UTP negotiates no extension (§6.2.2)
      handleProtocols: () => false,                  // … and no subprotocol, even if one is offered
      maxPayload: maxWebSocketPayload(this.#options.maxMessageSize ?? 1400), // close 1009 above it (§6.2.5)
      skipUTF8Validation: true,                      // text is refused anyway
      clientTracking: false,
    });
    this.#wss = wss;
    const server = this.#options.server ?? this.#createServer();
    this.#server = server;
    this.#onUpgrade = (req, socket, head) => {
      if (req.url !== this.#path) {
        // Our own server: answer like UTP (§6.2.2). A shared server: another upgrade handler may want it.
        if (this.#ownServer) socket.end(UPGRADE_NOT_FOUND);
        return;
      }
      if (this.#full(plainAddress(req.socket.remoteAddress ?? ''))) {
        this.stats.refusedUpgrades++;
        socket.end(UPGRADE_FULL);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    };
    server.on('upgrade', this.#onUpgrade);
    if (!this.#ownServer) return;
    if (endpoint.family !== NetworkFamily.Ipv4 && endpoint.family !== NetworkFamily.Ipv6) {
      throw new UtpSocketError(`WebSocket needs an IPv4 or IPv6 endpoint, got ${endpoint}`);
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new UtpSocketError(`cannot bind WebSocket ${endpoint}: ${err.message}`, err));
      server.once('error', onError);
      server.listen(endpoint.port, endpoint.address, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => sink.error(err));
  }

  listen(): void {
    // Sockets are accepted from bind on; the SCL decides about UTP connections (§3.7 not-listening rule).
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    if (!peer || peer.socket.readyState !== OPEN) return; // a closed socket's packets are dropped
    // `ws` writes after this call returns, so the packet gets a Buffer of its own (Node pools small ones).
    if (bytes !== this.#slab) {
      this.#slab = bytes;
      this.#slabView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const out = Buffer.allocUnsafe(end - start);
    this.#slabView!.copy(out, 0, start, end);
    this.#sendTo(peer, out, bytes, start, end);
  }

  /** The driver's send path: the bytes stay untouched, so `ws` gets a view of them and nothing is copied. */
  sendOwned(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    if (!peer || peer.socket.readyState !== OPEN) return;
    this.#sendTo(peer, Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start), bytes, start, end);
  }

  #sendTo(peer: Peer, packet: Buffer, bytes: Uint8Array, start: number, end: number): void {
    // The packets of one flush leave in one write (writev) instead of one syscall each: the TCP socket under `ws` is
    // corked at the first and uncorked once the flush's synchronous work is done. Same frames, same bytes.
    if (!peer.corked) {
      const tcp = (peer.socket as unknown as { _socket?: Duplex })._socket;
      if (tcp && typeof tcp.cork === 'function') {
        peer.corked = true;
        tcp.cork();
        process.nextTick(uncork, peer, tcp);
      }
    }
    if (peer.socket.bufferedAmount > (this.#options.maxBufferedBytes ?? 1 << 20)) {
      this.stats.packetsDropped++; // the peer stopped reading: a datagram lost, not memory without limit
      return;
    }
    peer.socket.send(packet);
  }

  /** Whether an upgrade from `address` would exceed `maxSockets` or `maxSocketsPerAddress`. */
  #full(address: string): boolean {
    return this.socketCount >= (this.#options.maxSockets ?? 16_384)
      || (this.#peers.get(address)?.size ?? 0) >= (this.#options.maxSocketsPerAddress ?? 256);
  }

  connectionOpened(to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    if (peer) peer.connections++;
  }

  /** UTP's WebSocket layer closes (1000) with its connection, after the SCL's Disconnect has left (§6.2.6). */
  connectionClosed(to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    if (peer && --peer.connections <= 0) this.#close(peer, WebSocketCloseCode.Normal);
  }

  dispose(): void {
    for (const m of this.#peers.values()) for (const p of m.values()) this.#close(p, WebSocketCloseCode.Normal);
    this.#peers.clear();
    const server = this.#server;
    this.#server = null;
    if (server && this.#onUpgrade) server.off('upgrade', this.#onUpgrade);
    this.#onUpgrade = null;
    this.#wss?.close();
    this.#wss = null;
    if (server && this.#ownServer) {
      server.close();
      server.closeAllConnections();
    }
  }

  #createServer(): HttpServer | HttpsServer {
    this.#ownServer = true;
    // Plain HTTP requests get 426: this port speaks WebSocket only.
    const onRequest = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('UTP over WebSocket: upgrade required\n');
    };
    return this.#options.tls ? createHttpsServer(this.#options.tls, onRequest) : createHttpServer(onRequest);
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const sink = this.#sink;
    const port = req.socket.remotePort;
    if (!sink || port === undefined) { ws.terminate(); return; }
    const address = plainAddress(req.socket.remoteAddress ?? '');
    const peer = new Peer(ws, address, port);
    let byPort = this.#peers.get(address);
    if (!byPort) this.#peers.set(address, (byPort = new Map()));
    byPort.set(port, peer);
    peer.silenceTimer = setTimeout(() => {
      this.stats.silentSocketsClosed++;
      this.#refuse(peer, WebSocketCloseCode.PolicyViolation);
    }, this.#options.silentSocketTimeoutMS ?? 10_000);
    peer.silenceTimer.unref?.();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ws.readyState !== OPEN) return;
      if (!isBinary) { this.#refuse(peer, WebSocketCloseCode.UnsupportedData); return; }
      const bytes = data as Buffer;
      if (bytes.length === 0) return; // zero-length data frames are ignored (§6.2.5)
      if (peer.silenceTimer) { clearTimeout(peer.silenceTimer); peer.silenceTimer = null; }
      sink.receive(bytes, address, port);
    });
    // `ws` sends close 1002 (protocol violation) or 1009 (oversize) by itself, then reports the error here.
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code?.startsWith('WS_ERR_')) this.#refuse(peer, 0);
    });
    ws.on('close', () => this.#report(peer, DisconnectReason.ClosedByRemote));
  }

  /**
   * A protocol violation: close with `code` (0: `ws` already did), tell the driver now — ProtocolError, as
   * UTP's WebSocket layer reports it (§3.9) — rather than after the peer's close reply.
   */
  #refuse(peer: Peer, code: number): void {
    this.#report(peer, DisconnectReason.ProtocolError);
    if (code) peer.socket.close(code);
    setTimeout(() => peer.socket.terminate(), 1000).unref();
  }

  /** Forgets the socket and, unless we closed it on purpose, reports the closure to the driver once. */
  #report(peer: Peer, reason: number): void {
    this.#forget(peer);
    if (!peer.quiet) this.#sink?.closed?.(peer.address, peer.port, reason);
    peer.quiet = true;
  }

  #close(peer: Peer, code: number): void {
    peer.quiet = true;
    this.#forget(peer);
    peer.socket.close(code);
    // A peer that never answers the close is cut after a second (not `ws`'s 30 s), without holding the process.
    setTimeout(() => peer.socket.terminate(), 1000).unref();
  }

  #forget(peer: Peer): void {
    if (peer.silenceTimer) { clearTimeout(peer.silenceTimer); peer.silenceTimer = null; }
    const byPort = this.#peers.get(peer.address);
    if (byPort?.get(peer.port) !== peer) return;
    byPort.delete(peer.port);
    if (byPort.size === 0) this.#peers.delete(peer.address);
  }
}

function uncork(peer: Peer, tcp: Duplex): void {
  peer.corked = false;
  tcp.uncork();
}

