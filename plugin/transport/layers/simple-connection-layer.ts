import { Admission, type AdmissionStatistics } from './admission.ts';
import { ConnectionList, type ConnectionRecord, SclState } from './connection-list.ts';
import type { DropReason } from '../stack/layer.ts';
import { endpointFromAddress } from '../api/address.ts';
import type { NetworkEndpoint } from '../api/endpoint.ts';
import { DisconnectReason, NetworkEventType, StatusCode } from '../api/status-codes.ts';
import { AbsoluteMinimumMtuSize, type NetworkSettings } from '../api/settings.ts';
import {
  classify, handshakePayloadStart, HandshakeType, MessageType, PacketKind, readMtuAckSize, readMtuCheckLength,
  tokenHigh, tokenLow, writeHandshake, writeMessageHeader, writeMtuAck, writeMtuCheck, HANDSHAKE_HEADER_SIZE, MESSAGE_HEADER_SIZE,
} from './simple-connection.ts';

/** What the connection layer needs from the stack around it. */
export interface SclHost {
  readonly now: number;
  readonly listening: boolean;
  /** The carrier below is ready (bound); client requests wait for it (§3.5 client 1). */
  readonly ready: boolean;
  /** Bytes the layers below the SCL put in front of each packet (0 on UDP, 40 with Relay…). */
  readonly lowerPadding: number;
  /**
   * A layer below already proved every peer's address (WebSocket's TCP handshake, DTLS cookies, Relay's BIND):
   * connections start proven, never half-open.
   */
  readonly addressesProven: boolean;
  /** Where the admission counters live (driver statistics). */
  readonly admissionStats: AdmissionStatistics;
  /** Transmits a finished SCL packet; `buf` has `lowerPadding` free bytes before `start`. */
  transmit(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void;
  event(type: NetworkEventType, rec: ConnectionRecord, buf: Uint8Array | null, start: number, end: number): void;
  /** A Data message's bytes from the pipeline id byte on (the top layer's part, §4.1). */
  data(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void;
  /** A server-side connection finished its handshake (and is proven, unless `acceptHalfOpen`): queue it for `accept()`. */
  established(rec: ConnectionRecord): void;
  /** A half-open connection was proven: messages held for it may leave. */
  proven(rec: ConnectionRecord): void;
  /** The connection to `rec.endpoint` begins (client request about to leave, or server accept): tell the layers below. */
  opened(rec: ConnectionRecord, endpoint: NetworkEndpoint): void;
  /** The record is released (its last packet has left) or moved away from `endpoint`: tell the layers below. */
  released(rec: ConnectionRecord, endpoint: NetworkEndpoint): void;
  /** Records a dropped packet by reason (statistics). */
  drop(reason: DropReason): void;
}

/** The half-open lifetime: `halfOpenTimeoutMS`, else the disconnect timeout, else 30 s (admission.ts). */
function halfOpenTimeout(settings: NetworkSettings): number {
  return settings.admission.halfOpenTimeoutMS || settings.networkConfig.disconnectTimeoutMS || 30_000;
}

/** Reason bytes for Disconnect events: byte i holds the value i, so an event's reader can point into it. */
export const REASON_BYTES = Uint8Array.from({ length: 16 }, (_, i) => i);

/**
 * The Simple Connection Layer state machine (spec §3.5–3.8): handshake, implicit accept, heartbeats,
 * timeouts, disconnects and MTU messages, and the header of every packet it sends (§3.2–3.4, Data included).
 * Packets and time in; transmissions and events out through `SclHost`. It never touches a socket.
 */
export class SimpleConnectionLayer {
  readonly connections = new ConnectionList();
  readonly #host: SclHost;
  readonly #settings: NetworkSettings;
  /** Scratch for control packets, with room in front for lower layers. */
  readonly #scratch: Uint8Array;
  readonly #admission: Admission;
  readonly #halfOpenTimeout: number;
  #acceptPayload: Uint8Array | null = null;
  /** Server connections not being released (the `maxConnections` count). */
  #serverLive = 0;
  readonly #live = (): number => this.#serverLive;
  readonly #evict = (rec: ConnectionRecord): void => this.#dropHalfOpen(rec);

  constructor(host: SclHost, settings: NetworkSettings) {
    this.#host = host;
    this.#settings = settings;
    this.#scratch = new Uint8Array(256 + settings.networkConfig.maxMessageSize);
    this.#admission = new Admission(settings.admission, host.admissionStats);
    this.#halfOpenTimeout = halfOpenTimeout(settings);
  }

  get acceptPayload(): Uint8Array | null { return this.#acceptPayload; }
  set acceptPayload(p: Uint8Array | null) { this.#acceptPayload = p && p.length ? p : null; }

  get #mtuDiscovery(): boolean {
    const c = this.#settings.networkConfig;
    return c.performPathMtuDiscovery && c.maxMessageSize > AbsoluteMinimumMtuSize;
  }

  /** Creates a client connection in state Default; the request leaves at the next update (§3.5 client 1). */
  connect(endpoint: NetworkEndpoint, payload: Uint8Array | null): ConnectionRecord {
    const rec = this.connections.create(true, endpoint, this.#settings.networkConfig.maxMessageSize);
    rec.connectPayload = payload && payload.length ? payload : null;
    newToken(rec);
    return rec;
  }

  /** Processes one packet whose lower-layer headers were removed. Never throws on bad input. */
  receive(buf: Uint8Array, start: number, end: number, address: string, port: number): void {
    const kind = classify(buf, start, end);
    if (kind === PacketKind.Handshake) this.#receiveHandshake(buf, start, end, address, port);
    else if (kind === PacketKind.Message) this.#receiveMessage(buf, start, end, address, port);
    else this.#host.drop(kind === PacketKind.BadVersion ? 'badVersion' : 'malformed');
  }

  #receiveHandshake(buf: Uint8Array, start: number, end: number, address: string, port: number): void {
    const lo = tokenLow(buf, start + 5), hi = tokenHigh(buf, start + 5);
    const rec = this.connections.byToken(lo, hi);
    const payloadAt = handshakePayloadStart(buf, start, end);
    const payload = payloadAt < 0 ? null : buf.subarray(payloadAt, end);
    const now = this.#host.now;
    switch (buf[start + 4]) {
      case HandshakeType.ConnectionRequest: {
        if (!rec) {
          const endpoint = address ? endpointFromAddress(address, port) : undefined;
          if (!endpoint) return this.#host.drop('malformed');
          // A stranger: admitted half-open if the limits allow (admission.ts), else not answered at all.
          const proven = this.#host.addressesProven;
          const admitted = proven
            ? this.#serverLive < this.#settings.admission.maxConnections
            : this.#admission.admit(address, now, this.#live, this.#evict);
          if (!admitted) return this.#host.drop('refused');
          const created = this.connections.create(false, endpoint, this.#settings.networkConfig.maxMessageSize);
          created.setToken(buf, start + 5);
          this.connections.index(created);
          this.#serverLive++;
          created.connectPayload = payload;
          created.lastReceiveTime = now;
          created.packetsReceived = 1;
          created.bytesReceived = end - start;
          created.closeWhenNotListening = !this.#host.listening;
          if (!proven) {
            created.halfOpen = { credit: end - start, openedAt: now };
            this.#admission.add(created);
          }
          this.#opened(created, endpoint);
          this.#sendHandshake(created, HandshakeType.ConnectionAccept, this.#acceptPayloadFor(created));
          if (this.#mtuDiscovery) this.#startMtuDiscovery(created);
          else this.#establish(created);
          return;
        }
        // A retransmitted request: answer again, never create a second connection (§3.5 server 2, 3).
        if (rec.isClient || rec.state === SclState.Disconnected || rec.closeRequested) return this.#host.drop('wrongState');
        rec.packetsReceived++;
        rec.bytesReceived += end - start;
        // Credit is per address: a copy of the request from elsewhere buys nothing for the address we answer.
        if (rec.halfOpen && rec.address === address && rec.port === port) rec.halfOpen.credit += end - start;
        if (payload) rec.connectPayload = payload;
        rec.lastReceiveTime = now;
        this.#sendHandshake(rec, HandshakeType.ConnectionAccept, this.#acceptPayloadFor(rec));
        return;
      }
      case HandshakeType.ConnectionAccept: {
        if (!rec || !rec.isClient || rec.state !== SclState.AwaitingAccept) return this.#host.drop(rec ? 'wrongState' : 'unknownToken');
        rec.packetsReceived++;
        rec.bytesReceived += end - start;
        rec.acceptPayload = payload ? payload.slice() : null;
        rec.lastReceiveTime = now;
        // Prove our address to a careful server at the next update, unless the application speaks first.
        rec.heartbeatDue = this.#settings.local.heartbeatOnAccept;
        if (this.#mtuDiscovery) this.#startMtuDiscovery(rec);
        else this.#establish(rec);
        return;
      }
      default:
        this.#host.drop('malformed');
    }
  }

  #receiveMessage(buf: Uint8Array, start: number, end: number, address: string, port: number): void {
    const rec = this.connections.byToken(tokenLow(buf, start + 1), tokenHigh(buf, start + 1));
    if (!rec) return this.#host.drop('unknownToken');
    const type = buf[start];
    const known = type >= MessageType.Data && type <= MessageType.MtuAck;
    if (rec.state === SclState.Disconnected || rec.closeRequested) {
      // A half-open peer that speaks while its close is pending has proven its address: its Disconnect may leave.
      if (!rec.proven && known && rec.state !== SclState.Disconnected && rec.address === address && rec.port === port) this.#markProven(rec);
      return this.#host.drop('wrongState');
    }
    rec.packetsReceived++;
    rec.bytesReceived += end - start;
    // Implicit accept (§3.5 client 4): any message with our token means the accept was lost.
    if (rec.state === SclState.AwaitingAccept) {
      if (!known) return this.#host.drop('unknownType');
      this.#establish(rec);
    }
    const discovering = rec.state === SclState.PathMtuDiscovery || rec.state === SclState.PathMtuDiscoveryStageTwo;
    if (rec.state !== SclState.Established && !discovering) return this.#host.drop('wrongState');
    if (rec.address !== address || rec.port !== port) {
      // Roaming (§3.7): the token is the identity, so follow the sender unless pinned by settings.
      const moved = this.#settings.local.connectionRoaming && rec.state === SclState.Established && address ? endpointFromAddress(address, port) : undefined;
      if (!moved) return this.#host.drop('addressMismatch');
      this.#admission.remove(rec); // half-open: tracked under its old address; proven just below
      this.#host.released(rec, rec.endpoint);
      rec.endpoint = moved; rec.address = address; rec.port = port;
      this.#opened(rec, moved);
    }
    // Anything but a request from the peer proves its address: a half-open connection becomes a normal one.
    if (!rec.proven && known) this.#prove(rec);
    const now = this.#host.now;
    switch (type) {
      case MessageType.Data:
        if (end - start < MESSAGE_HEADER_SIZE + 1) return this.#host.drop('malformed');
        rec.lastReceiveTime = now;
        if (rec.state !== SclState.Established) return this.#host.drop('wrongState');
        this.#host.data(rec, buf, start + MESSAGE_HEADER_SIZE, end);
        return;
      case MessageType.Disconnect:
        this.#close(rec, DisconnectReason.ClosedByRemote, false);
        return;
      case MessageType.Heartbeat:
        rec.lastReceiveTime = now;
        return;
      case MessageType.MtuCheck: {
        const l = readMtuCheckLength(buf, start, end);
        if (l < 0) return this.#host.drop('malformed');
        rec.lastReceiveTime = now;
        const at = this.#host.lowerPadding;
        const n = writeMtuAck(this.#scratch, at, rec.token, l + MESSAGE_HEADER_SIZE + this.#host.lowerPadding + 2);
        this.#transmit(rec, at, at + n);
        return;
      }
      case MessageType.MtuAck: {
        const size = readMtuAckSize(buf, start, end);
        if (size < 0) return this.#host.drop('malformed');
        rec.lastReceiveTime = now;
        if (!discovering) return;
        rec.mtuAckReceived = true;
        const max = this.#settings.networkConfig.maxMessageSize;
        if (size > rec.pathMtu && size <= max) rec.pathMtu = size;
        if (size === max) this.#establish(rec);
        return;
      }
      default:
        this.#host.drop('unknownType');
    }
  }

  /**
   * Start of an update, before its received packets: releases connections that closed during the previous
   * update (their events have been seen by now) and closes those a non-listening driver accepted then.
   */
  beginUpdate(): void {
    const list = this.connections;
    for (let id = 0; id < list.capacity; id++) {
      const rec = list.get(id);
      if (!rec) continue;
      if (rec.releasePending) { this.#release(rec); continue; }
      if (rec.closeWhenNotListening && !this.#host.listening) rec.closeRequested = true;
      rec.closeWhenNotListening = false;
      if (rec.heartbeatDue) {
        // heartbeatOnAccept: the application sent nothing since the accept, so a heartbeat proves our address now.
        rec.heartbeatDue = false;
        if (rec.state === SclState.Established && !rec.closeRequested) this.#sendMessage(rec, MessageType.Heartbeat);
      }
    }
  }

  /** Per-update timers (spec §3.5, §3.6): requests, retries, discovery, timeouts, heartbeats, closes. */
  update(): void {
    const now = this.#host.now;
    const cfg = this.#settings.networkConfig;
    const list = this.connections;
    for (let id = 0; id < list.capacity; id++) {
      const rec = list.get(id);
      if (!rec || rec.releasePending) continue;
      if (rec.closeRequested) { this.#processDisconnecting(rec); continue; }
      if (!rec.proven) {
        // Half-open: no heartbeats, no discovery probes; released after its lifetime of silence (admission.ts).
        if (now - rec.lastReceiveTime > this.#halfOpenTimeout) {
          this.#admission.stats.expired++;
          this.#dropHalfOpen(rec);
        }
        continue;
      }
      switch (rec.state) {
        case SclState.Default:
          if (!this.#host.ready) break;
          if (!list.index(rec)) { newToken(rec); continue; }
          rec.connectAttempts = 1;
          this.#opened(rec, rec.endpoint);
          this.#sendHandshake(rec, HandshakeType.ConnectionRequest, rec.connectPayload);
          rec.state = SclState.AwaitingAccept;
          break;
        case SclState.AwaitingAccept:
          if (now - rec.lastSendTime <= cfg.connectTimeoutMS) break;
          if (rec.connectAttempts >= cfg.maxConnectAttempts) { this.#close(rec, DisconnectReason.MaxConnectionAttempts, false); break; }
          rec.connectAttempts++;
          this.#sendHandshake(rec, HandshakeType.ConnectionRequest, rec.connectPayload);
          break;
        case SclState.PathMtuDiscovery:
          if (now - rec.lastMtuSendTime > 300) { this.#sendMtuProbes(rec); rec.state = SclState.PathMtuDiscoveryStageTwo; }
          break;
        case SclState.PathMtuDiscoveryStageTwo:
          if (now - rec.lastMtuSendTime > 300) {
            // No ack at all: a pre-2.5 peer, so assume the configured size (2.5.1 behaviour, §3.8).
            if (!rec.mtuAckReceived) rec.pathMtu = cfg.maxMessageSize;
            rec.lastReceiveTime = now;
            this.#establish(rec);
          }
          break;
        case SclState.Established:
          if (cfg.disconnectTimeoutMS > 0 && now - rec.lastReceiveTime > cfg.disconnectTimeoutMS) {
            this.#close(rec, DisconnectReason.Timeout, true);
          } else if (cfg.heartbeatTimeoutMS > 0 && now - rec.lastSendTime > cfg.heartbeatTimeoutMS) {
            this.#sendMessage(rec, MessageType.Heartbeat);
          }
          break;
      }
    }
  }

  /**
   * Sends a pipeline packet as a Data message: writes `01 | token` in front of `buf[start, end)`, which begins with
   * the pipeline id (§4.1), so `buf` needs `MESSAGE_HEADER_SIZE` + `lowerPadding` free bytes before `start`.
   * Returns 0, `NetworkStateMismatch` (-3) or `NetworkPacketOverflow` (-4, larger than the path MTU).
   */
  sendData(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): number {
    if (rec.state !== SclState.Established || !rec.proven) return StatusCode.NetworkStateMismatch;
    rec.heartbeatDue = false;
    start -= MESSAGE_HEADER_SIZE;
    if (end - start + this.#host.lowerPadding > rec.pathMtu) return StatusCode.NetworkPacketOverflow;
    writeMessageHeader(buf, start, MessageType.Data, rec.token);
    rec.lastSendTime = this.#host.now;
    this.#host.transmit(rec, buf, start, end);
    return StatusCode.Success;
  }

  /** Local close (UTP's `Disconnect`): no local event; one Disconnect packet at the next update (§3.5). */
  requestClose(rec: ConnectionRecord): void {
    if (rec.state === SclState.Disconnected) return; // closed already (by the peer, a timeout or a closed link)
    rec.closeRequested = true;
    this.#admission.remove(rec);
  }

  /** Sends the Disconnect of every connection closed with `disconnect()` since the last update (the driver's `dispose`). */
  sendRequestedCloses(): void {
    const list = this.connections;
    for (let id = 0; id < list.capacity; id++) {
      const rec = list.get(id);
      if (rec && rec.closeRequested && !rec.releasePending) this.#processDisconnecting(rec);
    }
  }

  /**
   * The carrier below dropped its link to `address:port` (a closed WebSocket, spec §6.3): close the live
   * connections bound to it with `reason`, sending nothing. Local closes in progress finish as usual.
   */
  closeLink(address: string, port: number, reason: number): void {
    const list = this.connections;
    for (let id = 0; id < list.capacity; id++) {
      const rec = list.get(id);
      if (!rec || rec.address !== address || rec.port !== port) continue;
      if (rec.releasePending || rec.closeRequested || rec.state === SclState.Disconnected) continue;
      this.#close(rec, reason & 0x0f, false);
    }
  }

  #opened(rec: ConnectionRecord, endpoint: NetworkEndpoint): void {
    rec.announced = true;
    this.#host.opened(rec, endpoint);
  }

  #release(rec: ConnectionRecord): void {
    this.#admission.remove(rec);
    // A client that never sent its request never told the layers below it opened.
    if (rec.announced) this.#host.released(rec, rec.endpoint);
    this.connections.release(rec);
  }

  /** Marks `rec` to be released at the start of the next update; from now on it does not count as live. */
  #markReleasing(rec: ConnectionRecord): void {
    if (rec.releasePending) return;
    rec.releasePending = true;
    this.#admission.remove(rec);
    if (!rec.isClient) this.#serverLive--;
  }

  /** The accept payload for this request, unless it would make the accept larger than what a half-open peer sent. */
  #acceptPayloadFor(rec: ConnectionRecord): Uint8Array | null {
    const p = this.#acceptPayload;
    if (!p || !rec.halfOpen || HANDSHAKE_HEADER_SIZE + 2 + p.length <= rec.halfOpen.credit) return p;
    this.#admission.stats.acceptPayloadsWithheld++;
    return null;
  }

  /** The peer spoke: no longer half-open (without the follow-up of `#prove`, for a connection that is closing). */
  #markProven(rec: ConnectionRecord): void {
    rec.halfOpen = null;
    this.#admission.remove(rec);
    this.#admission.stats.proven++;
  }

  /** A half-open connection proven: it reaches `accept()` if it was held back, its held messages leave, discovery starts. */
  #prove(rec: ConnectionRecord): void {
    this.#markProven(rec);
    if (rec.state === SclState.Established && !this.#settings.admission.acceptHalfOpen) this.#host.established(rec);
    if (rec.state === SclState.PathMtuDiscovery && rec.lastMtuSendTime < 0) this.#sendMtuProbes(rec);
    this.#host.proven(rec);
  }

  /**
   * Releases a half-open connection (evicted or expired) without a packet: at once if the application never saw
   * it, else through a Disconnect event (Timeout), as a silent established peer would end.
   */
  #dropHalfOpen(rec: ConnectionRecord): void {
    this.#admission.remove(rec);
    if (rec.accepted) { this.#close(rec, DisconnectReason.Timeout, false); return; }
    rec.state = SclState.Disconnected;
    this.#markReleasing(rec);
    this.#release(rec);
  }

  /** Marks a record to be released at the start of the next update (after its events were seen). */
  #processDisconnecting(rec: ConnectionRecord): void {
    const wasUp = rec.state === SclState.Established || rec.state === SclState.PathMtuDiscovery || rec.state === SclState.PathMtuDiscoveryStageTwo;
    if (wasUp) this.#sendMessage(rec, MessageType.Disconnect);
    rec.state = SclState.Disconnected;
    this.#markReleasing(rec);
  }

  #close(rec: ConnectionRecord, reason: number, sendDisconnect: boolean): void {
    if (sendDisconnect) this.#sendMessage(rec, MessageType.Disconnect);
    rec.state = SclState.Disconnected;
    this.#markReleasing(rec);
    this.#host.event(NetworkEventType.Disconnect, rec, REASON_BYTES, reason, reason + 1);
  }

  #establish(rec: ConnectionRecord): void {
    if (rec.state !== SclState.PathMtuDiscovery && rec.state !== SclState.PathMtuDiscoveryStageTwo) {
      rec.pathMtu = this.#settings.networkConfig.maxMessageSize;
    }
    rec.state = SclState.Established;
    if (rec.isClient) {
      const p = rec.acceptPayload;
      this.#host.event(NetworkEventType.Connect, rec, p, 0, p ? p.length : 0);
    } else if (rec.proven || this.#settings.admission.acceptHalfOpen) {
      this.#host.established(rec);
    }
  }

  #startMtuDiscovery(rec: ConnectionRecord): void {
    rec.state = SclState.PathMtuDiscovery;
    rec.pathMtu = AbsoluteMinimumMtuSize;
    // Probes are up to maxMessageSize each: a half-open peer gets them once proven (`#prove`).
    if (rec.proven) this.#sendMtuProbes(rec);
    else rec.lastMtuSendTime = -1;
  }

  /** Probe round (§3.8): 1024, max−100, max−20, max; each datagram is exactly the probed size. */
  #sendMtuProbes(rec: ConnectionRecord): void {
    const max = this.#settings.networkConfig.maxMessageSize;
    const lower = this.#host.lowerPadding;
    for (const size of [AbsoluteMinimumMtuSize, max - 100, max - 20, max]) {
      if (size !== AbsoluteMinimumMtuSize && size !== max && size <= AbsoluteMinimumMtuSize) continue;
      const n = writeMtuCheck(this.#scratch, lower, rec.token, size, lower);
      this.#transmit(rec, lower, lower + n);
    }
    rec.lastMtuSendTime = this.#host.now;
  }

  #sendHandshake(rec: ConnectionRecord, type: HandshakeType, payload: Uint8Array | null): void {
    const at = this.#host.lowerPadding;
    const n = writeHandshake(this.#scratch, at, type, rec.token, payload);
    this.#transmit(rec, at, at + n);
  }

  #sendMessage(rec: ConnectionRecord, type: MessageType): void {
    const at = this.#host.lowerPadding;
    const n = writeMessageHeader(this.#scratch, at, type, rec.token);
    this.#transmit(rec, at, at + n);
  }

  #transmit(rec: ConnectionRecord, start: number, end: number): void {
    const halfOpen = rec.halfOpen;
    if (halfOpen) {
      // Never more bytes to a half-open peer than it sent (admission.ts).
      if (end - start > halfOpen.credit) { this.#admission.stats.packetsWithheld++; return; }
      halfOpen.credit -= end - start;
    }
    rec.heartbeatDue = false;
    rec.lastSendTime = this.#host.now;
    this.#host.transmit(rec, this.#scratch, start, end);
  }
}

/** A fresh random connection token (§3.2): WebCrypto, present in browsers and in Node. */
function newToken(rec: ConnectionRecord): void {
  rec.setToken(crypto.getRandomValues(new Uint8Array(8)));
}
