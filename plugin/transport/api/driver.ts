import { NetworkConnection } from './connection.ts';
import { DataStreamWriter } from './data-stream.ts';
import {
  checkBindable, checkCreated, checkHandshakePayload, checkListenable, checkLive, checkNoOpenSend, checkOpenSend, checkRange,
  pipelineArguments,
} from './driver-checks.ts';
import {
  concurrentView, type BeginSendResult, type ConcurrentNetworkDriver, type ConnectionStatistics, type DriverStatistics, type NetworkDriverOptions,
} from './driver-types.ts';
import type { NetworkEndpoint } from './endpoint.ts';
import { NetworkEvent, pipelineHandle } from './network-event.ts';
import { NetworkSettings } from './settings.ts';
import { ConnectionState, NetworkEventType, StatusCode } from './status-codes.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';
import { UDPNetworkInterface } from '../carriers/udp.ts';
import { type ConnectionRecord, connectionState } from '../layers/connection-list.ts';
import { NetworkStack } from '../stack/network-stack.ts';
import { type NetworkPipeline, pipelineId, type PipelineOptions, type PipelineRef } from '../stages/pipeline.ts';
import type { PipelineStage } from '../stages/pipeline-stage.ts';

export type { BeginSendResult, ConcurrentNetworkDriver, ConnectionStatistics, DriverStatistics, NetworkDriverOptions };

/**
 * Mirrors UTP's `NetworkDriver`: a facade over the layer stack (`NetworkStack`: carrier → [Simulator] → [DTLS] →
 * [Relay] → SimpleConnection → pipelines). Time enters only through `update(now?)`, so protocol tests run on a
 * fake clock.
 *
 * ```ts
 * const server = NetworkDriver.create();
 * await server.bind(NetworkEndpoint.loopbackIpv4.withPort(7777));
 * server.listen();
 * const reliable = server.createPipeline(ReliableSequencedPipelineStage);
 * setInterval(() => {
 *   server.update();
 *   for (let c; (c = server.accept()); ) console.log('accepted', c);
 *   for (const ev of server.events()) if (ev.type === NetworkEventType.Data) server.send(ev.connection, reliable, ev.data);
 * }, 16);
 * ```
 */
export class NetworkDriver {
  /** The settings this driver was created with. */
  readonly settings: NetworkSettings;
  /** Called when a datagram is queued for the next `update()` (a server can schedule one here). Must not throw. */
  onPacket: (() => void) | null = null;

  readonly #stack: NetworkStack;
  #created = true;
  #receiveErrorCode = 0;
  // Send path: one writer (into the top layer's send buffer) and the open beginSend's target.
  readonly #writer = new DataStreamWriter(0);
  readonly #sendResult: BeginSendResult = { status: StatusCode.Success, writer: this.#writer };
  #pending: ConnectionRecord | null = null;
  #pendingPipe = 0;

  /** Mirrors `NetworkDriver.Create`: `create()`, `create(settings)`, `create(networkInterface, settings?)` or `create({ networkInterface, settings })`. */
  static create(a?: NetworkSettings | NetworkInterface | NetworkDriverOptions, b?: NetworkSettings): NetworkDriver {
    if (a instanceof NetworkSettings) return new NetworkDriver(new UDPNetworkInterface(), a);
    if (a && typeof (a as NetworkInterface).send === 'function') return new NetworkDriver(a as NetworkInterface, b ?? new NetworkSettings());
    const o = (a ?? {}) as NetworkDriverOptions;
    return new NetworkDriver(o.networkInterface ?? new UDPNetworkInterface(), o.settings ?? b ?? new NetworkSettings());
  }

  private constructor(carrier: NetworkInterface, settings: NetworkSettings) {
    this.settings = settings;
    this.#stack = new NetworkStack(carrier, settings);
    this.#stack.wake = () => this.onPacket?.();
  }

  /** Mirrors `Bind`: opens the carrier on `endpoint`. Rejects with `UtpSocketError` (e.g. port in use). */
  async bind(endpoint: NetworkEndpoint): Promise<void> {
    checkCreated(this.#created);
    checkBindable(this.#stack.ready, this.#stack.binding);
    return this.#stack.bind(endpoint);
  }

  /** Mirrors `Listen`: accept incoming connections. Requires `bind` first. */
  listen(): void {
    checkCreated(this.#created);
    checkListenable(this.#stack.ready);
    this.#stack.listen();
  }

  /** Mirrors `Bound`. */
  get bound(): boolean { return this.#stack.ready; }
  /** Mirrors `Listening`. */
  get listening(): boolean { return this.#stack.listening; }
  /** Mirrors `IsCreated`: false after `dispose()`. */
  get isCreated(): boolean { return this.#created; }
  /** Mirrors `GetLocalEndpoint()`. */
  localEndpoint(): NetworkEndpoint { return this.#stack.carrier.localEndpoint; }
  /** Mirrors `LastUpdateTime`: the driver clock in ms, advanced once per `update`. */
  get lastUpdateTime(): number { return this.#stack.now; }
  /** Mirrors `ReceiveErrorCode`: 0, `NetworkReceiveQueueFull` (-10) or `NetworkSocketError` (-11) since the previous update. */
  get receiveErrorCode(): number { return this.#receiveErrorCode; }
  /** Mirrors `GetRelayConnectionStatus()`: NotEstablished 0, Established 1, AllocationInvalid 2, NotUsingRelay 3 (spec §7.3). */
  getRelayConnectionStatus(): number { return this.#stack.relayConnectionStatus; }
  /** The last socket error reported by the carrier, or the last error a layer threw, for logs. */
  get lastError(): Error | null { return this.#stack.lastError; }
  /** The layer stack under this driver, for tools and layers that need it (e.g. `stack.layer('Relay')`). */
  get stack(): NetworkStack { return this.#stack; }

  /**
   * Mirrors `Connect(endpoint, payload)`. The request leaves at the next `update()` and is retried every
   * `connectTimeoutMS`. Binds to the any-address implicitly, as UTP does, if `bind` was not called.
   * `payload` (UTP 2.2+) reaches the server's `accept()`; at most `maxMessageSize − 25` bytes (§3.2).
   */
  connect(endpoint: NetworkEndpoint, payload?: Uint8Array): NetworkConnection {
    checkCreated(this.#created);
    checkHandshakePayload('connect', payload, this.settings, this.packetPadding);
    this.#stack.bindImplicitly(endpoint.family);
    return this.#stack.scl.connect(endpoint, payload ? payload.slice() : null).handle;
  }

  /** Mirrors `Accept(out payload)`: the next connection that completed its handshake, or `null`; `out.payload` gets its connect payload. */
  accept(out?: { payload?: Uint8Array | null }): NetworkConnection | null {
    checkCreated(this.#created);
    const rec = this.#stack.accept();
    if (rec && out) out.payload = rec.connectPayload;
    return rec ? rec.handle : null;
  }

  /** The connect payload a client sent (server side), or its accept payload (client side); null if none. */
  getConnectionPayload(connection: NetworkConnection): Uint8Array | null {
    const rec = this.#record(connection);
    return !rec ? null : rec.isClient ? rec.acceptPayload : rec.connectPayload;
  }

  /** Mirrors `SetAcceptPayload` (UTP 2.7): bytes sent with every accept to every client. */
  setAcceptPayload(payload: Uint8Array | null): void {
    checkHandshakePayload('accept', payload, this.settings, this.packetPadding);
    this.#stack.scl.acceptPayload = payload ? payload.slice() : null;
  }

  /** Mirrors `Disconnect(connection)`: one Disconnect packet leaves at the next update (or `dispose`); no local event. Returns 0, -1 or -2. */
  disconnect(connection: NetworkConnection): StatusCode {
    const rec = this.#record(connection);
    if (!rec) return this.#stack.scl.connections.check(connection) as StatusCode;
    this.#stack.scl.requestClose(rec);
    return StatusCode.Success;
  }

  /** Mirrors `GetConnectionState`. Stale handles report `Disconnected`. */
  getConnectionState(connection: NetworkConnection): ConnectionState { return connectionState(this.#record(connection)); }

  /**
   * utp-ts: whether the peer has proven its address — it sent something besides connection requests, or a layer
   * below proved it (WebSocket, DTLS, Relay). Until then a server connection is half-open: messages sent to it wait,
   * and it gets no heartbeats (see `AdmissionParameters`). Client connections and stale handles: true / false.
   */
  isProven(connection: NetworkConnection): boolean { return this.#record(connection)?.proven ?? false; }

  /** Mirrors `GetRemoteEndpoint(connection)`; the current address (it follows roaming, §3.7). */
  remoteEndpoint(connection: NetworkConnection): NetworkEndpoint | null { return this.#record(connection)?.endpoint ?? null; }

  /** Mirrors `CreatePipeline(stages…)`: ids 1, 2, 3… in call order, equal on both peers. An options object may come first. */
  createPipeline(...args: Array<PipelineStage<any> | PipelineOptions>): NetworkPipeline {
    checkCreated(this.#created);
    const [options, stages] = pipelineArguments(args);
    return pipelineHandle(this.#stack.top.createPipeline(stages, options).id);
  }

  /** Mirrors `RegisterPipelineStage`: optional here (any object implementing `PipelineStage` works). */
  registerPipelineStage(stage: PipelineStage<any>): void { this.#stack.top.registerStage(stage); }

  /** Mirrors `MaxHeaderSize(pipeline)`: a message of `maxMessageSize − maxHeaderSize(p)` bytes fits one datagram (spec §2.4). */
  maxHeaderSize(pipeline: PipelineRef): number { return this.#stack.top.headroom(pipelineId(pipeline)); }

  /** Largest message `beginSend` accepts on this connection and pipeline (fragmentation raises it). */
  maxPayloadSize(connection: NetworkConnection, pipeline: PipelineRef = 0): number {
    return this.#stack.payloadCapacity(pipelineId(pipeline), this.#record(connection)?.pathMtu ?? this.settings.networkConfig.maxMessageSize);
  }

  /** Mirrors `GetPipelineBuffers`: a read-only snapshot of one stage's state, for debugging. */
  getPipelineBuffers(pipeline: PipelineRef, stage: PipelineStage<any> | string | number, connection: NetworkConnection): unknown {
    const rec = this.#record(connection);
    checkLive(rec, connection);
    return this.#stack.top.inspect(rec, pipelineId(pipeline), stage);
  }

  /** Mirrors `BeginSend(pipeline, connection, out writer, requiredPayloadSize)`: check `status`, write, then `endSend` or `abortSend`. */
  beginSend(pipeline: PipelineRef, connection: NetworkConnection, requiredPayloadSize = 0): BeginSendResult {
    checkCreated(this.#created);
    checkNoOpenSend(this.#pending !== null);
    const r = this.#sendResult;
    const pipe = pipelineId(pipeline);
    const target = this.#stack.sendTarget(connection, pipe, requiredPayloadSize);
    if (typeof target === 'number') { r.status = target; return r; }
    this.#writer.reset(this.#stack.top.sendBuffer, this.maxHeaderSize(pipe), this.maxPayloadSize(connection, pipe));
    this.#pending = target;
    this.#pendingPipe = pipe;
    r.status = StatusCode.Success;
    return r;
  }

  /** Mirrors `EndSend`: sends what was written. Returns the bytes sent, or a negative status code. */
  endSend(writer: DataStreamWriter): number {
    const rec = this.#takePending(writer);
    if (writer.hasFailedWrites) return StatusCode.NetworkPacketOverflow;
    if (this.#stack.scl.connections.get(rec.id) !== rec) return StatusCode.NetworkVersionMismatch;
    const start = writer.byteOffset; // the pipeline's header room (beginSend); the writer's array, in case createPipeline grew the buffer since
    const status = this.#stack.top.send(rec, this.#pendingPipe, writer.buffer, start, start + writer.length);
    return status < 0 ? status : writer.length;
  }

  /** Mirrors `AbortSend`: discards the open send. */
  abortSend(writer: DataStreamWriter): void { this.#takePending(writer); }

  /**
   * Short form of beginSend/write/endSend: sends `bytes` (or `length` bytes of it from `offset`) as one message.
   * Returns the bytes sent or a negative status code (-3 not connected, -4 too large, -5 reliable window full, …).
   * `driver.send(c, p, ev.bytes, ev.offset, ev.length)` forwards the event just popped without copying it (over UDP
   * and the WebSocket server, with no DTLS, Relay or simulator layer): it leaves from the array it arrived in, whose
   * bytes before `ev.offset` become the new headers, so do not write into `ev.bytes` after forwarding it.
   */
  send(connection: NetworkConnection, pipeline: PipelineRef, bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    checkCreated(this.#created);
    checkNoOpenSend(this.#pending !== null, 'send');
    checkRange(bytes, offset, length);
    const pipe = pipelineId(pipeline);
    const target = this.#stack.sendTarget(connection, pipe, length);
    if (typeof target === 'number') return target;
    const status = this.#stack.sendMessage(target, pipe, bytes, offset, offset + length);
    return status < 0 ? status : length;
  }

  /** Mirrors `ScheduleFlushSend`: hands queued datagrams to the carrier now. */
  flush(): void { this.#stack.flush(); }

  /** Mirrors `PopEvent(out connection, out reader, out pipeline)`: fills `out`, returns its type or `Empty`. Unaccepted connections' events are discarded, as in UTP. */
  popEvent(out: NetworkEvent = new NetworkEvent()): NetworkEventType { return this.#stack.popEvent(out); }

  /** Mirrors `PopEventForConnection(connection, out reader, out pipeline)`. */
  popEventForConnection(connection: NetworkConnection, out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    const rec = this.#record(connection);
    return rec ? this.#stack.popEvent(out, rec) : out.clear();
  }

  /** Mirrors `GetEventQueueSizeForConnection`. */
  getEventQueueSizeForConnection(connection: NetworkConnection): number {
    const rec = this.#record(connection);
    return rec ? this.#stack.events.pendingFor(rec.id) : 0;
  }

  /** Iterates the pending events (a fresh `NetworkEvent` each): `for (const ev of driver.events())`. */
  *events(): IterableIterator<NetworkEvent> {
    for (;;) {
      const ev = new NetworkEvent();
      if (this.popEvent(ev) === NetworkEventType.Empty) return;
      yield ev;
    }
  }

  /**
   * Mirrors `ScheduleUpdate().Complete()`: advances the clock to `now` (ms; the real clock by default), discards
   * unpopped events, then runs the stack: received packets up, timers, sends down, flush. Read the new events with
   * `popEvent` until the next update.
   */
  update(now?: number): void {
    checkCreated(this.#created);
    this.#receiveErrorCode = this.#stack.beginUpdate(now);
    this.#stack.receive();
    this.#stack.update();
    this.#stack.send();
  }

  /** Mirrors `ToConcurrent()`: the subset of the API that is safe to hand to per-connection workers. */
  toConcurrent(): ConcurrentNetworkDriver { return concurrentView(this); }

  /**
   * Mirrors `Dispose`: closes the carrier. Connections closed with `disconnect()` since the last update still send
   * their Disconnect first; the others are dropped without one, as in UTP.
   */
  dispose(): void {
    if (!this.#created) return;
    this.#created = false;
    this.#stack.dispose();
  }

  /** Driver-wide counters (UTP 2.7 `GetStatistics`, plus drop reasons). A live object: copy to keep a snapshot. */
  getStatistics(): DriverStatistics { return this.#stack.statistics(); }

  /** A connection's counters and per-pipeline statistics (UTP 2.7 `GetConnectionStatistics`). */
  getConnectionStatistics(connection: NetworkConnection): ConnectionStatistics | null {
    const rec = this.#record(connection);
    return rec ? this.#stack.connectionStatistics(rec, this.getConnectionState(connection)) : null;
  }

  /** Bytes in front of every pipeline's headers: lower layers + SCL header (9) + pipeline id (1) — spec §2.4. */
  get packetPadding(): number { return this.#stack.packetPadding; }

  #record(connection: NetworkConnection): ConnectionRecord | undefined { return this.#stack.scl.connections.live(connection); }

  /** The open send's target; the send is closed from here on. */
  #takePending(writer: DataStreamWriter): ConnectionRecord {
    const rec = this.#pending;
    checkOpenSend(rec !== null, writer === this.#writer);
    this.#pending = null;
    return rec!;
  }
}
