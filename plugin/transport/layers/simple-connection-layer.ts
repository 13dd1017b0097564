import { ConnectionList, type ConnectionRecord, SclState } from './connection-list.ts';
import type { DropReason } from '../stack/layer.ts';
import { endpointFromAddress } from '../api/address.ts';
import type { NetworkEndpoint } from '../api/endpoint.ts';
import { DisconnectReason, NetworkEventType, StatusCode } from '../api/status-codes.ts';
import { AbsoluteMinimumMtuSize, type NetworkSettings } from '../api/settings.ts';
import {
  classify, handshakePayloadStart, HandshakeType, MessageType, PacketKind, readMtuAckSize, readMtuCheckLength,
  tokenHigh, tokenLow, writeHandshake, writeMessageHeader, writeMtuAck, writeMtuCheck, MESSAGE_HEADER_SIZE,
} from './simple-connection.ts';

/** What the connection layer needs from the stack around it. */
export interface SclHost {
  readonly now: number;
  readonly listening: boolean;
  /** The carrier below is ready (bound); client requests wait for it (§3.5 client 1). */
  readonly ready: boolean;
  /** Bytes the layers below the SCL put in front of each packet (0 on UDP, 40 with Relay…). */
  readonly lowerPadding: number;
  /** Transmits a finished SCL packet; `buf` has `lowerPadding` free bytes before `start`. */
  transmit(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void;
  event(type: NetworkEventType, rec: ConnectionRecord, buf: Uint8Array | null, start: number, end: number): void;
  /** A Data message's bytes from the pipeline id byte on (the top layer's part, §4.1). */
  data(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void;
  /** A server-side connection finished its handshake: queue it for `accept()`. */
  established(rec: ConnectionRecord): void;
  /** The connection to `rec.endpoint` begins (client request about to leave, or server accept): tell the layers below. */
  opened(rec: ConnectionRecord, endpoint: NetworkEndpoint): void;
  /** The record is released (its last packet has left) or moved away from `endpoint`: tell the layers below. */
  released(rec: ConnectionRecord, endpoint: NetworkEndpoint): void;
  /** Records a dropped packet by reason (statistics). */
  drop(reason: DropReason): void;
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
  #acceptPayload: Uint8Array | null = null;

  constructor(host: SclHost, settings: NetworkSettings) {
    this.#host = host;
    this.#settings = settings;
    this.#scratch = new Uint8Array(256 + settings.networkConfig.maxMessageSize);
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
          const created = this.connections.create(false, endpoint, this.#settings.networkConfig.maxMessageSize);
          created.setToken(buf, start + 5);
          this.connections.index(created);
          created.connectPayload = payload;
          created.lastReceiveTime = now;
          created.packetsReceived = 1;
          created.bytesReceived = end - start;
          created.closeWhenNotListening = !this.#host.listening;
          this.#opened(created, endpoint);
          this.#sendHandshake(created, HandshakeType.ConnectionAccept, this.#acceptPayload);
          if (this.#mtuDiscovery) this.#startMtuDiscovery(created);
          else this.#establish(created);
          return;
        }
        // A retransmitted request: answer again, never create a second connection (§3.5 server 2, 3).
        if (rec.isClient || rec.state === SclState.Disconnected || rec.closeRequested) return this.#host.drop('wrongState');
        rec.packetsReceived++;
        rec.bytesReceived += end - start;
        if (payload) rec.connectPayload = payload;
        rec.lastReceiveTime = now;
        this.#sendHandshake(rec, HandshakeType.ConnectionAccept, this.#acceptPayload);
        return;
      }
      case HandshakeType.ConnectionAccept: {
        if (!rec || !rec.isClient || rec.state !== SclState.AwaitingAccept) return this.#host.drop(rec ? 'wrongState' : 'unknownToken');
        rec.packetsReceived++;
        rec.bytesReceived += end - start;
        rec.acceptPayload = payload ? payload.slice() : null;
        rec.lastReceiveTime = now;
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
    if (rec.state === SclState.Disconnected || rec.closeRequested) return this.#host.drop('wrongState');
    rec.packetsReceived++;
    rec.bytesReceived += end - start;
    const type = buf[start];
    // Implicit accept (§3.5 client 4): any message with our token means the accept was lost.
    if (rec.state === SclState.AwaitingAccept) {
      if (type < MessageType.Data || type > MessageType.MtuAck) return this.#host.drop('unknownType');
      this.#establish(rec);
    }
    const discovering = rec.state === SclState.PathMtuDiscovery || rec.state === SclState.PathMtuDiscoveryStageTwo;
    if (rec.state !== SclState.Established && !discovering) return this.#host.drop('wrongState');
    if (rec.address !== address || rec.port !== port) {
      // Roaming (§3.7): the token is the identity, so follow the sender unless pinned by settings.
      const moved = this.#settings.local.connectionRoaming && rec.state === SclState.Established && address ? endpointFromAddress(address, port) : undefined;
      if (!moved) return this.#host.drop('addressMismatch');
      this.#host.released(rec, rec.endpoint);
      rec.endpoint = moved; rec.address = address; rec.port = port;
      this.#opened(rec, moved);
    }
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
    if (rec.state !== SclState.Established) return StatusCode.NetworkStateMismatch;
    start -= MESSAGE_HEADER_SIZE;
    if (end - start + this.#host.lowerPadding > rec.pathMtu) return StatusCode.NetworkPacketOverflow;
    writeMessageHeader(buf, start, MessageType.Data, rec.token);
    rec.lastSendTime = this.#host.now;
    this.#host.transmit(rec, buf, start, end);
    return StatusCode.Success;
  }

  /** Local close (UTP's `Disconnect`): no local event; one Disconnect packet at the next update (§3.5). */
  requestClose(rec: ConnectionRecord): void {
    rec.closeRequested = true;
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
    // A client that never sent its request never told the layers below it opened.
    if (rec.announced) this.#host.released(rec, rec.endpoint);
    this.connections.release(rec);
  }

  /** Marks a record to be released at the start of the next update (after its events were seen). */
  #processDisconnecting(rec: ConnectionRecord): void {
    const wasUp = rec.state === SclState.Established || rec.state === SclState.PathMtuDiscovery || rec.state === SclState.PathMtuDiscoveryStageTwo;
    if (wasUp) this.#sendMessage(rec, MessageType.Disconnect);
    rec.state = SclState.Disconnected;
    rec.releasePending = true;
  }

  #close(rec: ConnectionRecord, reason: number, sendDisconnect: boolean): void {
    if (sendDisconnect) this.#sendMessage(rec, MessageType.Disconnect);
    rec.state = SclState.Disconnected;
    rec.releasePending = true;
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
    } else {
      this.#host.established(rec);
    }
  }

  #startMtuDiscovery(rec: ConnectionRecord): void {
    rec.state = SclState.PathMtuDiscovery;
    rec.pathMtu = AbsoluteMinimumMtuSize;
    this.#sendMtuProbes(rec);
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
    rec.lastSendTime = this.#host.now;
    this.#host.transmit(rec, this.#scratch, start, end);
  }
}

/** A fresh random connection token (§3.2): WebCrypto, present in browsers and in Node. */
function newToken(rec: ConnectionRecord): void {
  rec.setToken(crypto.getRandomValues(new Uint8Array(8)));
}
