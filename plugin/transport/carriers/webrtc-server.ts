import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { plainAddress } from '../api/address.ts';
import { RateLimiter } from '../api/rate-limiter.ts';
import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import { UtpError, UtpSocketError } from '../api/errors.ts';
import { DisconnectReason } from '../api/status-codes.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';
import { closeWhenSent } from './webrtc-close.ts';
import { acquireRtcLibrary, releaseRtcLibrary, type RtcChannel, type RtcPeer, type RtcPeerConfig } from './webrtc-library.ts';
import {
  DEFAULT_MAX_OFFER_BYTES, DEFAULT_SIGNAL_PATH, SDP_CONTENT_TYPE, UTP_CHANNEL_LABEL, WEBRTC_PACKET_PADDING,
  looksLikeDataChannelOffer,
} from './webrtc-signal.ts';

/** Options of `WebRtcServerInterface`. Every limit has a default; every refusal is counted in `stats`. */
export interface WebRtcServerInterfaceOptions {
  /**
   * Answer signalling requests on this HTTP(S) server (matchmaking's, Colyseus'): `POST path` is taken before any
   * other `request` listener sees it. Without it the carrier serves signalling on an HTTP server of its own,
   * bound to the `bind` endpoint.
   */
  server?: HttpServer | HttpsServer;
  /** Path of the signalling request; default `/utp/rtc`. */
  path?: string;
  /** STUN/TURN servers (`stun:stun.example.com:3478`, `turn:user:pass@turn.example.com:3478`); default none (host candidates). */
  iceServers?: string[];
  /**
   * The UDP port every peer's ICE and DTLS use (ICE UDP mux: one port for all peers, the one to open in a firewall).
   * 0 (default) lets each peer take an ephemeral port; `icePortRange` instead gives a small range.
   */
  icePort?: number;
  /** Instead of one `icePort`: each peer's ICE takes a port in [first, last]. Default none. */
  icePortRange?: [number, number];
  /** Address the ICE sockets bind (and the only host candidate); default all interfaces. */
  iceAddress?: string;
  /** Largest UTP packet accepted from a peer; larger ones are dropped and counted. Default 1400 (UTP's MTU). */
  maxMessageSize?: number;
  /** Largest offer body read; larger ones get 413. Default 16 KiB. */
  maxOfferBytes?: number;
  /** Offers per second per client address on average; beyond it (and `offerBurst`) 429. Default 2. */
  offersPerSecond?: number;
  /** Offers one client address may send at once before the per-second rate applies. Default 5. */
  offerBurst?: number;
  /** Peers at once (negotiating or open); beyond it 503. Default 1024. */
  maxPeers?: number;
  /** Peers at once from one client address; beyond it 503 (as the WebSocket server's `maxSocketsPerAddress`). Default 256. */
  maxPeersPerAddress?: number;
  /** A peer whose UTP channel is not open this long after its offer is closed and counted. Default 10 s. */
  openTimeoutMS?: number;
  /**
   * A peer that sends no UTP packet this long after its channel opened is closed and counted (as the WebSocket
   * server's `silentSocketTimeoutMS`); 0 disables. Default 10 s.
   */
  silentPeerTimeoutMS?: number;
  /** Packets to a peer whose channel has more than this many bytes queued are dropped (stale by then). Default 64 KiB. */
  maxBufferedBytes?: number;
}

/** Counters of `WebRtcServerInterface.stats`. */
export interface WebRtcServerStats {
  /** Offers answered. */
  offersAnswered: number;
  /** Offers refused because they were not a valid SDP offer (400). */
  refusedBadOffer: number;
  /** Offers refused because their body exceeded `maxOfferBytes` (413). */
  refusedTooLarge: number;
  /** Offers refused by the per-address rate (`offersPerSecond`, `offerBurst`) (429). */
  refusedRateLimited: number;
  /** Offers refused because `maxPeers` peers, or `maxPeersPerAddress` from that address, were already there (503). */
  refusedFull: number;
  /** Peers closed because their channel did not open in time. */
  openTimeouts: number;
  /** Peers closed because they sent no packet within `silentPeerTimeoutMS` of their channel opening. */
  silentPeersClosed: number;
  /** Data channels with another label than `utp` (closed at once). */
  foreignChannels: number;
  /** Received messages dropped because they were text or empty. */
  droppedText: number;
  /** Received messages dropped because they exceeded `maxMessageSize`. */
  droppedOversize: number;
  /** Sent packets dropped because the peer's channel had too much queued. */
  droppedCongested: number;
}

/** One browser (or other WebRTC peer): its peer connection, its UTP channel once open, and its endpoint. */
class Peer {
  channel: RtcChannel | null = null;
  /** The channel opened: its closing is reported to the driver. */
  opened = false;
  /** A UTP packet arrived on the channel (`silentPeerTimeoutMS`). */
  heard = false;
  closed = false;
  readonly channels: RtcChannel[] = [];
  timer: ReturnType<typeof setTimeout> | null = null;

  readonly pc: RtcPeer;
  readonly address: string;
  readonly port: number;

  constructor(pc: RtcPeer, address: string, port: number) {
    this.pc = pc;
    this.address = address;
    this.port = port;
  }
}

/**
 * UTP over WebRTC data channels, server side (Node): each browser is one peer connection with one data channel,
 * label `utp`, `ordered: false, maxRetransmits: 0`, carrying one UTP packet per message, byte for byte — the same
 * SCL packets as over UDP, with UDP's delivery (loss stays loss, no head-of-line blocking).
 *
 * Signalling is one HTTP request on a server the transport already has: the browser POSTs its SDP offer (all
 * candidates included) to `path`, the answer comes back in the response. ICE runs on `icePort` (UDP).
 * A peer's endpoint is the HTTP client's address and a port number this carrier assigns.
 *
 * ```ts
 * const rtc = NetworkDriver.create({ networkInterface: new WebRtcServerInterface({ server: http, icePort: 7778 }) });
 * await rtc.bind(NetworkEndpoint.anyIpv4);
 * rtc.listen();
 * ```
 */
export class WebRtcServerInterface implements NetworkInterface {
  /** Keeps every packet one SCTP chunk in one datagram (see `WEBRTC_MAX_PACKET`). */
  readonly packetPadding = WEBRTC_PACKET_PADDING;
  readonly carrierName = 'webrtc';
  /** What this carrier answered, refused and dropped; counts since construction. */
  readonly stats: WebRtcServerStats = {
    offersAnswered: 0, refusedBadOffer: 0, refusedTooLarge: 0, refusedRateLimited: 0, refusedFull: 0,
    openTimeouts: 0, silentPeersClosed: 0, foreignChannels: 0, droppedText: 0, droppedOversize: 0, droppedCongested: 0,
  };
  readonly #options: WebRtcServerInterfaceOptions;
  readonly #path: string;
  readonly #limiter: RateLimiter;
  /** Peers by address, then port, as the WebSocket server keeps its sockets. */
  readonly #peers = new Map<string, Map<number, Peer>>();
  #count = 0;
  #nextPort = 1;
  #createPeer: ((name: string, config: RtcPeerConfig) => RtcPeer) | null = null;
  #sink: PacketSink | null = null;
  #server: HttpServer | HttpsServer | null = null;
  #ownServer = false;
  #emit: HttpServer['emit'] | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;

  /** A WebRTC server carrier; signalling starts when the driver binds. Throws `UtpError` on a bad `path` or `icePortRange`. */
  constructor(options: WebRtcServerInterfaceOptions = {}) {
    const path = options.path ?? DEFAULT_SIGNAL_PATH;
    if (!path.startsWith('/')) throw new UtpError(`WebRTC signalling path must begin with '/', got '${path}'`);
    const range = options.icePortRange;
    if (range && !(range[0] > 0 && range[1] >= range[0] && range[1] < 65536)) {
      throw new UtpError(`icePortRange must be [first, last] with 0 < first ≤ last < 65536, got [${range}]`);
    }
    this.#path = path;
    this.#options = options;
    this.#limiter = new RateLimiter(options.offersPerSecond ?? 2, options.offerBurst ?? 5);
  }

  get localEndpoint(): NetworkEndpoint {
    if (this.#local.port === 0) {
      const a = this.#server?.address();
      if (a && typeof a === 'object') this.#local = NetworkEndpoint.parse(plainAddress(a.address), a.port);
    }
    return this.#local;
  }

  /** The signalling path (`POST` an offer there). */
  get path(): string { return this.#path; }

  /** Peers negotiating or open. */
  get peerCount(): number { return this.#count; }

  /** The endpoints of the peers whose channel is open (monitoring, `closePeer`). */
  openPeers(): NetworkEndpoint[] {
    const out: NetworkEndpoint[] = [];
    for (const byPort of this.#peers.values()) {
      for (const p of byPort.values()) if (p.opened) out.push(NetworkEndpoint.parse(p.address, p.port));
    }
    return out;
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    const lib = await acquireRtcLibrary();
    this.#createPeer = lib.createPeer;
    this.#sink = sink;
    const server = this.#options.server ?? createServer();
    this.#ownServer = !this.#options.server;
    this.#server = server;
    // Taken before every `request` listener (Colyseus answers every request it sees, so listening beside it is not enough).
    const emit = server.emit;
    this.#emit = emit;
    server.emit = ((event: string, ...args: unknown[]): boolean => {
      if (event === 'request' && this.handle(args[0] as IncomingMessage, args[1] as ServerResponse)) return true;
      return (emit as (event: string, ...a: unknown[]) => boolean).call(server, event, ...args);
    }) as HttpServer['emit'];
    if (this.#ownServer) {
      server.on('request', (_req: IncomingMessage, res: ServerResponse) => res.writeHead(404).end());
      if (endpoint.family !== NetworkFamily.Ipv4 && endpoint.family !== NetworkFamily.Ipv6) {
        throw new UtpSocketError(`WebRTC signalling needs an IPv4 or IPv6 endpoint, got ${endpoint}`);
      }
      this.#local = endpoint;
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err) => reject(new UtpSocketError(`cannot bind WebRTC signalling ${endpoint}: ${err.message}`, err)));
        server.listen(endpoint.port, endpoint.address, () => resolve());
      });
    }
  }

  listen(): void {
    // Offers are answered from bind on; the connection layer decides about UTP connections.
  }

  /**
   * Serves a signalling request if it is one (`path`): answers and returns true; false for any other request.
   * Public for servers that route requests themselves.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== this.#path) return false;
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' }).end();
      return true;
    }
    if (req.method !== 'POST') { res.writeHead(405, { Allow: 'POST' }).end(); return true; }
    const address = plainAddress(req.socket.remoteAddress ?? '');
    const now = performance.now();
    if (this.#limiter.size > 4096) this.#limiter.sweep(now);
    if (!this.#limiter.allow(address, now)) return this.#refuse(req, res, 429, 'refusedRateLimited');
    if (this.#full(address)) return this.#refuse(req, res, 503, 'refusedFull');
    const limit = this.#options.maxOfferBytes ?? DEFAULT_MAX_OFFER_BYTES;
    if (Number(req.headers['content-length'] ?? 0) > limit) return this.#refuse(req, res, 413, 'refusedTooLarge');
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) { chunks.push(chunk); return; }
      req.off('data', onData).off('end', onEnd); // a chunked body over the limit: refused as soon as it is
      this.#refuse(req, res, 413, 'refusedTooLarge');
    };
    const onEnd = () => this.#answer(Buffer.concat(chunks).toString('utf8'), address, res);
    req.on('data', onData).on('end', onEnd);
    req.on('error', () => res.destroy());
    return true;
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    const channel = peer?.channel;
    if (!channel) return;
    if (channel.bufferedAmount() > (this.#options.maxBufferedBytes ?? 64 * 1024)) { this.stats.droppedCongested++; return; }
    try {
      channel.sendMessageBinary(bytes.subarray(start, end)); // copied by libdatachannel before it returns
    } catch {
      this.#lost(peer); // closed under us: the close callback may not have run yet
    }
  }

  sendOwned(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    this.send(bytes, start, end, to);
  }

  /** The connection layer released its connection to `to` (its Disconnect already queued): close the peer. */
  connectionClosed(to: NetworkEndpoint): void {
    const peer = this.#peers.get(to.address)?.get(to.port);
    if (!peer) return;
    this.#forget(peer);
    closeWhenSent(peer.channel, () => closePeer(peer)); // the Disconnect it holds leaves first
  }

  /**
   * Cuts the peer at `address:port` off as a failed network would (its connection gets a Disconnect event, the
   * browser sees its channel close). For tests and for kicking a peer; false if there is none.
   */
  closePeer(address: string, port: number): boolean {
    const peer = this.#peers.get(address)?.get(port);
    if (!peer) return false;
    this.#lost(peer);
    return true;
  }

  /** Closes each peer once its channel has sent the driver's last packets (its Disconnects), then lets the library go. */
  dispose(): void {
    const peers = [...this.#peers.values()].flatMap((byPort) => [...byPort.values()]);
    this.#peers.clear();
    this.#count = 0;
    const server = this.#server;
    if (server && this.#emit) server.emit = this.#emit;
    this.#emit = null;
    this.#server = null;
    if (server && this.#ownServer) { server.close(); server.closeAllConnections(); }
    const release = this.#createPeer !== null;
    this.#createPeer = null;
    this.#sink = null;
    let open = peers.length + 1;
    const closed = (): void => { if (--open === 0 && release) releaseRtcLibrary(); };
    for (const p of peers) closeWhenSent(p.channel, () => { closePeer(p); closed(); });
    closed();
  }

  /** @internal A callback of the library threw (see `guard`). */
  _error(err: unknown): void {
    try { this.#sink?.error(err instanceof Error ? err : new Error(String(err))); } catch { /* nothing left to tell */ }
  }

  #refuse(req: IncomingMessage, res: ServerResponse, status: number, counter: keyof WebRtcServerStats): true {
    this.stats[counter]++;
    // Ask the client not to send the rest of a refused body, and do not read it.
    res.writeHead(status, { Connection: 'close' }).end();
    req.resume();
    return true;
  }

  #answer(offer: string, address: string, res: ServerResponse): void {
    const create = this.#createPeer;
    if (!create || !this.#sink) { res.writeHead(503).end(); return; }
    if (!looksLikeDataChannelOffer(offer)) { this.stats.refusedBadOffer++; res.writeHead(400).end(); return; }
    if (this.#full(address)) { this.stats.refusedFull++; res.writeHead(503).end(); return; }
    const port = this.#freePort(address);
    let pc: RtcPeer;
    try {
      pc = create(`utp-${address}-${port}`, this.#peerConfig());
    } catch (err) {
      this.#sink.error(err as Error);
      res.writeHead(503).end();
      return;
    }
    const peer = new Peer(pc, address, port);
    this.#remember(peer);
    pc.onDataChannel(guard(this, (channel) => this.#channel(peer, channel)));
    pc.onStateChange(guard(this, (state) => { if (state === 'closed' || state === 'failed') this.#lost(peer); }));
    peer.timer = setTimeout(() => {
      peer.timer = null;
      if (peer.opened) return;
      this.stats.openTimeouts++;
      this.#lost(peer);
    }, this.#options.openTimeoutMS ?? 10_000);
    peer.timer.unref?.();
    let replied = false;
    const reply = (): void => {
      if (replied) return;
      replied = true;
      const answer = peer.closed ? null : pc.localDescription();
      if (!answer) { if (!res.headersSent) res.writeHead(503).end(); return; }
      this.stats.offersAnswered++;
      res.writeHead(200, { 'Content-Type': SDP_CONTENT_TYPE, 'Cache-Control': 'no-store' }).end(answer.sdp);
    };
    // No trickle: the answer leaves once every local candidate is in it.
    pc.onGatheringStateChange(guard(this, (state) => { if (state === 'complete') reply(); }));
    try {
      pc.setRemoteDescription(offer, 'offer');
    } catch {
      this.stats.refusedBadOffer++;
      this.#lost(peer);
      res.writeHead(400).end();
      return;
    }
    if (pc.gatheringState() === 'complete') reply();
  }

  /** `maxPeers` peers, or `maxPeersPerAddress` from `address`, are there already. */
  #full(address: string): boolean {
    const o = this.#options;
    return this.#count >= (o.maxPeers ?? 1024) || (this.#peers.get(address)?.size ?? 0) >= (o.maxPeersPerAddress ?? 256);
  }

  #peerConfig(): RtcPeerConfig {
    const o = this.#options;
    const config: RtcPeerConfig = { iceServers: o.iceServers ?? [], maxMessageSize: o.maxMessageSize ?? 1400 };
    if (o.iceAddress) config.bindAddress = o.iceAddress;
    if (o.icePortRange) {
      config.portRangeBegin = o.icePortRange[0];
      config.portRangeEnd = o.icePortRange[1];
    } else if (o.icePort) {
      config.enableIceUdpMux = true;
      config.portRangeBegin = config.portRangeEnd = o.icePort;
    }
    return config;
  }

  #channel(peer: Peer, channel: RtcChannel): void {
    peer.channels.push(channel); // the library closes channels nobody references
    if (channel.getLabel() !== UTP_CHANNEL_LABEL || peer.channel) {
      this.stats.foreignChannels++;
      channel.close();
      return;
    }
    peer.channel = channel;
    const sink = this.#sink;
    const max = this.#options.maxMessageSize ?? 1400;
    const { address, port } = peer;
    channel.onMessage(guard(this, (msg) => {
      if (typeof msg === 'string' || msg.byteLength === 0) { this.stats.droppedText++; return; }
      if (msg.byteLength > max) { this.stats.droppedOversize++; return; }
      peer.heard = true;
      sink?.receive(msg instanceof ArrayBuffer ? new Uint8Array(msg) : msg, address, port);
    }));
    const opened = (): void => {
      if (peer.opened || peer.closed) return;
      peer.opened = true;
      if (peer.timer) clearTimeout(peer.timer);
      peer.timer = null;
      const silent = this.#options.silentPeerTimeoutMS ?? 10_000;
      if (silent <= 0 || peer.heard) return;
      peer.timer = setTimeout(() => {
        peer.timer = null;
        if (peer.heard) return;
        this.stats.silentPeersClosed++;
        this.#lost(peer);
      }, silent);
      peer.timer.unref?.();
    };
    channel.onOpen(guard(this, opened));
    if (channel.isOpen()) opened();
    channel.onClosed(guard(this, () => this.#lost(peer)));
    channel.onError(guard(this, () => this.#lost(peer)));
  }

  /** The peer went away (closed, failed, timed out): report an open one to the driver, once. */
  #lost(peer: Peer): void {
    if (peer.closed) return;
    const known = this.#forget(peer);
    closePeer(peer);
    if (known && peer.opened) this.#sink?.closed?.(peer.address, peer.port, DisconnectReason.ClosedByRemote);
  }

  #freePort(address: string): number {
    const byPort = this.#peers.get(address);
    for (;;) {
      const port = this.#nextPort;
      this.#nextPort = port >= 65535 ? 1 : port + 1;
      if (!byPort?.has(port)) return port;
    }
  }

  #remember(peer: Peer): void {
    let byPort = this.#peers.get(peer.address);
    if (!byPort) this.#peers.set(peer.address, (byPort = new Map()));
    byPort.set(peer.port, peer);
    this.#count++;
  }

  #forget(peer: Peer): boolean {
    const byPort = this.#peers.get(peer.address);
    if (byPort?.get(peer.port) !== peer) return false;
    byPort.delete(peer.port);
    if (byPort.size === 0) this.#peers.delete(peer.address);
    this.#count--;
    return true;
  }
}

/**
 * Wraps a callback of the native library: an exception escaping one aborts the whole process, so it is reported
 * to the driver as a carrier error instead.
 */
function guard<A extends unknown[]>(owner: WebRtcServerInterface, fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      owner._error(err);
    }
  };
}

function closePeer(peer: Peer): void {
  peer.closed = true;
  if (peer.timer) clearTimeout(peer.timer);
  peer.timer = null;
  peer.channel = null;
  for (const c of peer.channels) { try { c.close(); } catch { /* already closed */ } }
  try { peer.pc.close(); } catch { /* already closed */ }
}
