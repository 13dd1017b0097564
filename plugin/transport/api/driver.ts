import { NetworkConnection } from './connection.ts';
import { type ConnectionRecord, SclState } from '../layers/connection-list.ts';
import { DataStreamWriter } from './data-stream.ts';
import { NetworkEndpoint, NetworkFamily } from './endpoint.ts';
import { UtpError } from './errors.ts';
import { EventQueue } from '../stack/event-queue.ts';
import type { NetworkInterface, PacketSink } from '../carriers/network-interface.ts';
import { UDPNetworkInterface } from '../carriers/udp.ts';
import { NetworkEvent, pipelineHandle } from './network-event.ts';
import {
  NetworkPipeline, PipelineDefinition, PipelineInstance, pipelineId, validateStages,
  type PipelineHost, type PipelineOptions, type PipelineRef,
} from '../stages/pipeline.ts';
import type { PipelineStage, StageStatistics } from '../stages/pipeline-stage.ts';
import { SendQueue } from '../stack/send-queue.ts';
import { NetworkSimulatorLayer } from '../layers/simulator-layer.ts';
import { NetworkSettings } from './settings.ts';
import { MESSAGE_HEADER_SIZE, MessageType, writeMessageHeader, HANDSHAKE_HEADER_SIZE } from '../layers/simple-connection.ts';
import { type DropReason, type SclHost, SimpleConnectionLayer } from '../layers/simple-connection-layer.ts';
import { ConnectionState, NetworkEventType, StatusCode } from './status-codes.ts';

/** Options of `NetworkDriver.create` in object form. */
export interface NetworkDriverOptions {
  settings?: NetworkSettings;
  /** The carrier; UDP (`UDPNetworkInterface`) when omitted, as in UTP on native platforms. */
  networkInterface?: NetworkInterface;
}

/** What `beginSend` returns: one object owned by the driver, valid until `endSend` or `abortSend`. */
export interface BeginSendResult {
  status: StatusCode;
  /** Write the message here; meaningless unless `status` is `Success`. */
  writer: DataStreamWriter;
}

/** Driver-wide counters (UTP 2.7's `GetStatistics`, plus drop reasons). */
export interface DriverStatistics {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Incoming datagrams dropped, by reason (`simulated`: the network simulator's receive loss). Bad input never throws. */
  dropped: Record<DropReason | 'internalError', number>;
  connections: number;
  /** Bytes per second sent and received over the last complete second of driver time. */
  sendBandwidth: number;
  receiveBandwidth: number;
}

/** A connection's counters and, per pipeline, its stage statistics. */
export interface ConnectionStatistics {
  state: ConnectionState;
  pathMtu: number;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Smoothed RTT (ms) of the first reliable pipeline that has a sample; 0 if none. */
  rtt: number;
  pipelines: Array<{ id: number; stages: readonly string[] } & StageStatistics>;
}

const dropReasons: Array<DropReason | 'internalError'> = [
  'malformed', 'badVersion', 'unknownToken', 'wrongState', 'unknownType', 'badPipeline', 'oversize', 'queueFull',
  'addressMismatch', 'simulated', 'internalError',
];

/**
 * Mirrors UTP's `NetworkDriver`: connections, pipelines, events and the update loop, over any
 * `NetworkInterface`. Time enters only through `update(now?)`, so protocol tests run on a fake clock.
 *
 * ```ts
 * const server = NetworkDriver.create();
 * await server.bind(NetworkEndpoint.anyIpv4.withPort(7777));
 * server.listen();
 * const reliable = server.createPipeline(ReliableSequencedPipelineStage);
 * setInterval(() => {
 *   server.update();
 *   for (let c; (c = server.accept()); ) console.log('accepted', c);
 *   for (const ev of server.events()) if (ev.type === NetworkEventType.Data) server.send(ev.connection, reliable, ev.data);
 * }, 16);
 * ```
 */
export class NetworkDriver implements PipelineHost {
  /** The settings this driver was created with. */
  readonly settings: NetworkSettings;
  /**
   * Called when a datagram is queued for the next `update()`. A server can schedule an update here
   * (e.g. with `setImmediate`) instead of polling. Must not throw.
   */
  onPacket: (() => void) | null = null;

  readonly #iface: NetworkInterface;
  readonly #scl: SimpleConnectionLayer;
  readonly #events = new EventQueue();
  readonly #sendQueue: SendQueue;
  /** UTP's SimulatorLayer, present only with `withNetworkSimulatorParameters` (as in UTP). */
  readonly #simulator: NetworkSimulatorLayer | null;
  readonly #push = (bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void => this.#sendQueue.push(bytes, start, end, to);
  readonly #pipelines: PipelineDefinition[] = [];
  readonly #registered = new Set<PipelineStage>();
  readonly #acceptQueue: ConnectionRecord[] = [];
  #acceptHead = 0;
  #now = 0;
  #clockBase = performance.now();
  #bound = false;
  #binding: Promise<void> | null = null;
  #listening = false;
  #created = true;
  #receiveErrorCode = 0;
  #pendingErrorCode = 0;
  #lastError: Error | null = null;
  /** Start of the current bandwidth window and the byte counters at that time. */
  #rateStart = 0;
  #rateSent = 0;
  #rateReceived = 0;

  // Datagrams received since the last update: (bytes, address, port), in arrival order.
  #rxBuf: (Uint8Array | null)[];
  #rxAddr: string[];
  #rxPort: Int32Array;
  #rxCount = 0;
  // Links the interface reported closed since the last update (PacketSink.closed), applied after the datagrams.
  #closedLinks: Array<{ address: string; port: number; reason: number }> = [];

  // Send path: one writer and one scratch buffer, sized for the largest pipeline.
  #scratch: Uint8Array;
  readonly #writer = new DataStreamWriter(0);
  readonly #sendResult: BeginSendResult = { status: StatusCode.Success, writer: this.#writer };
  #pending: { rec: ConnectionRecord; pipe: number; headroom: number } | null = null;

  readonly #stats: DriverStatistics = {
    packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, connections: 0, sendBandwidth: 0, receiveBandwidth: 0,
    dropped: Object.fromEntries(dropReasons.map((r) => [r, 0])) as DriverStatistics['dropped'],
  };

  /**
   * Mirrors `NetworkDriver.Create`: `create()`, `create(settings)`, `create(networkInterface, settings?)`
   * or `create({ networkInterface, settings })`.
   */
  static create(
    a?: NetworkSettings | NetworkInterface | NetworkDriverOptions, b?: NetworkSettings,
  ): NetworkDriver {
    if (a instanceof NetworkSettings) return new NetworkDriver(new UDPNetworkInterface(), a);
    if (a && typeof (a as NetworkInterface).send === 'function') return new NetworkDriver(a as NetworkInterface, b ?? new NetworkSettings());
    const o = (a ?? {}) as NetworkDriverOptions;
    return new NetworkDriver(o.networkInterface ?? new UDPNetworkInterface(), o.settings ?? b ?? new NetworkSettings());
  }

  private constructor(iface: NetworkInterface, settings: NetworkSettings) {
    this.settings = settings;
    this.#iface = iface;
    const cfg = settings.networkConfig;
    this.#scl = new SimpleConnectionLayer(this.#sclHost, settings);
    this.#sendQueue = new SendQueue(cfg.sendQueueCapacity, cfg.maxMessageSize);
    this.#sendQueue.attach(iface);
    this.#simulator = settings.networkSimulator ? new NetworkSimulatorLayer(settings.networkSimulator) : null;
    this.#rxBuf = new Array(cfg.receiveQueueCapacity).fill(null);
    this.#rxAddr = new Array(cfg.receiveQueueCapacity).fill('');
    this.#rxPort = new Int32Array(cfg.receiveQueueCapacity);
    this.#scratch = new Uint8Array(this.packetPadding + cfg.maxMessageSize);
  }

  // ---------------------------------------------------------------- binding

  /** Mirrors `Bind`: opens the interface on `endpoint`. Rejects with `UtpSocketError` (e.g. port in use). */
  async bind(endpoint: NetworkEndpoint): Promise<void> {
    this.#assertCreated();
    if (this.#bound || this.#binding) throw new UtpError('driver is already bound: create another driver to bind elsewhere');
    const sink: PacketSink = {
      receive: (bytes, address, port) => this.#enqueue(bytes, address, port),
      error: (err) => { this.#pendingErrorCode = StatusCode.NetworkSocketError; this.#lastError = err; },
      closed: (address, port, reason) => { this.#closedLinks.push({ address, port, reason }); this.onPacket?.(); },
    };
    this.#binding = this.#iface.bind(endpoint, sink);
    try {
      await this.#binding;
      this.#bound = true;
    } finally {
      this.#binding = null;
    }
  }

  /** Mirrors `Listen`: accept incoming connections. Requires `bind` first. */
  listen(): void {
    this.#assertCreated();
    if (!this.#bound) throw new UtpError('listen() needs a bound driver: await driver.bind(endpoint) first');
    this.#iface.listen();
    this.#listening = true;
  }

  /** Mirrors `Bound`. */
  get bound(): boolean { return this.#bound; }
  /** Mirrors `Listening`. */
  get listening(): boolean { return this.#listening; }
  /** Mirrors `IsCreated`: false after `dispose()`. */
  get isCreated(): boolean { return this.#created; }
  /** Mirrors `GetLocalEndpoint()`. */
  localEndpoint(): NetworkEndpoint { return this.#iface.localEndpoint; }
  /** Mirrors `LastUpdateTime`: the driver clock in ms, advanced once per `update`. */
  get lastUpdateTime(): number { return this.#now; }
  /** Mirrors `ReceiveErrorCode`: 0, `NetworkReceiveQueueFull` (-10) or `NetworkSocketError` (-11) since the previous update. */
  get receiveErrorCode(): number { return this.#receiveErrorCode; }
  /**
   * Mirrors `GetRelayConnectionStatus()`: NotEstablished 0, Established 1, AllocationInvalid 2,
   * NotUsingRelay 3 (spec §7.3).
   */
  getRelayConnectionStatus(): number {
    return this.#iface.relayConnectionStatus ?? 3;
  }
  /** The last socket error reported by the interface, for logs. */
  get lastError(): Error | null { return this.#lastError; }

  // ---------------------------------------------------------------- connections

  /**
   * Mirrors `Connect(endpoint, payload)`. The request leaves at the next `update()` and is retried every
   * `connectTimeoutMS`. Binds to the any-address implicitly, as UTP does, if `bind` was not called.
   * `payload` (UTP 2.2+) reaches the server's `accept()`; at most `maxMessageSize − 25` bytes (§3.2).
   */
  connect(endpoint: NetworkEndpoint, payload?: Uint8Array): NetworkConnection {
    this.#assertCreated();
    const max = this.settings.networkConfig.maxMessageSize - this.packetPadding - HANDSHAKE_HEADER_SIZE - 2;
    if (payload && payload.length > max) {
      throw new UtpError(`connect payload of ${payload.length} bytes exceeds the ${max}-byte limit (spec §3.2)`, StatusCode.NetworkPacketOverflow);
    }
    if (!this.#bound && !this.#binding) {
      const any = endpoint.family === NetworkFamily.Ipv6 ? NetworkEndpoint.anyIpv6 : NetworkEndpoint.anyIpv4;
      this.bind(any).catch((err: Error) => { this.#pendingErrorCode = StatusCode.NetworkSocketError; this.#lastError = err; });
    }
    return this.#scl.connect(endpoint, payload ? payload.slice() : null).handle;
  }

  /**
   * Mirrors `Accept(out payload)`: the next connection that completed its handshake, or `null`. Pass an
   * object to receive the client's connect payload (UTP 2.2+).
   */
  accept(out?: { payload?: Uint8Array | null }): NetworkConnection | null {
    this.#assertCreated();
    while (this.#acceptHead < this.#acceptQueue.length) {
      const rec = this.#acceptQueue[this.#acceptHead++];
      if (this.#acceptHead === this.#acceptQueue.length) { this.#acceptQueue.length = 0; this.#acceptHead = 0; }
      if (this.#scl.connections.get(rec.id) !== rec || rec.state !== SclState.Established || rec.closeRequested) continue;
      if (!this.#listening) continue;
      rec.accepted = true;
      if (out) out.payload = rec.connectPayload;
      return rec.handle;
    }
    return null;
  }

  /** The connect payload a client sent (server side), or its accept payload (client side); null if none. */
  getConnectionPayload(connection: NetworkConnection): Uint8Array | null {
    const rec = this.#record(connection);
    if (!rec) return null;
    return rec.isClient ? rec.acceptPayload : rec.connectPayload;
  }

  /** Mirrors `SetAcceptPayload` (UTP 2.7): bytes sent with every accept to every client. */
  setAcceptPayload(payload: Uint8Array | null): void {
    const max = this.settings.networkConfig.maxMessageSize - this.packetPadding - HANDSHAKE_HEADER_SIZE - 2;
    if (payload && payload.length > max) {
      throw new UtpError(`accept payload of ${payload.length} bytes exceeds the ${max}-byte limit`, StatusCode.NetworkPacketOverflow);
    }
    this.#scl.acceptPayload = payload ? payload.slice() : null;
  }

  /**
   * Mirrors `Disconnect(connection)`: one Disconnect packet leaves at the next update; no local event.
   * Returns 0, or -1/-2 for an unknown or stale handle.
   */
  disconnect(connection: NetworkConnection): StatusCode {
    const check = this.#scl.connections.check(connection);
    if (check !== 0) return check as StatusCode;
    const rec = this.#scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Disconnected) this.#scl.requestClose(rec);
    return StatusCode.Success;
  }

  /** Mirrors `GetConnectionState`. Stale handles report `Disconnected`. */
  getConnectionState(connection: NetworkConnection): ConnectionState {
    const rec = this.#record(connection);
    if (!rec || rec.closeRequested) return ConnectionState.Disconnected;
    switch (rec.state) {
      case SclState.Established: return ConnectionState.Connected;
      case SclState.Disconnected: return ConnectionState.Disconnected;
      default: return ConnectionState.Connecting;
    }
  }

  /** Mirrors `GetRemoteEndpoint(connection)`; the current address (it follows roaming, §3.7). */
  remoteEndpoint(connection: NetworkConnection): NetworkEndpoint | null {
    return this.#record(connection)?.endpoint ?? null;
  }

  // ---------------------------------------------------------------- pipelines

  /**
   * Mirrors `CreatePipeline(stages…)`: ids are 1, 2, 3… in call order and must match on both peers.
   * An options object may come first (per-pipeline settings, the opt-in send queue).
   */
  createPipeline(...args: Array<PipelineStage<any> | PipelineOptions>): NetworkPipeline {
    this.#assertCreated();
    const options = args.length && !isStage(args[0]) ? (args.shift() as PipelineOptions) : {};
    const stages = args as PipelineStage[];
    validateStages(stages, this.#pipelines.length);
    const def = new PipelineDefinition(this.#pipelines.length + 1, stages, options.settings ?? this.settings, options);
    this.#pipelines.push(def);
    for (const s of stages) this.#registered.add(s);
    const need = this.packetPadding + def.headerCapacity + Math.max(def.payloadCapacity ?? 0, this.settings.networkConfig.maxMessageSize);
    if (need > this.#scratch.length) this.#scratch = new Uint8Array(need);
    return pipelineHandle(def.id);
  }

  /** Mirrors `RegisterPipelineStage`: optional here (any object implementing `PipelineStage` works). */
  registerPipelineStage(stage: PipelineStage<any>): void {
    validateStages([stage], 0);
    this.#registered.add(stage);
  }

  /**
   * Mirrors `MaxHeaderSize(pipeline)`: bytes of every header in front of a message on this pipeline,
   * so a message of `maxMessageSize − maxHeaderSize(p)` bytes fits one datagram (spec §2.4).
   */
  maxHeaderSize(pipeline: PipelineRef): number {
    return this.packetPadding + this.#definition(pipelineId(pipeline))?.headerCapacity;
  }

  /** Largest message `beginSend` accepts on this connection and pipeline (fragmentation raises it). */
  maxPayloadSize(connection: NetworkConnection, pipeline: PipelineRef = 0): number {
    const rec = this.#record(connection);
    const mtu = rec ? rec.pathMtu : this.settings.networkConfig.maxMessageSize;
    const def = this.#definition(pipelineId(pipeline));
    return def.payloadCapacity ?? mtu - this.packetPadding - def.headerCapacity;
  }

  /** Mirrors `GetPipelineBuffers`: a read-only snapshot of one stage's state, for debugging. */
  getPipelineBuffers(pipeline: PipelineRef, stage: PipelineStage<any> | string | number, connection: NetworkConnection): unknown {
    const rec = this.#record(connection);
    if (!rec) throw new UtpError(`no live connection ${connection}`, StatusCode.NetworkIdMismatch);
    const inst = this.#instance(rec, pipelineId(pipeline));
    if (!inst) throw new UtpError('pipeline 0 has no stages');
    const index = typeof stage === 'number' ? stage : inst.stageIndexOf(stage);
    return inst.inspect(index);
  }

  // ---------------------------------------------------------------- sending

  /**
   * Mirrors `BeginSend(pipeline, connection, out writer, requiredPayloadSize)`. Check `status` before
   * writing; finish with `endSend(writer)` or `abortSend(writer)`.
   */
  beginSend(pipeline: PipelineRef, connection: NetworkConnection, requiredPayloadSize = 0): BeginSendResult {
    this.#assertCreated();
    if (this.#pending) throw new UtpError('beginSend called while another send is open: call endSend or abortSend first');
    const r = this.#sendResult;
    const pipe = pipelineId(pipeline);
    const def = this.#definition(pipe);
    const check = this.#scl.connections.check(connection);
    r.status = check as StatusCode;
    if (check !== 0) return r;
    const rec = this.#scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Established || rec.closeRequested) { r.status = StatusCode.NetworkStateMismatch; return r; }
    const capacity = def.payloadCapacity ?? rec.pathMtu - this.packetPadding - def.headerCapacity;
    if (requiredPayloadSize > capacity) { r.status = StatusCode.NetworkPacketOverflow; return r; }
    const headroom = this.packetPadding + def.headerCapacity;
    this.#writer.reset(this.#scratch, headroom, capacity);
    this.#pending = { rec, pipe, headroom };
    r.status = StatusCode.Success;
    return r;
  }

  /** Mirrors `EndSend`: sends what was written. Returns the bytes sent, or a negative status code. */
  endSend(writer: DataStreamWriter): number {
    const p = this.#takePending(writer);
    if (writer.hasFailedWrites) return StatusCode.NetworkPacketOverflow;
    if (this.#scl.connections.get(p.rec.id) !== p.rec) return StatusCode.NetworkVersionMismatch;
    const status = this.#sendMessage(p.rec, p.pipe, this.#scratch, p.headroom, p.headroom + writer.length);
    return status < 0 ? status : writer.length;
  }

  /** Mirrors `AbortSend`: discards the open send. */
  abortSend(writer: DataStreamWriter): void {
    this.#takePending(writer);
  }

  /**
   * Short form of beginSend/write/endSend: sends `bytes` (or `length` bytes of it from `offset`) as one message.
   * Returns the bytes sent or a negative status code (-3 not connected, -4 too large, -5 reliable window full, …).
   * `driver.send(c, p, ev.bytes, ev.offset, ev.length)` forwards an event's message without allocating.
   */
  send(connection: NetworkConnection, pipeline: PipelineRef, bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    this.#assertCreated();
    if (this.#pending) throw new UtpError('send() called while a beginSend is open: call endSend or abortSend first');
    const pipe = pipelineId(pipeline);
    const def = this.#definition(pipe);
    const check = this.#scl.connections.check(connection);
    if (check !== 0) return check;
    const rec = this.#scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Established || rec.closeRequested) return StatusCode.NetworkStateMismatch;
    const capacity = def.payloadCapacity ?? rec.pathMtu - this.packetPadding - def.headerCapacity;
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new UtpError(`send: offset ${offset} and length ${length} are outside the ${bytes.length}-byte array`);
    }
    if (length > capacity) return StatusCode.NetworkPacketOverflow;
    const headroom = this.packetPadding + def.headerCapacity;
    const scratch = this.#scratch;
    if (length <= 64) for (let i = 0; i < length; i++) scratch[headroom + i] = bytes[offset + i];
    else scratch.set(offset === 0 && length === bytes.length ? bytes : bytes.subarray(offset, offset + length), headroom);
    const status = this.#sendMessage(rec, pipe, scratch, headroom, headroom + length);
    return status < 0 ? status : length;
  }

  /** Mirrors `ScheduleFlushSend`: hands queued datagrams to the interface now. */
  flush(): void {
    this.#sendQueue.flush();
  }

  // ---------------------------------------------------------------- events

  /**
   * Mirrors `PopEvent(out connection, out reader, out pipeline)`: fills `out` and returns its type, or
   * `Empty`. Events of server connections not yet returned by `accept()` are discarded, as in UTP.
   */
  popEvent(out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    for (;;) {
      const i = this.#events.popAny();
      if (i < 0) return this.#fill(out, -1);
      const rec = this.#scl.connections.get(this.#events.connection(i));
      if (!rec || (!rec.isClient && !rec.accepted)) continue;
      return this.#fill(out, i);
    }
  }

  /** Mirrors `PopEventForConnection(connection, out reader, out pipeline)`. */
  popEventForConnection(connection: NetworkConnection, out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    const rec = this.#record(connection);
    if (!rec || (!rec.isClient && !rec.accepted)) return this.#fill(out, -1);
    return this.#fill(out, this.#events.popFor(rec.id));
  }

  /** Mirrors `GetEventQueueSizeForConnection`. */
  getEventQueueSizeForConnection(connection: NetworkConnection): number {
    const rec = this.#record(connection);
    return rec ? this.#events.pendingFor(rec.id) : 0;
  }

  /** Iterates the pending events (a fresh `NetworkEvent` each): `for (const ev of driver.events())`. */
  *events(): IterableIterator<NetworkEvent> {
    for (;;) {
      const ev = new NetworkEvent();
      if (this.popEvent(ev) === NetworkEventType.Empty) return;
      yield ev;
    }
  }

  // ---------------------------------------------------------------- update

  /**
   * Mirrors `ScheduleUpdate().Complete()`: advances the clock to `now` (ms; defaults to the real clock),
   * discards unpopped events, runs the pipelines' timers (resends, acks), processes received datagrams,
   * runs the connection timers and flushes. Events produced here are read with `popEvent` until the next
   * update.
   */
  update(now?: number): void {
    this.#assertCreated();
    this.#advanceClock(now);
    this.#events.clear();
    this.#receiveErrorCode = this.#pendingErrorCode;
    this.#pendingErrorCode = 0;
    this.#scl.beginUpdate();
    this.#iface.update?.(this.#now);
    const list = this.#scl.connections;
    for (let id = 0; id < list.capacity; id++) {
      const rec = list.get(id);
      if (!rec || rec.state !== SclState.Established || rec.closeRequested) continue;
      for (const inst of rec.pipelines) inst?.update();
    }
    this.#processReceived();
    if (this.#closedLinks.length) {
      for (const l of this.#closedLinks.splice(0)) this.#scl.closeLink(l.address, l.port, l.reason);
    }
    this.#scl.update();
    this.#simulator?.update(this.#now, this.#push);
    this.#sendQueue.flush();
    this.#measureBandwidth();
  }

  #measureBandwidth(): void {
    const elapsed = this.#now - this.#rateStart;
    if (elapsed < 1000) return;
    const s = this.#stats;
    s.sendBandwidth = Math.round(((s.bytesSent - this.#rateSent) * 1000) / elapsed);
    s.receiveBandwidth = Math.round(((s.bytesReceived - this.#rateReceived) * 1000) / elapsed);
    this.#rateStart = this.#now;
    this.#rateSent = s.bytesSent;
    this.#rateReceived = s.bytesReceived;
  }

  /** Mirrors `ToConcurrent()`: the subset of the API that is safe to hand to per-connection workers. */
  toConcurrent(): ConcurrentNetworkDriver {
    return {
      beginSend: this.beginSend.bind(this),
      endSend: this.endSend.bind(this),
      abortSend: this.abortSend.bind(this),
      send: this.send.bind(this),
      popEventForConnection: this.popEventForConnection.bind(this),
      getConnectionState: this.getConnectionState.bind(this),
      maxHeaderSize: this.maxHeaderSize.bind(this),
    };
  }

  /** Mirrors `Dispose`: closes the interface. Connections are dropped without Disconnect packets, as in UTP. */
  dispose(): void {
    if (!this.#created) return;
    this.#created = false;
    this.#iface.dispose();
  }

  // ---------------------------------------------------------------- statistics

  /** Driver-wide counters (UTP 2.7 `GetStatistics`, plus drop reasons). A live object: copy to keep a snapshot. */
  getStatistics(): DriverStatistics {
    this.#stats.connections = this.#scl.connections.count;
    return this.#stats;
  }

  /** A connection's counters and per-pipeline statistics (UTP 2.7 `GetConnectionStatistics`). */
  getConnectionStatistics(connection: NetworkConnection): ConnectionStatistics | null {
    const rec = this.#record(connection);
    if (!rec) return null;
    const pipelines = [];
    let rtt = 0;
    for (const inst of rec.pipelines) {
      if (!inst) continue;
      pipelines.push({ id: inst.definition.id, stages: inst.definition.infos[0]?.stageNames ?? [], ...inst.stats });
      if (!rtt && inst.stats.rtt) rtt = inst.stats.rtt;
    }
    return {
      state: this.getConnectionState(connection), pathMtu: rec.pathMtu, packetsSent: rec.packetsSent,
      packetsReceived: rec.packetsReceived, bytesSent: rec.bytesSent, bytesReceived: rec.bytesReceived, rtt, pipelines,
    };
  }

  // ---------------------------------------------------------------- PipelineHost (used by stages)

  /** @internal The driver clock for stages. */
  get now(): number { return this.#now; }
  /** Bytes in front of every pipeline's headers: lower layers + SCL header (9) + pipeline id (1) — spec §2.4. */
  get packetPadding(): number { return (this.#iface.packetPadding ?? 0) + MESSAGE_HEADER_SIZE + 1; }
  /** @internal */
  pathMtu(connectionId: number): number {
    return this.#scl.connections.get(connectionId)?.pathMtu ?? this.settings.networkConfig.maxMessageSize;
  }
  /** @internal Wraps a finished pipeline packet as `01 | token | pipelineId | …` (spec §4.1) and queues it. */
  sendPipelinePacket(connectionId: number, pipe: number, buf: Uint8Array, start: number, end: number): number {
    const rec = this.#scl.connections.get(connectionId);
    if (!rec || rec.state !== SclState.Established) return StatusCode.NetworkStateMismatch;
    buf[--start] = pipe;
    start -= MESSAGE_HEADER_SIZE;
    writeMessageHeader(buf, start, MessageType.Data, rec.token);
    if (end - start + (this.#iface.packetPadding ?? 0) > rec.pathMtu) return StatusCode.NetworkPacketOverflow;
    rec.lastSendTime = this.#now;
    const inst = rec.pipelines[pipe];
    if (inst) { inst.stats.packetsSent++; inst.stats.bytesSent += end - start; }
    this.#transmit(rec, buf, start, end);
    return StatusCode.Success;
  }
  /** @internal */
  deliverData(connectionId: number, pipe: number, buf: Uint8Array, start: number, end: number): void {
    this.#events.push(NetworkEventType.Data, connectionId, pipe, buf, start, end);
  }

  // ---------------------------------------------------------------- internals

  readonly #sclHost: SclHost = ((d: NetworkDriver): SclHost => ({
    get now() { return d.#now; },
    get listening() { return d.#listening; },
    get ready() { return d.#bound; },
    get lowerPadding() { return d.#iface.packetPadding ?? 0; },
    transmit: (rec, buf, start, end) => d.#transmit(rec, buf, start, end),
    event: (type, rec, buf, start, end) => d.#events.push(type, rec.id, 0, buf, start, end),
    data: (rec, buf, start, end) => d.#receiveData(rec, buf, start, end),
    established: (rec) => { d.#acceptQueue.push(rec); },
    drop: (reason) => { d.#stats.dropped[reason]++; },
    newToken: (rec) => { rec.setToken(crypto.getRandomValues(new Uint8Array(8))); },
  }))(this);

  #transmit(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void {
    rec.packetsSent++;
    rec.bytesSent += end - start;
    this.#stats.packetsSent++;
    this.#stats.bytesSent += end - start;
    if (this.#simulator) this.#simulator.send(buf, start, end, rec.endpoint, this.#now, this.#push);
    else this.#sendQueue.push(buf, start, end, rec.endpoint);
  }

  #sendMessage(rec: ConnectionRecord, pipe: number, buf: Uint8Array, start: number, end: number): number {
    if (pipe === 0) return this.sendPipelinePacket(rec.id, 0, buf, start, end);
    return this.#instance(rec, pipe)!.send(buf, start, end);
  }

  #receiveData(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void {
    const pipe = buf[start];
    if (pipe === 0) return this.#events.push(NetworkEventType.Data, rec.id, 0, buf, start + 1, end);
    const inst = this.#instance(rec, pipe);
    if (!inst) { this.#stats.dropped.badPipeline++; return; }
    inst.stats.bytesReceived += end - start + MESSAGE_HEADER_SIZE;
    inst.receive(buf, start + 1, end);
  }

  #enqueue(bytes: Uint8Array, address: string, port: number): void {
    if (bytes.length > this.settings.networkConfig.maxMessageSize) { this.#stats.dropped.oversize++; return; }
    if (this.#simulator && !this.#simulator.receive(bytes)) { this.#stats.dropped.simulated++; return; }
    if (this.#rxCount === this.#rxBuf.length) {
      this.#stats.dropped.queueFull++;
      this.#pendingErrorCode = StatusCode.NetworkReceiveQueueFull;
      return;
    }
    const i = this.#rxCount++;
    this.#rxBuf[i] = bytes; this.#rxAddr[i] = address; this.#rxPort[i] = port;
    this.onPacket?.();
  }

  #processReceived(): void {
    // Datagrams that arrive while we process (same tick: IPC loopback) wait for the next update.
    const n = this.#rxCount;
    for (let i = 0; i < n; i++) {
      const bytes = this.#rxBuf[i]!;
      this.#rxBuf[i] = null;
      this.#stats.packetsReceived++;
      this.#stats.bytesReceived += bytes.length;
      try {
        this.#scl.receive(bytes, 0, bytes.length, this.#rxAddr[i], this.#rxPort[i]);
      } catch (err) {
        // A bug in a stage must not take the loop down or affect other connections: count and go on.
        this.#stats.dropped.internalError++;
        this.#lastError = err as Error;
      }
    }
    if (this.#rxCount > n) {
      for (let i = n; i < this.#rxCount; i++) {
        this.#rxBuf[i - n] = this.#rxBuf[i]; this.#rxAddr[i - n] = this.#rxAddr[i]; this.#rxPort[i - n] = this.#rxPort[i];
        this.#rxBuf[i] = null;
      }
    }
    this.#rxCount -= n;
  }

  #advanceClock(now: number | undefined): void {
    const cfg = this.settings.networkConfig;
    let t = now ?? Math.floor(performance.now() - this.#clockBase);
    if (cfg.fixedFrameTimeMS > 0) t = this.#now + cfg.fixedFrameTimeMS;
    else if (cfg.maxFrameTimeMS > 0 && t - this.#now > cfg.maxFrameTimeMS) t = this.#now + cfg.maxFrameTimeMS;
    if (t > this.#now) this.#now = t;
  }

  #fill(out: NetworkEvent, i: number): NetworkEventType {
    if (i < 0) {
      out.type = NetworkEventType.Empty;
      out.connection = NetworkConnection.Null;
      out.pipeline = NetworkPipeline.Null;
      out.reader.reset(EMPTY, 0, 0);
      out.bytes = EMPTY;
      out.offset = 0;
      out.length = 0;
      return NetworkEventType.Empty;
    }
    const rec = this.#scl.connections.get(this.#events.connection(i))!;
    const buf = this.#events.buffer(i) ?? EMPTY;
    out.type = this.#events.type(i);
    out.connection = rec.handle;
    out.pipeline = pipelineHandle(this.#events.pipeline(i));
    out.reader.reset(buf, this.#events.start(i), this.#events.end(i) - this.#events.start(i));
    out.bytes = buf;
    out.offset = this.#events.start(i);
    out.length = this.#events.end(i) - out.offset;
    return out.type;
  }

  #record(connection: NetworkConnection): ConnectionRecord | undefined {
    return this.#scl.connections.check(connection) === 0 ? this.#scl.connections.get(connection.id) : undefined;
  }

  #definition(pipe: number): PipelineDefinition {
    if (pipe === 0) return NULL_PIPELINE;
    const def = this.#pipelines[pipe - 1];
    if (!def) throw new UtpError(`unknown pipeline ${pipe}: create it with createPipeline (ids 1..${this.#pipelines.length} exist)`);
    return def;
  }

  #instance(rec: ConnectionRecord, pipe: number): PipelineInstance | undefined {
    let inst = rec.pipelines[pipe];
    if (inst) return inst;
    const def = this.#pipelines[pipe - 1];
    if (!def) return undefined;
    inst = new PipelineInstance(this, def, rec.handle);
    rec.pipelines[pipe] = inst;
    return inst;
  }

  #takePending(writer: DataStreamWriter): { rec: ConnectionRecord; pipe: number; headroom: number } {
    const p = this.#pending;
    if (!p || writer !== this.#writer) throw new UtpError('endSend/abortSend needs the writer returned by beginSend', StatusCode.NetworkSendHandleInvalid);
    this.#pending = null;
    return p;
  }

  #assertCreated(): void {
    if (!this.#created) throw new UtpError('this NetworkDriver was disposed: create a new one');
  }
}

/** Mirrors `NetworkDriver.Concurrent`. */
export interface ConcurrentNetworkDriver {
  beginSend: NetworkDriver['beginSend'];
  endSend: NetworkDriver['endSend'];
  abortSend: NetworkDriver['abortSend'];
  send: NetworkDriver['send'];
  popEventForConnection: NetworkDriver['popEventForConnection'];
  getConnectionState: NetworkDriver['getConnectionState'];
  maxHeaderSize: NetworkDriver['maxHeaderSize'];
}

const EMPTY = new Uint8Array(0);
const NULL_PIPELINE = new PipelineDefinition(0, [], new NetworkSettings(), {});

function isStage(x: unknown): x is PipelineStage {
  return typeof x === 'object' && x !== null && typeof (x as PipelineStage).send === 'function';
}
