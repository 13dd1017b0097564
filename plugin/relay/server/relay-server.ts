import { createHmac, timingSafeEqual } from 'node:crypto';
import { endpointFromAddress } from '../../transport/api/address.ts';
import { NetworkEndpoint } from '../../transport/api/endpoint.ts';
import type { NetworkInterface } from '../../transport/carriers/network-interface.ts';
import { UDPNetworkInterface } from '../../transport/carriers/udp.ts';
import { DtlsNetworkInterface } from '../../transport/carriers/dtls.ts';
import { NetworkSettings } from '../../transport/api/settings.ts';
import { WebSocketServerInterface, type WebSocketServerInterfaceOptions } from '../../transport/carriers/websocket-server.ts';
import { WebRtcServerInterface, type WebRtcServerInterfaceOptions, type WebRtcServerStats } from '../../transport/carriers/webrtc-server.ts';
import { UtpError } from '../../transport/api/errors.ts';
import { AllocationStore, type RelayAllocation } from './allocations.ts';
import {
  ALLOCATION_ID_SIZE, DISCONNECT_SIZE, ERROR_SIZE, encodeBindReceived, encodeError, encodeFromTo, encodePing, readBind,
  readConnectRequest, readFromTo, readPing, relayMessageType, relayPayloadLength, RelayErrorCode, RelayMessageType,
} from '../wire/messages.ts';
import type { RelayServerEndpointJson } from '../client/server-data.ts';
import { RateLimiter } from '../../transport/api/rate-limiter.ts';

/** Options of `RelayServer`. */
export interface RelayServerOptions {
  /** Allocations; pass the store of a previous instance to restart without losing them. */
  store?: AllocationStore;
  /** A bound allocation silent this long expires (UTP's docs say Unity's relay cuts after about 10 s, §7.3). Default 10 000. */
  idleTimeoutMs?: number;
  /** An allocation never bound expires after this long. Default 60 000. */
  unboundTimeoutMs?: number;
  /**
   * Packets per second (and burst) per source address; `null` disables. Default 2000/s, burst 4000, and at most
   * 65,536 source addresses remembered (the oldest is forgotten first).
   */
  rateLimit?: {
    /** Packets per second each source address may send on average. */
    packetsPerSecond: number;
    /** Packets a source may send at once. Default 2 × `packetsPerSecond`. */
    burst?: number;
    /** Source addresses remembered at most; the oldest is forgotten first. Default 65,536. */
    maxSources?: number;
  } | null;
  /** Answer PING with a PING, so an idle client sees traffic and does not re-BIND. Default true. */
  answerPings?: boolean;
  /** Milliseconds clock; default `performance.now`. Tests pass a fake one. */
  clock?: () => number;
}

/** Load report of a relay server. */
export interface RelayServerLoad {
  /** Live allocations in the store. */
  allocations: number;
  /** Allocations with a bound client. */
  bound: number;
  /** Join links (joiner → host). */
  joins: number;
  /** Datagrams received, all carriers. */
  packetsIn: number;
  /** Datagrams sent, all carriers. */
  packetsOut: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes sent. */
  bytesOut: number;
  /** Packets received per second over the last measured window (≥ 1 s of `update`s). */
  packetsPerSecond: number;
  /** Received packets dropped, by reason. */
  dropped: {
    /** Not a Relay message, or a message of the wrong size or content. */
    malformed: number;
    /** Over the per-source rate limit. */
    rateLimited: number;
    /** A type a server does not take (BIND_RECEIVED, ACCEPTED, ERROR…). */
    unexpected: number;
    /** RELAY to a linked allocation whose client is not bound. */
    peerUnbound: number;
    /** RELAY or DISCONNECT between allocations that are not linked. */
    notLinked: number;
  };
  /**
   * Answers not sent to an unbound sender because they would have been larger than its message (a stranger never
   * gets back more bytes than it sent: a 4-byte header with a bad version gets no 21-byte ERROR).
   */
  withheld: number;
  /** ERROR messages sent, by code. */
  errorsSent: Record<number, number>;
  /** With a WebRTC listener: offers answered and refused, channels and messages dropped (`WebRtcServerStats`). */
  webRtc?: WebRtcServerStats;
}

/** A carrier the server listens on. */
interface Carrier {
  readonly iface: NetworkInterface;
  readonly type: 'udp' | 'dtls' | 'ws' | 'wss' | 'webrtc' | 'other';
}

const ZERO_ID = new Uint8Array(ALLOCATION_ID_SIZE);

/**
 * A self-hostable Unity Relay server: the server half of spec §7. Clients BIND with an HMAC over their
 * connection data; a joiner's CONNECT_REQUEST names the host by its connection data and is ACCEPTED (or
 * REJECTED when the host's allocation is full); RELAY messages are forwarded unchanged between linked
 * allocations; DISCONNECT dissolves a link. Failures answer ERROR: unknown allocation 4 (1 once expired),
 * bad HMAC 2, message from another client than the bound one 3 (the client re-BINDs with nonce + 1),
 * self-connect 6, RELAY to an allocation not linked to the sender 5, bad version 0.
 *
 * The server half is not specified by UTP (§11 item 4); these are our choices: BIND_RECEIVED is the bare
 * header, REJECTED is `from host | to joiner`, PINGs are echoed, a new BIND from another address must carry
 * a newer nonce (so a replayed BIND cannot steal an allocation), and an expiring allocation sends
 * DISCONNECT to the allocations linked to it.
 *
 * Listens on any `NetworkInterface`: `listenUdp`, `listenDtls`, `listenWebSocket`, `listenWebRtc` (browsers over
 * WebRTC data channels, signalling on the WebSocket listener's port), or `listen(iface, endpoint)` (in-memory
 * IPC in tests). Call `update()` regularly (or `start()`) for expiry and load figures.
 */
export class RelayServer {
  /** The allocations this server serves (give the same store to `AllocationApi`). */
  readonly store: AllocationStore;
  /** Carrier failures (socket errors). */
  onError: ((err: Error) => void) | null = null;
  readonly #carriers: Carrier[] = [];
  readonly #clock: () => number;
  readonly #idle: number;
  readonly #unbound: number;
  readonly #answerPings: boolean;
  readonly #limiter: RateLimiter | null;
  readonly #load: RelayServerLoad = {
    allocations: 0, bound: 0, joins: 0, packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, packetsPerSecond: 0,
    dropped: { malformed: 0, rateLimited: 0, unexpected: 0, peerUnbound: 0, notLinked: 0 }, withheld: 0, errorsSent: {},
  };
  #rateStart = -1;
  #rateCount = 0;
  #timer: ReturnType<typeof setInterval> | null = null;
  readonly #bindReceived = encodeBindReceived();

  /** A relay server with `options` (defaults as documented there); call `listen…` to serve. */
  constructor(options: RelayServerOptions = {}) {
    this.store = options.store ?? new AllocationStore();
    this.#clock = options.clock ?? (() => performance.now());
    this.#idle = options.idleTimeoutMs ?? 10_000;
    this.#unbound = options.unboundTimeoutMs ?? 60_000;
    this.#answerPings = options.answerPings ?? true;
    const rl = options.rateLimit === undefined ? { packetsPerSecond: 2000 } : options.rateLimit;
    this.#limiter = rl ? new RateLimiter(rl.packetsPerSecond, rl.burst, rl.maxSources) : null;
    // A restart keeping the store: bindings belonged to the old carriers, so clients must BIND again (they
    // do on ERROR 3 or after 9 s of silence, §7.3); every allocation gets a fresh idle period for that.
    const now = this.#clock();
    for (const a of this.store) {
      a.carrier = null;
      a.endpoint = null;
      a.lastSeen = Math.max(a.lastSeen, now);
    }
  }

  /** Serves Relay clients arriving through `iface`, bound at `endpoint`; resolves with the bound endpoint. */
  async listen(iface: NetworkInterface, endpoint: NetworkEndpoint, type: Carrier['type'] = 'other'): Promise<NetworkEndpoint> {
    const carrier: Carrier = { iface, type };
    await iface.bind(endpoint, {
      receive: (bytes, address, port) => this.#receive(carrier, bytes, address, port),
      error: (err) => this.onError?.(err),
      closed: (address, port) => this.#linkClosed(carrier, address, port),
    });
    iface.listen();
    this.#carriers.push(carrier);
    return iface.localEndpoint;
  }

  /** Serves Relay over UDP (connection type "udp"). */
  listenUdp(endpoint: NetworkEndpoint): Promise<NetworkEndpoint> {
    return this.listen(new UDPNetworkInterface({ receiveBufferSize: 1 << 22, sendBufferSize: 1 << 22 }), endpoint, 'udp');
  }

  /**
   * Serves Relay over DTLS (connection type "dtls", spec §6.4): each client's pre-shared key is its allocation's
   * HMAC key, its identity the allocation id; an unknown identity ends the handshake.
   */
  listenDtls(endpoint: NetworkEndpoint): Promise<NetworkEndpoint> {
    const iface = new DtlsNetworkInterface(new NetworkSettings(), {
      inner: new UDPNetworkInterface({ receiveBufferSize: 1 << 22, sendBufferSize: 1 << 22 }),
      pskKey: (identity) => (identity.length === ALLOCATION_ID_SIZE ? this.store.get(identity)?.key : undefined),
      clock: this.#clock,
    });
    return this.listen(iface, endpoint, 'dtls');
  }

  /** Serves Relay over WebSocket (connection type "ws"; "wss" with `options.tls`), path "/" by default. */
  listenWebSocket(endpoint: NetworkEndpoint, options: WebSocketServerInterfaceOptions = {}): Promise<NetworkEndpoint> {
    // A RELAY from a UDP client may be up to 38 + 1432 bytes: accept the largest datagram UTP sends.
    return this.listen(new WebSocketServerInterface({ maxMessageSize: 1472 + 14, ...options }), endpoint, options.tls ? 'wss' : 'ws');
  }

  /**
   * Serves Relay over WebRTC data channels (browsers: `RelayWebRtcInterface`), one Relay message per message, with
   * the same rules as every carrier (rate limit per source address, ERRORs withheld from unbound senders). The
   * offer is POSTed to `/utp/rtc` on `options.server`, by default the HTTP server of the WebSocket listener (call
   * `listenWebSocket` first), so a client holding "ws"/"wss" Relay data finds it at the same host and port; ICE
   * and DTLS run on `options.icePort` (UDP; default an ephemeral port per peer). Offers are limited per address
   * (`offersPerSecond`, `offerBurst`), in size (`maxOfferBytes`) and in number (`maxPeers`); refusals are counted
   * in `load.webRtc`. Unity has no connection type for it, so `serverEndpoints` does not list it. Rejects with a
   * `UtpSocketError` without the node-datachannel package.
   */
  async listenWebRtc(options: WebRtcServerInterfaceOptions = {}): Promise<NetworkEndpoint> {
    const ws = this.#carriers.find((c) => c.iface instanceof WebSocketServerInterface)?.iface as WebSocketServerInterface | undefined;
    const server = options.server ?? ws?.httpServer;
    if (!server) throw new UtpError('listenWebRtc answers signalling on the WebSocket listener\'s HTTP port: call listenWebSocket first, or pass options.server');
    // Accept the largest datagram a UDP client may relay to a browser's peer (38 + 1432), as for WebSocket.
    const iface = new WebRtcServerInterface({ maxMessageSize: 1472, ...options, server });
    return this.listen(iface, NetworkEndpoint.anyIpv4, 'webrtc');
  }

  /**
   * The `serverEndpoints` to hand out in allocations, one per UDP/WebSocket carrier. `publicHost` replaces
   * a wildcard bind address (clients cannot reach 0.0.0.0).
   */
  serverEndpoints(publicHost?: string): RelayServerEndpointJson[] {
    const out: RelayServerEndpointJson[] = [];
    for (const c of this.#carriers) {
      if (c.type === 'other' || c.type === 'webrtc') continue;
      const ep = c.iface.localEndpoint;
      const host = publicHost ?? (ep.isAny ? (ep.address === '::' ? '::1' : '127.0.0.1') : ep.address);
      const datagram = c.type === 'udp' || c.type === 'dtls';
      out.push({ connectionType: c.type, host, port: ep.port, secure: c.type === 'dtls' || c.type === 'wss', network: datagram ? 'udp' : 'tcp', reliable: !datagram });
    }
    return out;
  }

  /** Expiry, tombstones, rate buckets and the packets-per-second figure; `now` defaults to the clock. */
  update(now = this.#clock()): void {
    for (const c of this.#carriers) c.iface.update?.(now);   // DTLS half-open and idle timeouts
    const expired: RelayAllocation[] = [];
    for (const a of this.store) if (now - a.lastSeen >= (a.bound ? this.#idle : this.#unbound)) expired.push(a);
    for (const a of expired) this.#expire(a, now);
    this.store.sweep(now);
    this.#limiter?.sweep(now);
    if (this.#rateStart < 0) { this.#rateStart = now; this.#rateCount = this.#load.packetsIn; }
    else if (now - this.#rateStart >= 1000) {
      this.#load.packetsPerSecond = Math.round(((this.#load.packetsIn - this.#rateCount) * 1000) / (now - this.#rateStart));
      this.#rateStart = now;
      this.#rateCount = this.#load.packetsIn;
    }
  }

  /** Calls `update()` every `intervalMs` on the real clock (timer unref'd). */
  start(intervalMs = 500): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.update(), intervalMs);
    this.#timer.unref?.();
  }

  /** Current load (a fresh snapshot). */
  get load(): RelayServerLoad {
    let bound = 0, joins = 0;
    for (const a of this.store) { if (a.bound) bound++; if (a.host) joins++; }
    const l = this.#load;
    const load: RelayServerLoad = { ...l, allocations: this.store.size, bound, joins, dropped: { ...l.dropped }, errorsSent: { ...l.errorsSent } };
    const rtc = this.#carriers.find((c) => c.type === 'webrtc')?.iface;
    if (rtc instanceof WebRtcServerInterface) load.webRtc = { ...rtc.stats };
    return load;
  }

  /** Closes every carrier; the store survives (pass it to a new server to restart). */
  dispose(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const c of this.#carriers.splice(0)) c.iface.dispose();
  }

  // ---------------------------------------------------------------- receiving

  #receive(carrier: Carrier, bytes: Uint8Array, address: string, port: number): void {
    const now = this.#clock();
    const load = this.#load;
    load.packetsIn++;
    load.bytesIn += bytes.length;
    if (this.#limiter && !this.#limiter.allow(address, now)) { load.dropped.rateLimited++; return; }
    const type = relayMessageType(bytes, 0, bytes.length);
    if (type === -1) { load.dropped.malformed++; return; }
    if (type === -2) {
      const id = bytes.length >= 20 ? bytes.subarray(4, 20) : ZERO_ID;
      this.#replyError(carrier, bytes.length, address, port, id, RelayErrorCode.InvalidProtocolVersion);
      return;
    }
    switch (type) {
      case RelayMessageType.Relay: return this.#relay(carrier, bytes, address, port, now);
      case RelayMessageType.Bind: return this.#bind(carrier, bytes, address, port, now);
      case RelayMessageType.Ping: return this.#ping(carrier, bytes, address, port, now);
      case RelayMessageType.ConnectRequest: return this.#connectRequest(carrier, bytes, address, port, now);
      case RelayMessageType.Disconnect: return this.#disconnect(carrier, bytes, address, port, now);
      default: load.dropped.unexpected++;
    }
  }

  /** The sender's allocation (id at `bytes[at]`), if it exists and is bound to this very client; else answers ERROR. */
  #sender(carrier: Carrier, bytes: Uint8Array, at: number, address: string, port: number, now: number): RelayAllocation | null {
    const a = this.store.get(bytes, at);
    if (!a) {
      const code = this.store.wasExpired(bytes, at) ? RelayErrorCode.PlayerTimedOut : RelayErrorCode.AllocationIdNotFound;
      this.#replyError(carrier, bytes.length, address, port, bytes.subarray(at, at + ALLOCATION_ID_SIZE), code);
      return null;
    }
    if (!a.boundAt(carrier, address, port)) {
      // Another client, a changed address, or not bound yet: the client re-BINDs with the next nonce (§7.2).
      // Once per second, or a burst of data would bump the client's nonce once per packet.
      if (now - a.lastMismatchAt >= 1000) {
        a.lastMismatchAt = now;
        this.#replyError(carrier, bytes.length, address, port, a.id, RelayErrorCode.AllocationIdClientMismatch);
      }
      return null;
    }
    a.lastSeen = now;
    return a;
  }

  #bind(carrier: Carrier, bytes: Uint8Array, address: string, port: number, now: number): void {
    const f = readBind(bytes, 0, bytes.length);
    if (!f) { this.#load.dropped.malformed++; return; }
    const a = this.store.byConnectionData(f.connectionData);
    if (!a) {
      const code = this.store.wasExpired(f.connectionData, 0, true) ? RelayErrorCode.PlayerTimedOut : RelayErrorCode.AllocationIdNotFound;
      this.#replyError(carrier, bytes.length, address, port, ZERO_ID, code);
      return;
    }
    const mac = createHmac('sha256', a.key).update(f.signed).digest();
    if (!timingSafeEqual(mac, f.hmac)) { this.#replyError(carrier, bytes.length, address, port, a.id, RelayErrorCode.Unauthorized); return; }
    if (!a.boundAt(carrier, address, port) && !newerNonce(f.nonce, a.nonce)) {
      this.#replyError(carrier, bytes.length, address, port, a.id, RelayErrorCode.AllocationIdClientMismatch);
      return;
    }
    a.carrier = carrier;
    if (a.address !== address || a.port !== port || !a.endpoint) {
      a.address = address;
      a.port = port;
      a.endpoint = endpointFromAddress(address, port);
    }
    a.nonce = f.nonce;
    a.lastSeen = now;
    this.#send(a, this.#bindReceived);
  }

  #ping(carrier: Carrier, bytes: Uint8Array, address: string, port: number, now: number): void {
    if (!readPing(bytes, 0, bytes.length)) { this.#load.dropped.malformed++; return; }
    const a = this.#sender(carrier, bytes, 4, address, port, now);
    if (a && this.#answerPings) this.#send(a, encodePing(a.id));
  }

  #connectRequest(carrier: Carrier, bytes: Uint8Array, address: string, port: number, now: number): void {
    const f = readConnectRequest(bytes, 0, bytes.length);
    if (!f) { this.#load.dropped.malformed++; return; }
    const j = this.#sender(carrier, bytes, 4, address, port, now);
    if (!j) return;
    const h = this.store.byConnectionData(f.connectionData);
    if (!h) { this.#sendError(j, j.id, RelayErrorCode.AllocationIdNotFound); return; }
    if (h === j) { this.#sendError(j, j.id, RelayErrorCode.SelfConnectNotAllowed); return; }
    if (!h.bound) { this.#sendError(j, j.id, RelayErrorCode.NotConnected); return; }
    if (j.host !== h) {
      if (h.joiners.size >= h.maxConnections) { this.#send(j, encodeFromTo(RelayMessageType.Rejected, h.id, j.id)); return; }
      this.store.link(j, h);
    }
    // A repeated CONNECT_REQUEST (lost ACCEPTED) is answered again.
    this.#send(j, encodeFromTo(RelayMessageType.Accepted, h.id, j.id));
  }

  #disconnect(carrier: Carrier, bytes: Uint8Array, address: string, port: number, now: number): void {
    const f = bytes.length === DISCONNECT_SIZE ? readFromTo(bytes, 0, bytes.length) : null;
    if (!f) { this.#load.dropped.malformed++; return; }
    const a = this.#sender(carrier, bytes, 4, address, port, now);
    if (!a) return;
    const b = this.store.get(bytes, 20);
    // Both sides usually send one: the second finds the link gone and is dropped quietly.
    if (!b || !a.linkedTo(b)) { this.#load.dropped.notLinked++; return; }
    this.store.unlink(a, b);
    if (b.bound) this.#send(b, bytes);
  }

  /** The hot path: check, then forward the message unchanged (spec §7.2 RELAY). */
  #relay(carrier: Carrier, bytes: Uint8Array, address: string, port: number, now: number): void {
    if (relayPayloadLength(bytes, 0, bytes.length) < 0) { this.#load.dropped.malformed++; return; }
    const a = this.#sender(carrier, bytes, 4, address, port, now);
    if (!a) return;
    const b = this.store.get(bytes, 20);
    if (!b || !a.linkedTo(b)) {
      this.#load.dropped.notLinked++;
      this.#sendError(a, bytes.subarray(20, 36), RelayErrorCode.NotConnected);
      return;
    }
    if (!b.bound) { this.#load.dropped.peerUnbound++; return; }
    this.#send(b, bytes);
  }

  // ---------------------------------------------------------------- lifecycle

  /** A WebSocket closed: its allocations lose their binding (they may BIND again until they expire). */
  #linkClosed(carrier: Carrier, address: string, port: number): void {
    for (const a of this.store) {
      if (a.boundAt(carrier, address, port)) { a.endpoint = null; a.carrier = null; }
    }
  }

  #expire(a: RelayAllocation, now: number): void {
    for (const j of a.joiners) if (j.bound) this.#send(j, encodeFromTo(RelayMessageType.Disconnect, a.id, j.id));
    if (a.host?.bound) this.#send(a.host, encodeFromTo(RelayMessageType.Disconnect, a.id, a.host.id));
    this.store.remove(a, now);
  }

  // ---------------------------------------------------------------- sending

  #send(a: RelayAllocation, bytes: Uint8Array): void {
    const c = a.carrier as Carrier | null;
    if (!c || !a.endpoint) return;
    this.#load.packetsOut++;
    this.#load.bytesOut += bytes.length;
    c.iface.send(bytes, 0, bytes.length, a.endpoint);
  }

  #sendError(a: RelayAllocation, id: Uint8Array, code: number): void {
    this.#countError(code);
    this.#send(a, encodeError(id, code));
  }

  /** An ERROR to a sender that is not (or not yet) bound there: only if no larger than what it sent (`withheld`). */
  #replyError(carrier: Carrier, requestSize: number, address: string, port: number, id: Uint8Array, code: number): void {
    if (ERROR_SIZE > requestSize) { this.#load.withheld++; return; }
    this.#countError(code);
    const to = endpointFromAddress(address, port);
    const bytes = encodeError(id, code);
    this.#load.packetsOut++;
    this.#load.bytesOut += bytes.length;
    carrier.iface.send(bytes, 0, bytes.length, to);
  }

  #countError(code: number): void {
    const e = this.#load.errorsSent;
    e[code] = (e[code] ?? 0) + 1;
  }
}

/** u16 serial-number comparison: `n` is newer than `last` (any nonce is newer than none, -1). */
function newerNonce(n: number, last: number): boolean {
  if (last < 0) return true;
  const d = (n - last) & 0xffff;
  return d !== 0 && d < 0x8000;
}
