import type { NetworkConnection } from '../api/connection.ts';
import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import type { NetworkSettings } from '../api/settings.ts';
import type { ConnectionStatistics } from '../api/driver-types.ts';
import { type NetworkEvent, pipelineHandle } from '../api/network-event.ts';
import { type ConnectionState, NetworkEventType, StatusCode } from '../api/status-codes.ts';
import type { NetworkInterface, PacketSink } from '../carriers/network-interface.ts';
import type { AdmissionStatistics } from '../layers/admission.ts';
import { type ConnectionRecord, SclState } from '../layers/connection-list.ts';
import { SimpleConnectionLayer, type SclHost } from '../layers/simple-connection-layer.ts';
import { MESSAGE_HEADER_SIZE } from '../layers/simple-connection.ts';
import { SimulatorLayer } from '../layers/simulator-layer.ts';
import { TopLayer } from '../layers/top-layer.ts';
import { AcceptQueue } from './accept-queue.ts';
import { EventQueue } from './event-queue.ts';
import { LAYER_KEY_PREFIX, type DropReason, type LayerFactory, type LayerLinks, type PacketLayer } from './layer.ts';
import { ReceiveQueue } from './receive-queue.ts';
import { SendQueue } from './send-queue.ts';
import { BandwidthMeter, connectionStatistics, createDriverStatistics, type DriverStatistics } from './statistics.ts';

const EMPTY = new Uint8Array(0);

/**
 * UTP's `NetworkStack`: the carrier and the layers above it, built in order from the settings —
 * carrier → [Simulator] → [DTLS] → [Relay] → SimpleConnection → Top (pipelines) — and the queues between
 * updates. Received datagrams travel up, sent packets down. The driver is a facade over this: its update runs
 * `beginUpdate`, `receive`, `update` and `send` in turn. Only `advanceClock` reads the real clock, and only when asked.
 */
export class NetworkStack implements SclHost {
  readonly carrier: NetworkInterface;
  /** Packet layers from the carrier up (Simulator, DTLS, Relay…). */
  readonly layers: readonly PacketLayer[];
  readonly scl: SimpleConnectionLayer;
  readonly top: TopLayer;
  readonly events = new EventQueue();
  readonly stats: DriverStatistics = createDriverStatistics();
  /** Bytes the carrier and packet layers put in front of a connection-layer packet. */
  readonly lowerPadding: number;
  /** The carrier or a layer proves peers' addresses, so no connection is ever half-open (see `SclHost`). */
  readonly addressesProven: boolean;
  now = 0;
  listening = false;
  /** The carrier is bound (`bind` finished). */
  ready = false;
  /** Called when a datagram is queued or a layer wants an update (the driver's `onPacket`). */
  wake: () => void = () => {};
  /** `NetworkReceiveQueueFull` or `NetworkSocketError` since the previous update (UTP's `ReceiveErrorCode`). */
  pendingErrorCode = 0;
  lastError: Error | null = null;

  readonly #settings: NetworkSettings;
  readonly #receiveQueue: ReceiveQueue;
  readonly #sendQueue: SendQueue;
  /** Links the carrier or a layer reported closed since the last update, applied after the datagrams. */
  #closedLinks: Array<{ address: string; port: number; reason: number }> = [];
  /** Entry points: the lowest layer's receive and the highest layer's send (or the connection layer and the queue). */
  readonly #receiveBottom: (bytes: Uint8Array, start: number, end: number, address: string, port: number) => void;
  readonly #sendTop: (bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint) => void;
  readonly #receiveOne = (bytes: Uint8Array, address: string, port: number): void => {
    try {
      this.#receiveBottom(bytes, 0, bytes.length, address, port);
    } catch (err) {
      // A bug in a layer or stage must not take the loop down or affect other connections: count and go on.
      this.stats.dropped.internalError++;
      this.lastError = err as Error;
    }
  };
  /** The Data event popped last and where its message starts, until a send forwards it (see `#sendInPlace`). */
  #lendable: Uint8Array | null = null;
  #lendableStart = 0;
  readonly #bandwidth = new BandwidthMeter();
  readonly #acceptQueue = new AcceptQueue();
  #binding: Promise<void> | null = null;
  readonly #clockBase = performance.now();
  /** The last `advanceClock` read the real clock (see `refreshClock`). */
  #realClock = false;

  constructor(carrier: NetworkInterface, settings: NetworkSettings) {
    this.carrier = carrier;
    this.#settings = settings;
    const cfg = settings.networkConfig;
    this.layers = buildLayers(settings, carrier);
    this.lowerPadding = (carrier.packetPadding ?? 0) + this.layers.reduce((n, l) => n + l.headerSize, 0);
    this.addressesProven = carrier.provesAddresses === true || this.layers.some((l) => l.provesAddresses === true);
    this.#receiveQueue = new ReceiveQueue(cfg.receiveQueueCapacity);
    this.#sendQueue = new SendQueue(cfg.sendQueueCapacity, cfg.maxMessageSize);
    this.#sendQueue.attach(carrier);
    this.scl = new SimpleConnectionLayer(this, settings);
    this.top = new TopLayer(this, this.scl, this.events, settings);

    // Wire the packet layers: each one's `up` is the next one's receive, its `down` the previous one's send.
    const queuePush = (b: Uint8Array, s: number, e: number, to: NetworkEndpoint): void => this.#sendQueue.push(b, s, e, to);
    const sclReceive = (b: Uint8Array, s: number, e: number, address: string, port: number): void => {
      this.stats.packetsReceived++;
      this.stats.bytesReceived += e - s;
      this.scl.receive(b, s, e, address, port);
    };
    const n = this.layers.length;
    this.layers.forEach((layer, i) => layer.attach(this.#links(
      i + 1 < n ? this.layers[i + 1].receive.bind(this.layers[i + 1]) : sclReceive,
      i > 0 ? this.layers[i - 1].send.bind(this.layers[i - 1]) : queuePush,
      i + 1 < n ? this.layers[i + 1] : null,
    )));
    this.#receiveBottom = n ? this.layers[0].receive.bind(this.layers[0]) : sclReceive;
    this.#sendTop = n ? this.layers[n - 1].send.bind(this.layers[n - 1]) : queuePush;
  }

  /** Bytes in front of every pipeline's headers: lower layers + SCL header (9) + pipeline id (1), spec §2.4. */
  get packetPadding(): number { return this.lowerPadding + MESSAGE_HEADER_SIZE + 1; }

  /** UTP's `GetRelayConnectionStatus()`: the Relay layer's status, or NotUsingRelay (3) without one (spec §7.3). */
  get relayConnectionStatus(): number {
    return this.layer<PacketLayer & { relayConnectionStatus?: number }>('Relay')?.relayConnectionStatus ?? 3;
  }

  /** The first layer called `name` (`'Relay'`, `'DTLS'`, `'Simulator'`), if the settings built one. */
  layer<T extends PacketLayer = PacketLayer>(name: string): T | undefined {
    return this.layers.find((l) => l.name === name) as T | undefined;
  }

  /** Where the carrier delivers: datagrams wait in the receive queue for the next update. */
  readonly sink: PacketSink = {
    receive: (bytes, address, port) => {
      if (bytes.length > this.#settings.networkConfig.maxMessageSize) { this.stats.dropped.oversize++; return; }
      if (!this.#receiveQueue.push(bytes, address, port)) {
        this.stats.dropped.queueFull++;
        this.pendingErrorCode = StatusCode.NetworkReceiveQueueFull;
        return;
      }
      this.wake();
    },
    error: (err) => { this.pendingErrorCode = StatusCode.NetworkSocketError; this.lastError = err; },
    closed: (address, port, reason) => this.#linkClosed(0, address, port, reason),
  };

  /** Opens the carrier on `endpoint` (UTP's `Bind`); `ready` once it is bound. */
  async bind(endpoint: NetworkEndpoint): Promise<void> {
    this.#binding = this.carrier.bind(endpoint, this.sink);
    try {
      await this.#binding;
      this.ready = true;
    } finally {
      this.#binding = null;
    }
  }

  /** A `bind` is under way. */
  get binding(): boolean { return this.#binding !== null; }

  /** Binds to the any-address of `family` unless bound or binding (a client's implicit bind, as in UTP). */
  bindImplicitly(family: NetworkFamily): void {
    if (this.ready || this.#binding) return;
    const any = family === NetworkFamily.Ipv6 ? NetworkEndpoint.anyIpv6 : NetworkEndpoint.anyIpv4;
    this.bind(any).catch((err: Error) => this.sink.error(err));
  }

  /** Lets the carrier accept incoming connections (UTP's `Listen`). */
  listen(): void {
    this.carrier.listen();
    this.listening = true;
  }

  // The phases of one update (UTP's ScheduleUpdate), in this order: beginUpdate, receive, update, send.

  /**
   * Advances the clock (see `advanceClock`), discards the unpopped events and releases the connections that closed
   * during the previous update. Returns `NetworkReceiveQueueFull`, `NetworkSocketError` or 0: what happened since.
   */
  beginUpdate(now: number | undefined): number {
    this.advanceClock(now);
    const code = this.pendingErrorCode;
    this.pendingErrorCode = 0;
    this.events.clear();
    this.scl.beginUpdate();
    return code;
  }

  /**
   * Carrier and layer updates (they hand on what they buffered), pipeline timers (resends and acks go down now, as
   * before any packet is read), then the queued datagrams up through the layers, then the links reported closed.
   */
  receive(): void {
    const now = this.now;
    this.carrier.update?.(now);
    for (let i = 0; i < this.layers.length; i++) this.layers[i].update?.(now); // indexed: no iterator per update
    this.top.update();
    this.#receiveQueue.drain(this.#receiveOne);
    if (this.#closedLinks.length) {
      for (const l of this.#closedLinks.splice(0)) this.scl.closeLink(l.address, l.port, l.reason);
    }
  }

  /** Connection timers: requests, retries, path-MTU discovery, timeouts, heartbeats, closes (spec §3.5, §3.6). */
  update(): void {
    this.scl.update();
  }

  /** Layers release what they held, the send queue goes to the carrier, and the bandwidth figures move on. */
  send(): void {
    for (let i = this.layers.length - 1; i >= 0; i--) this.layers[i].flushSend?.(this.now);
    this.#sendQueue.flush();
    this.#bandwidth.measure(this.stats, this.now);
  }

  /**
   * Moves the clock to `now` (the real clock when omitted), never backwards; `fixedFrameTimeMS` and `maxFrameTimeMS`
   * apply as in UTP (spec §8.1).
   */
  advanceClock(now: number | undefined): void {
    const cfg = this.#settings.networkConfig;
    this.#realClock = now === undefined && cfg.fixedFrameTimeMS <= 0;
    let t = now ?? Math.floor(performance.now() - this.#clockBase);
    if (cfg.fixedFrameTimeMS > 0) t = this.now + cfg.fixedFrameTimeMS;
    else if (cfg.maxFrameTimeMS > 0 && t - this.now > cfg.maxFrameTimeMS) t = this.now + cfg.maxFrameTimeMS;
    if (t > this.now) this.now = t;
  }

  /**
   * utp-ts only: a message sent between updates is stamped with the time it is sent, not the last update's, when
   * the driver runs on the real clock (`update()` without a time). Otherwise a message sent long after the update
   * (from a DOM event, or after a browser frame's paint) would measure its wait as round-trip time, and its resend
   * timer would start in the past. Explicit clocks (tests, fixed frame time) are never touched.
   */
  refreshClock(): void {
    if (this.#realClock) this.advanceClock(undefined);
  }

  /**
   * Pops the next event (of `rec` only, when given) into `out`; returns its type or `Empty`. Events of server
   * connections not yet returned by `accept()` are discarded, as in UTP.
   */
  popEvent(out: NetworkEvent, rec?: ConnectionRecord): NetworkEventType {
    const events = this.events;
    for (;;) {
      if (rec && !rec.isClient && !rec.accepted) return out.clear();
      const i = rec ? events.popFor(rec.id) : events.popAny();
      if (i < 0) return out.clear();
      const owner = rec ?? this.scl.connections.get(events.connection(i));
      if (!owner || (!owner.isClient && !owner.accepted)) continue;
      const buf = events.buffer(i) ?? EMPTY;
      const start = events.start(i);
      const type = events.type(i);
      this.#lendable = type === NetworkEventType.Data ? buf : null;
      this.#lendableStart = start;
      return out.set(type, owner.handle, pipelineHandle(events.pipeline(i)), buf, start, events.end(i) - start);
    }
  }

  /** The next server connection that finished its handshake and is still established, or null (UTP's `Accept`). */
  accept(): ConnectionRecord | null {
    return this.#acceptQueue.take(this.scl.connections, this.listening);
  }

  /** Largest message on pipeline `pipe` over a path of `pathMtu` bytes (fragmentation raises it). */
  payloadCapacity(pipe: number, pathMtu: number): number {
    const def = this.top.definition(pipe);
    return def.payloadCapacity ?? pathMtu - this.packetPadding - def.headerCapacity;
  }

  /**
   * The live record behind `connection` if a message of `size` bytes may be sent on `pipe` now, else a status code:
   * -1 / -2 for unknown or stale handles, `NetworkStateMismatch` (-3), `NetworkPacketOverflow` (-4).
   */
  sendTarget(connection: NetworkConnection, pipe: number, size: number): ConnectionRecord | StatusCode {
    this.top.definition(pipe); // an unknown pipeline throws before the connection is looked at
    const check = this.scl.connections.check(connection);
    if (check !== 0) return check as StatusCode;
    const rec = this.scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Established || rec.closeRequested) return StatusCode.NetworkStateMismatch;
    this.refreshClock();
    return size > this.payloadCapacity(pipe, rec.pathMtu) ? StatusCode.NetworkPacketOverflow : rec;
  }

  /** Driver-wide counters, the connection count brought up to date. */
  statistics(): DriverStatistics {
    this.stats.connections = this.scl.connections.count;
    return this.stats;
  }

  /** A connection's counters and per-pipeline statistics (UTP 2.7 `GetConnectionStatistics`). */
  connectionStatistics(rec: ConnectionRecord, state: ConnectionState): ConnectionStatistics {
    return connectionStatistics(rec, state, this.carrier.carrierName ?? 'unknown', this.top.instances(rec));
  }

  /**
   * Sends one message of `bytes[start, end)` on pipeline `pipe`: forwarded in place when it is the event just popped
   * (see `#sendInPlace`), else copied into the top layer's send buffer.
   */
  sendMessage(rec: ConnectionRecord, pipe: number, bytes: Uint8Array, start: number, end: number): number {
    const headroom = this.top.headroom(pipe);
    return this.#sendInPlace(rec, pipe, bytes, start, end, headroom) ?? this.top.sendCopy(rec, pipe, bytes, start, end, headroom);
  }

  /**
   * Forwards the message of the Data event popped last from the array it arrived in, without copying it: stage and
   * connection headers go into the bytes in front of it (the received packet's own headers), and the send queue keeps
   * the array itself, so a carrier that takes ownership sends it as it is. Only the first forward of that event, only
   * from where its message starts, and only without packet layers (which rewrite packets anyway). Returns null when
   * that does not apply: the caller copies as usual.
   */
  #sendInPlace(rec: ConnectionRecord, pipe: number, bytes: Uint8Array, start: number, end: number, headroom: number): number | null {
    if (bytes !== this.#lendable || start !== this.#lendableStart || start < headroom || this.layers.length > 0 || !this.#sendQueue.owning) return null;
    this.#lendable = null;
    this.#sendQueue.lend(bytes);
    const status = this.top.send(rec, pipe, bytes, start, end);
    this.#sendQueue.lend(null);
    return status;
  }

  /** A stage's packet that nobody writes into again may go to the carrier as it is (not through packet layers). */
  keepNext(bytes: Uint8Array | null): void {
    this.#sendQueue.lend(this.layers.length === 0 ? bytes : null);
  }

  /** Hands queued datagrams to the carrier now (UTP's `ScheduleFlushSend`). */
  flush(): void {
    this.#sendQueue.flush();
  }

  /** Sends the Disconnect of every connection closed since the last update, then closes the layers and the carrier. */
  dispose(): void {
    this.scl.sendRequestedCloses();
    this.#sendQueue.flush();
    for (const l of this.layers) l.dispose?.();
    this.carrier.dispose();
  }

  // ---------------------------------------------------------------- SclHost

  transmit(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void {
    rec.packetsSent++;
    rec.bytesSent += end - start;
    this.stats.packetsSent++;
    this.stats.bytesSent += end - start;
    this.#sendTop(buf, start, end, rec.endpoint);
  }
  event(type: NetworkEventType, rec: ConnectionRecord, buf: Uint8Array | null, start: number, end: number): void {
    this.events.push(type, rec.id, 0, buf, start, end);
  }
  data(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void {
    this.top.receive(rec, buf, start, end);
  }
  established(rec: ConnectionRecord): void {
    this.#acceptQueue.push(rec);
  }
  proven(rec: ConnectionRecord): void {
    this.top.releaseHeld(rec);
  }
  get admissionStats(): AdmissionStatistics {
    return this.stats.admission;
  }
  opened(_rec: ConnectionRecord, endpoint: NetworkEndpoint): void {
    for (let i = this.layers.length - 1; i >= 0; i--) this.layers[i].connectionOpened?.(endpoint);
    this.carrier.connectionOpened?.(endpoint);
  }
  released(rec: ConnectionRecord, endpoint: NetworkEndpoint): void {
    if (rec.releasePending) this.top.release(rec); // else it moved to another address (roaming): the pipelines stay
    for (let i = this.layers.length - 1; i >= 0; i--) this.layers[i].connectionClosed?.(endpoint);
    this.carrier.connectionClosed?.(endpoint);
  }
  drop(reason: DropReason | (string & {})): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }

  // ---------------------------------------------------------------- internals

  #links(up: LayerLinks['up'], down: LayerLinks['down'], above: PacketLayer | null): LayerLinks {
    const stack = this;
    const index = above ? this.layers.indexOf(above) : this.layers.length;
    return {
      get now() { return stack.now; },
      get ready() { return stack.ready; },
      settings: this.#settings,
      up,
      down,
      drop: (reason) => this.drop(reason),
      closed: (address, port, reason) => this.#linkClosed(index, address, port, reason),
      error: (err) => this.sink.error(err),
      wake: () => this.wake(),
    };
  }

  /** A link closed below layer `index`: the first layer from there up that handles it decides, else the SCL closes. */
  #linkClosed(index: number, address: string, port: number, reason: number): void {
    for (let i = index; i < this.layers.length; i++) {
      const l = this.layers[i];
      if (l.linkClosed) { l.linkClosed(address, port, reason); return; }
    }
    this.#closedLinks.push({ address, port, reason });
    this.wake();
  }
}

/** The packet layers the settings ask for, lowest first: the simulator, then every stored `LayerFactory` by order. */
function buildLayers(settings: NetworkSettings, carrier: NetworkInterface): PacketLayer[] {
  const factories: LayerFactory[] = [];
  for (const [key, value] of settings.custom) if (key.startsWith(LAYER_KEY_PREFIX)) factories.push(value as LayerFactory);
  factories.sort((a, b) => a.order - b.order);
  const layers = factories.map((f) => f.create(settings, carrier));
  if (settings.networkSimulator) layers.unshift(new SimulatorLayer(settings.networkSimulator));
  return layers;
}
