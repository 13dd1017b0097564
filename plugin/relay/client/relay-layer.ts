import { NetworkEndpoint, NetworkFamily } from '../../transport/api/endpoint.ts';
import { UtpError } from '../../transport/api/errors.ts';
import type { NetworkInterface } from '../../transport/carriers/network-interface.ts';
import { UDPNetworkInterface } from '../../transport/carriers/udp.ts';
import { WebSocketNetworkInterface } from '../../transport/carriers/websocket-client.ts';
import { RelayWebSocketInterface } from './websocket.ts';
import { RelayWebRtcInterface } from './webrtc.ts';
import type { NetworkSettings } from '../../transport/api/settings.ts';
import type { LayerLinks, PacketLayer } from '../../transport/stack/layer.ts';
import { DisconnectReason } from '../../transport/api/status-codes.ts';
import { RelayBindCache } from './bind-cache.ts';
import { RelayConnectionStatus } from './connection-status.ts';
import { defaultHmacSha256, type HmacSha256 } from '../wire/hmac.ts';
import {
  encodeConnectRequest, encodeFromTo, encodePing, readError, readFromTo, relayMessageType,
  relayPayloadLength, RelayErrorCode, RelayMessageType, RELAY_DATA_HEADER_SIZE, RELAY_PACKET_PADDING,
  sameAllocationId, writeRelayDataHeader,
} from '../wire/messages.ts';
import { RelayPeerTable, type RelayPeer } from './peers.ts';
import type { RelayServerData } from './server-data.ts';

/** Options of `RelayLayer` beyond the driver's settings (`withRelayParameters` stores them). */
export interface RelayLayerOptions {
  /** Mirrors `RelayNetworkParameter.RelayConnectionTimeMS`: PING after this long without sending, re-BIND after 3× without receiving; 0 disables both. Default 3000. */
  relayConnectionTimeMS?: number;
  /** HMAC-SHA256 for the BIND; default `node:crypto` in Node, WebCrypto elsewhere (see `RelayBindCache`). */
  hmac?: HmacSha256;
}

/** Counters of the Relay layer; bad input is dropped and counted here, never thrown. */
export interface RelayStatistics {
  /** BIND messages sent (first binds and keep-alive re-binds). */
  bindsSent: number;
  /** PING messages sent (after `relayConnectionTimeMS` without sending). */
  pingsSent: number;
  /** CONNECT_REQUEST messages sent to join the host. */
  connectRequestsSent: number;
  /** DISCONNECT messages sent for released connections. */
  disconnectsSent: number;
  /** RELAY messages sent (connection-layer packets to peers). */
  relaySent: number;
  /** RELAY messages received and passed up. */
  relayReceived: number;
  /** ERROR messages received, by code (spec §7.2). */
  errors: Record<number, number>;
  /** The last ERROR code received, -1 if none. */
  lastErrorCode: number;
  /** Received datagrams dropped, by reason. */
  dropped: {
    /** Not a Relay message, wrong length, bad RELAY length field. */
    malformed: number;
    /** Not from the Relay server's endpoint. */
    foreignSource: number;
    /** Addressed to another allocation id. */
    notForUs: number;
    /** DISCONNECT from, or packet to, a peer we do not know. */
    unknownPeer: number;
    /** SCL packets to the host before ACCEPTED (the SCL retries them, spec §7.3 rule 2). */
    notJoined: number;
    /** A message type we do not expect from a Relay server. */
    unexpected: number;
    /** A second outgoing connection (UTP allows one per driver, spec §7.3 rule 2). */
    secondConnection: number;
    /** Control messages dropped because 64 were already waiting for the next update. */
    queueFull: number;
  };
}

const Join = { None: 0, Requesting: 1, Accepted: 2 } as const;
type Join = (typeof Join)[keyof typeof Join];

/** Control messages buffered between updates; a flood beyond this is dropped. */
const MAX_CONTROL = 64;
const HEX_ID = /^[0-9a-f]{32}$/;

/**
 * Mirrors UTP's `RelayLayer` (spec §7): the layer between the carrier to the Relay server (UDP, IPC, or
 * `RelayWebSocketInterface`) and the connection layer, presenting the peers behind the Relay to the driver. The
 * stack builds it from `withRelayParameters(settings, serverData)`.
 *
 * - **Addresses.** The driver sees a joined host at the endpoint it connected to (normally
 *   `relayServerData.endpoint`), so the SCL's roaming check stays quiet; every other peer — a joiner of our
 *   hosted allocation — appears as `NetworkEndpoint.custom(<allocation id hex>, 0)`.
 * - **Timers** run in `update(now)` on the driver clock (spec §7.3): BIND every `connectTimeoutMS` until
 *   BIND_RECEIVED (nonce + 1 after each), AllocationInvalid after `maxConnectAttempts × connectTimeoutMS`;
 *   PING after `relayConnectionTimeMS` without sending; re-BIND after 3× that without receiving;
 *   CONNECT_REQUEST every `connectTimeoutMS` until ACCEPTED.
 * - **Joining.** `driver.connect(relayServerData.endpoint)`: the SCL's packets to the host are held back until
 *   the Relay server ACCEPTs (the latest one then leaves at once, the SCL retries the rest), so the wire matches
 *   UTP's. REJECTED closes that connection with ClosedByRemote and sets AllocationInvalid.
 * - **Closing.** When the SCL releases a connection to a peer, a DISCONNECT follows (spec §7.3 rule 6); a
 *   DISCONNECT from a peer closes its connection with ProtocolError.
 *
 * Control messages are applied in `update`; RELAY data goes up at once. It reads no connection-layer byte.
 */
export class RelayLayer implements PacketLayer {
  readonly name = 'Relay';
  /** 40 bytes of RELAY header budget (two more than written, as UTP reserves, spec §2.4). */
  readonly headerSize = RELAY_PACKET_PADDING;
  /** Peers reach us through allocations the relay bound with an HMAC-signed BIND: their addresses are proven. */
  readonly provesAddresses = true;
  /** The Relay server and allocation this layer binds to. */
  readonly serverData: RelayServerData;
  /** Messages sent, received and dropped since the layer was built. */
  readonly statistics: RelayStatistics = {
    bindsSent: 0, pingsSent: 0, connectRequestsSent: 0, disconnectsSent: 0, relaySent: 0, relayReceived: 0,
    errors: {}, lastErrorCode: -1,
    dropped: { malformed: 0, foreignSource: 0, notForUs: 0, unknownPeer: 0, notJoined: 0, unexpected: 0, secondConnection: 0, queueFull: 0 },
  };
  /** Called for every ERROR received, with its code (after the layer reacted to it). */
  onRelayError: ((code: number) => void) | null = null;

  readonly #binds: RelayBindCache;
  readonly #connectTimeout: number;
  readonly #bindBudget: number;
  readonly #keepAlive: number;
  readonly #peerIdle: number;
  readonly #ping: Uint8Array;
  readonly #connectRequest: Uint8Array;
  readonly #own: Uint8Array;
  #links: LayerLinks | null = null;
  #disposed = false;
  #status: RelayConnectionStatus = RelayConnectionStatus.NotEstablished;
  #now = 0;
  #nonce: number;
  #bindStart = -1;
  #lastBindSent = -Infinity;
  #rebindNow = false;
  #lastSend = 0;
  #lastReceive = 0;
  #lastSweep = 0;
  readonly #peers = new RelayPeerTable();
  #join: Join = Join.None;
  #alias: NetworkEndpoint | null = null;
  #host: RelayPeer | null = null;
  #lastAsk = 0;
  #lastConnectRequest = -Infinity;
  #held: Uint8Array | null = null;
  #control: Uint8Array[] = [];
  #scratch = new Uint8Array(RELAY_DATA_HEADER_SIZE + 1500);

  /** The Relay layer of a driver built with `withRelayParameters`, for its status and statistics. */
  static of(driver: { readonly stack: { layer(name: string): PacketLayer | undefined } }): RelayLayer {
    const layer = driver.stack.layer('Relay');
    if (!(layer instanceof RelayLayer)) throw new UtpError('this driver has no Relay layer: build it from settings with withRelayParameters(settings, serverData)');
    return layer;
  }

  /** Refuses a carrier that cannot reach `serverData` (UTP checks the same, spec §2.3, NetworkDriver.cs:513-531). */
  static checkCarrier(serverData: RelayServerData, carrier: NetworkInterface): void {
    if (serverData.isWebSocket && carrier instanceof UDPNetworkInterface) throw new UtpError(`Relay data is '${serverData.connectionType}' but the interface is UDP`);
    if (!serverData.isWebSocket && carrier instanceof RelayWebSocketInterface) throw new UtpError(`Relay data is '${serverData.connectionType}' but the interface is WebSocket`);
    // WebRTC signals on the Relay's WebSocket port and falls back to its WebSocket: it needs that endpoint.
    if (!serverData.isWebSocket && carrier instanceof RelayWebRtcInterface) throw new UtpError(`Relay data is '${serverData.connectionType}' but the interface is WebRTC, which needs 'ws' or 'wss' Relay data`);
    if (carrier instanceof WebSocketNetworkInterface) {
      // Its sockets open for connections of the layer above; the link to a Relay must open for a BIND.
      throw new UtpError('use RelayWebSocketInterface (the default for ws/wss Relay data) as the carrier to a Relay server, not WebSocketNetworkInterface');
    }
  }

  /** The Relay layer for `serverData`, timed by `settings.networkConfig`. Usually built by the stack from `withRelayParameters`. */
  constructor(serverData: RelayServerData, settings: NetworkSettings, options: RelayLayerOptions = {}) {
    const keepAlive = options.relayConnectionTimeMS ?? 3000;
    if (!Number.isInteger(keepAlive) || keepAlive < 0) throw new UtpError(`relayConnectionTimeMS must be an integer ≥ 0, got ${keepAlive}`);
    const cfg = settings.networkConfig;
    this.serverData = serverData;
    this.#connectTimeout = cfg.connectTimeoutMS;
    this.#bindBudget = cfg.maxConnectAttempts * cfg.connectTimeoutMS;
    this.#keepAlive = keepAlive;
    this.#peerIdle = cfg.disconnectTimeoutMS > 0 ? 2 * cfg.disconnectTimeoutMS : 0;
    this.#own = serverData.allocationId;
    this.#nonce = serverData.nonce;
    this.#ping = encodePing(this.#own);
    this.#connectRequest = encodeConnectRequest(this.#own, serverData.hostConnectionData);
    this.#binds = new RelayBindCache(serverData, options.hmac ?? defaultHmacSha256());
    this.#binds.onError = (err) => this.#links?.error(err instanceof Error ? err : new Error(String(err)));
  }

  /** Mirrors `GetRelayConnectionStatus()` (spec §7.3); the driver reports it. */
  get relayConnectionStatus(): RelayConnectionStatus { return this.#status; }
  /** The nonce the next BIND carries. */
  get nonce(): number { return this.#nonce; }

  attach(links: LayerLinks): void {
    this.#links = links;
    this.#binds.prepare(this.#nonce);
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    if (this.#disposed) return;
    const peer = this.#peers.byAddress(to.address, to.port);
    if (peer === undefined) this.#towardsHost(bytes, start, end, to);
    else this.#relay(peer, bytes, start, end);
  }

  /** The SCL released its connection to a peer: tell the Relay (spec §7.3 rule 6). */
  connectionClosed(to: NetworkEndpoint): void {
    const peer = this.#peers.byAddress(to.address, to.port);
    if (peer === undefined) return;
    this.#sendInner(encodeFromTo(RelayMessageType.Disconnect, this.#own, peer.id));
    this.statistics.disconnectsSent++;
    this.#forget(peer);
  }

  /** The carrier's link to the Relay went away (a WebSocket closed): bind again within the budget (rule 8). */
  linkClosed(): void {
    // Only the first loss starts the budget: failed reopen attempts while binding must not extend it.
    if (this.#disposed || this.#status !== RelayConnectionStatus.Established) return;
    this.#status = RelayConnectionStatus.NotEstablished;
    this.#bindStart = this.#now;
    this.#lastBindSent = -Infinity;
  }

  update(now: number): void {
    this.#now = now;
    if (!this.#links?.ready || this.#disposed) return;
    this.#processControl();
    if (this.#status === RelayConnectionStatus.AllocationInvalid) return;
    if (this.#status === RelayConnectionStatus.NotEstablished) this.#bindTimer(now);
    else {
      this.#keepAliveTimer(now);
      this.#joinTimer(now);
    }
    if (this.#peerIdle > 0 && now - this.#lastSweep >= 1000) this.#sweep(now);
  }

  /** Mirrors `Dispose`: stops the keep-alive and re-bind timers and releases the carrier. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#control = [];
    this.#peers.clear();
  }

  // ---------------------------------------------------------------- timers (spec §7.3)

  /** Rule 1: BIND every connectTimeoutMS until BIND_RECEIVED, nonce + 1 after each; give up after the budget. */
  #bindTimer(now: number): void {
    if (this.#bindStart < 0) this.#bindStart = now;
    else if (now - this.#bindStart >= this.#bindBudget) { this.#invalidate(); return; }
    if (this.#rebindNow || now - this.#lastBindSent >= this.#connectTimeout) this.#sendBind(true);
  }

  /** Rule 5: PING after T without sending; re-BIND (same nonce) after 3T without receiving. */
  #keepAliveTimer(now: number): void {
    if (this.#rebindNow) this.#sendBind(false); // ERROR 3 asked for a BIND with the next nonce
    const t = this.#keepAlive;
    if (t <= 0) return;
    const silent = now - this.#lastReceive;
    if (silent >= 3 * t) {
      // Rule 8's budget also bounds a re-BIND nobody answers.
      if (silent >= 3 * t + this.#bindBudget) { this.#invalidate(); return; }
      if (now - this.#lastBindSent >= this.#connectTimeout) this.#sendBind(false);
    } else if (now - this.#lastSend >= t) {
      this.#sendInner(this.#ping);
      this.statistics.pingsSent++;
    }
  }

  /** Rule 2: CONNECT_REQUEST every connectTimeoutMS until ACCEPTED, while the SCL keeps asking. */
  #joinTimer(now: number): void {
    if (this.#join !== Join.Requesting || this.#status !== RelayConnectionStatus.Established) return;
    // The SCL retries every connectTimeoutMS; silence means it gave up or closed the connection.
    if (now - this.#lastAsk > 3 * this.#connectTimeout) { this.#resetJoin(); return; }
    if (now - this.#lastConnectRequest < this.#connectTimeout) return;
    this.#sendInner(this.#connectRequest);
    this.#lastConnectRequest = now;
    this.statistics.connectRequestsSent++;
  }

  #sendBind(initialPhase: boolean): void {
    const packet = this.#binds.get(this.#nonce);
    if (!packet) { this.#rebindNow = true; return; } // async HMAC still running: next update
    this.#sendInner(packet);
    this.statistics.bindsSent++;
    this.#lastBindSent = this.#now;
    this.#rebindNow = false;
    // "After each BIND of the initial bind phase the nonce is incremented" (spec §7.2, RelayLayer.cs:399-403).
    if (initialPhase) this.#setNonce(this.#nonce + 1);
  }

  #setNonce(n: number): void {
    this.#nonce = n & 0xffff;
    this.#binds.prepare(this.#nonce);
  }

  #invalidate(): void {
    this.#status = RelayConnectionStatus.AllocationInvalid;
    this.#rebindNow = false;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const p of this.#peers.idle(now, this.#peerIdle, this.#host)) this.#forget(p);
  }

  // ---------------------------------------------------------------- sending

  #sendInner(packet: Uint8Array): void {
    this.#links!.down(packet, 0, packet.length, this.serverData.endpoint);
    this.#lastSend = this.#now;
  }

  /** Rule 4: one SCL packet behind a RELAY header (from = us, to = peer). */
  #relay(peer: RelayPeer, bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.#scratch.length < RELAY_DATA_HEADER_SIZE + n) this.#scratch = new Uint8Array(RELAY_DATA_HEADER_SIZE + n);
    const s = this.#scratch;
    writeRelayDataHeader(s, 0, this.#own, peer.id, n);
    s.set(bytes.subarray(start, end), RELAY_DATA_HEADER_SIZE);
    this.#links!.down(s, 0, RELAY_DATA_HEADER_SIZE + n, this.serverData.endpoint);
    this.#lastSend = this.#now;
    peer.lastActive = this.#now;
    this.statistics.relaySent++;
  }

  /** An SCL packet for a peer we have no relay-level connection to: the join path (rule 2). */
  #towardsHost(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const drop = this.statistics.dropped;
    if (to.family === NetworkFamily.Custom && HEX_ID.test(to.address)) { drop.unknownPeer++; return; }
    if (this.#join === Join.None) {
      this.#join = Join.Requesting;
      this.#alias = to;
      this.#lastConnectRequest = -Infinity;
    } else if (this.#join === Join.Accepted || !this.#alias!.equals(to)) {
      drop.secondConnection++;
      return;
    }
    this.#lastAsk = this.#now;
    // Keep the latest packet (the SCL's request), to send the moment ACCEPTED arrives (UTP's SCL requests right then).
    this.#held = bytes.slice(start, end);
    drop.notJoined++;
    this.#joinTimer(this.#now);
  }

  #resetJoin(): void {
    this.#join = Join.None;
    this.#alias = null;
    this.#held = null;
  }

  #forget(peer: RelayPeer): void {
    this.#peers.remove(peer);
    if (this.#host === peer) {
      this.#host = null;
      this.#resetJoin();
    }
  }

  // ---------------------------------------------------------------- receiving

  receive(bytes: Uint8Array, start: number, end: number, address: string, port: number): void {
    if (this.#disposed) return;
    const drop = this.statistics.dropped;
    const ep = this.serverData.endpoint;
    if (port !== ep.port || (address !== ep.address && address !== `::ffff:${ep.address}`)) { drop.foreignSource++; return; }
    const type = relayMessageType(bytes, start, end);
    if (type === RelayMessageType.Relay) { this.#receiveRelay(bytes, start, end); return; }
    if (type < 0) { drop.malformed++; return; }
    if (this.#control.length >= MAX_CONTROL) { drop.queueFull++; return; }
    this.#control.push(start === 0 && end === bytes.length ? bytes : bytes.slice(start, end));
  }

  /** Rule 3/4: strip the header, check length and recipient, hand the SCL packet up. */
  #receiveRelay(bytes: Uint8Array, start: number, end: number): void {
    const n = relayPayloadLength(bytes, start, end);
    if (n < 0) { this.statistics.dropped.malformed++; return; }
    if (!sameAllocationId(bytes, start + 20, this.#own)) { this.statistics.dropped.notForUs++; return; }
    // Rule 3: the first RELAY from an unknown allocation creates its relay-level connection (hosting).
    const peer = this.#peers.byId(bytes, start + 4) ?? this.#peers.add(bytes, start + 4, this.#now);
    peer.lastActive = this.#now;
    this.#lastReceive = this.#now;
    this.statistics.relayReceived++;
    const at = start + RELAY_DATA_HEADER_SIZE;
    this.#links!.up(bytes, at, at + n, peer.address, peer.port);
  }

  #processControl(): void {
    const q = this.#control;
    const n = q.length; // messages that arrive while these are handled (in-memory carriers) wait for the next update
    for (let i = 0; i < n; i++) this.#handleControl(q[i]);
    q.splice(0, n);
  }

  #handleControl(m: Uint8Array): void {
    const drop = this.statistics.dropped;
    switch (m[3]) {
      case RelayMessageType.BindReceived:
        this.#lastReceive = this.#now;
        if (this.#status === RelayConnectionStatus.NotEstablished) {
          this.#status = RelayConnectionStatus.Established;
          this.#bindStart = -1;
        }
        return;
      case RelayMessageType.Ping: // our server echoes PINGs; any valid message refreshes (rule 5)
        this.#lastReceive = this.#now;
        return;
      case RelayMessageType.Accepted: {
        const f = readFromTo(m, 0, m.length);
        if (!f) { drop.malformed++; return; }
        this.#lastReceive = this.#now;
        if (this.#join !== Join.Requesting) { drop.unexpected++; return; }
        this.#accepted(f.from);
        return;
      }
      case RelayMessageType.Rejected: {
        this.#lastReceive = this.#now;
        if (this.#join !== Join.Requesting) { drop.unexpected++; return; }
        // Rule 7: the host's allocation is full.
        const alias = this.#alias!;
        this.#resetJoin();
        this.#invalidate();
        this.#links!.closed(alias.address, alias.port, DisconnectReason.ClosedByRemote);
        return;
      }
      case RelayMessageType.Disconnect: {
        const f = readFromTo(m, 0, m.length);
        if (!f) { drop.malformed++; return; }
        this.#lastReceive = this.#now;
        if (!sameAllocationId(f.to, 0, this.#own)) { drop.notForUs++; return; }
        const peer = this.#peers.byId(f.from, 0);
        if (!peer) { drop.unknownPeer++; return; }
        // Rule 6: ProtocolError since UTP 2.1 (spec §3.9).
        this.#forget(peer);
        this.#links!.closed(peer.address, peer.port, DisconnectReason.ProtocolError);
        return;
      }
      case RelayMessageType.Error: {
        const e = readError(m, 0, m.length);
        if (!e) { drop.malformed++; return; }
        this.#lastReceive = this.#now;
        this.#onError(e.code);
        return;
      }
      default:
        drop.unexpected++;
    }
  }

  /** Rule 2: ACCEPTED.from is the host; the driver keeps seeing it at the endpoint it connected to. */
  #accepted(from: Uint8Array): void {
    const alias = this.#alias!;
    const stale = this.#peers.byId(from, 0);
    if (stale) this.#forget(stale);
    this.#join = Join.Accepted;
    this.#host = this.#peers.add(from, 0, this.#now, alias.address, alias.port);
    const held = this.#held;
    this.#held = null;
    if (held) this.#relay(this.#host, held, 0, held.length);
  }

  /** ERROR codes (spec §7.2): 1 and 4 invalidate the allocation, 3 re-BINDs with nonce + 1, the rest are reported. */
  #onError(code: number): void {
    const s = this.statistics;
    s.errors[code] = (s.errors[code] ?? 0) + 1;
    s.lastErrorCode = code;
    if (this.#status !== RelayConnectionStatus.AllocationInvalid) {
      if (code === RelayErrorCode.PlayerTimedOut || code === RelayErrorCode.AllocationIdNotFound) this.#invalidate();
      else if (code === RelayErrorCode.AllocationIdClientMismatch) {
        this.#setNonce(this.#nonce + 1);
        this.#sendBind(false);
      }
    }
    this.onRelayError?.(code);
  }
}
