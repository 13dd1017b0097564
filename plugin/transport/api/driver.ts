import { NetworkConnection } from './connection.ts';
import { DataStreamWriter } from './data-stream.ts';
import type { BeginSendResult, ConcurrentNetworkDriver, ConnectionStatistics, DriverStatistics, NetworkDriverOptions } from './driver-types.ts';
import { NetworkEndpoint, NetworkFamily } from './endpoint.ts';
import { UtpError } from './errors.ts';
import { NetworkEvent, pipelineHandle } from './network-event.ts';
import { NetworkSettings } from './settings.ts';
import { ConnectionState, NetworkEventType, StatusCode } from './status-codes.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';
import { UDPNetworkInterface } from '../carriers/udp.ts';
import { type ConnectionRecord, SclState } from '../layers/connection-list.ts';
import { HANDSHAKE_HEADER_SIZE } from '../layers/simple-connection.ts';
import type { PacketLayer } from '../stack/layer.ts';
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
  #acceptHead = 0;
  #binding: Promise<void> | null = null;
  #created = true;
  #receiveErrorCode = 0;
  // Send path: one writer and one scratch buffer, sized for the largest pipeline.
  #scratch: Uint8Array;
  readonly #writer = new DataStreamWriter(0);
  readonly #sendResult: BeginSendResult = { status: StatusCode.Success, writer: this.#writer };
  #pending: { rec: ConnectionRecord; pipe: number; headroom: number } | null = null;

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
    this.#scratch = new Uint8Array(this.packetPadding + settings.networkConfig.maxMessageSize);
  }

  /** Mirrors `Bind`: opens the carrier on `endpoint`. Rejects with `UtpSocketError` (e.g. port in use). */
  async bind(endpoint: NetworkEndpoint): Promise<void> {
    this.#assertCreated();
    if (this.#stack.ready || this.#binding) throw new UtpError('driver is already bound: create another driver to bind elsewhere');
    this.#binding = this.#stack.carrier.bind(endpoint, this.#stack.sink);
    try {
      await this.#binding;
      this.#stack.ready = true;
    } finally {
      this.#binding = null;
    }
  }

  /** Mirrors `Listen`: accept incoming connections. Requires `bind` first. */
  listen(): void {
    this.#assertCreated();
    if (!this.#stack.ready) throw new UtpError('listen() needs a bound driver: await driver.bind(endpoint) first');
    this.#stack.carrier.listen();
    this.#stack.listening = true;
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
  getRelayConnectionStatus(): number {
    return this.#stack.layer<PacketLayer & { relayConnectionStatus?: number }>('Relay')?.relayConnectionStatus ?? 3;
  }
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
    this.#assertCreated();
    this.#checkHandshakePayload('connect', payload);
    if (!this.#stack.ready && !this.#binding) {
      const any = endpoint.family === NetworkFamily.Ipv6 ? NetworkEndpoint.anyIpv6 : NetworkEndpoint.anyIpv4;
      this.bind(any).catch((err: Error) => this.#stack.sink.error(err));
    }
    return this.#stack.scl.connect(endpoint, payload ? payload.slice() : null).handle;
  }

  /** Mirrors `Accept(out payload)`: the next connection that completed its handshake, or `null`; `out.payload` gets its connect payload. */
  accept(out?: { payload?: Uint8Array | null }): NetworkConnection | null {
    this.#assertCreated();
    const queue = this.#stack.acceptQueue;
    while (this.#acceptHead < queue.length) {
      const rec = queue[this.#acceptHead++];
      if (this.#acceptHead === queue.length) { queue.length = 0; this.#acceptHead = 0; }
      if (this.#stack.scl.connections.get(rec.id) !== rec || rec.state !== SclState.Established || rec.closeRequested) continue;
      if (!this.#stack.listening) continue;
      rec.accepted = true;
      if (out) out.payload = rec.connectPayload;
      return rec.handle;
    }
    return null;
  }

  /** The connect payload a client sent (server side), or its accept payload (client side); null if none. */
  getConnectionPayload(connection: NetworkConnection): Uint8Array | null {
    const rec = this.#record(connection);
    return !rec ? null : rec.isClient ? rec.acceptPayload : rec.connectPayload;
  }

  /** Mirrors `SetAcceptPayload` (UTP 2.7): bytes sent with every accept to every client. */
  setAcceptPayload(payload: Uint8Array | null): void {
    this.#checkHandshakePayload('accept', payload);
    this.#stack.scl.acceptPayload = payload ? payload.slice() : null;
  }

  /** Mirrors `Disconnect(connection)`: one Disconnect packet leaves at the next update (or `dispose`); no local event. Returns 0, -1 or -2. */
  disconnect(connection: NetworkConnection): StatusCode {
    const check = this.#stack.scl.connections.check(connection);
    if (check !== 0) return check as StatusCode;
    const rec = this.#stack.scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Disconnected) this.#stack.scl.requestClose(rec);
    return StatusCode.Success;
  }

  /** Mirrors `GetConnectionState`. Stale handles report `Disconnected`. */
  getConnectionState(connection: NetworkConnection): ConnectionState {
    const rec = this.#record(connection);
    if (!rec || rec.closeRequested || rec.state === SclState.Disconnected) return ConnectionState.Disconnected;
    return rec.state === SclState.Established ? ConnectionState.Connected : ConnectionState.Connecting;
  }

  /**
   * utp-ts: whether the peer has proven its address — it sent something besides connection requests, or a layer
   * below proved it (WebSocket, DTLS, Relay). Until then a server connection is half-open: messages sent to it wait,
   * and it gets no heartbeats (see `AdmissionParameters`). Client connections and stale handles: true / false.
   */
  isProven(connection: NetworkConnection): boolean {
    return this.#record(connection)?.proven ?? false;
  }

  /** Mirrors `GetRemoteEndpoint(connection)`; the current address (it follows roaming, §3.7). */
  remoteEndpoint(connection: NetworkConnection): NetworkEndpoint | null {
    return this.#record(connection)?.endpoint ?? null;
  }

  /** Mirrors `CreatePipeline(stages…)`: ids 1, 2, 3… in call order, equal on both peers. An options object may come first. */
  createPipeline(...args: Array<PipelineStage<any> | PipelineOptions>): NetworkPipeline {
    this.#assertCreated();
    const options = args.length && !isStage(args[0]) ? (args.shift() as PipelineOptions) : {};
    const def = this.#stack.top.createPipeline(args as PipelineStage[], options);
    const need = this.packetPadding + def.headerCapacity + Math.max(def.payloadCapacity ?? 0, this.settings.networkConfig.maxMessageSize);
    if (need > this.#scratch.length) this.#scratch = new Uint8Array(need);
    return pipelineHandle(def.id);
  }

  /** Mirrors `RegisterPipelineStage`: optional here (any object implementing `PipelineStage` works). */
  registerPipelineStage(stage: PipelineStage<any>): void {
    this.#stack.top.registerStage(stage);
  }

  /** Mirrors `MaxHeaderSize(pipeline)`: a message of `maxMessageSize − maxHeaderSize(p)` bytes fits one datagram (spec §2.4). */
  maxHeaderSize(pipeline: PipelineRef): number {
    return this.packetPadding + this.#stack.top.definition(pipelineId(pipeline)).headerCapacity;
  }

  /** Largest message `beginSend` accepts on this connection and pipeline (fragmentation raises it). */
  maxPayloadSize(connection: NetworkConnection, pipeline: PipelineRef = 0): number {
    const mtu = this.#record(connection)?.pathMtu ?? this.settings.networkConfig.maxMessageSize;
    const def = this.#stack.top.definition(pipelineId(pipeline));
    return def.payloadCapacity ?? mtu - this.packetPadding - def.headerCapacity;
  }

  /** Mirrors `GetPipelineBuffers`: a read-only snapshot of one stage's state, for debugging. */
  getPipelineBuffers(pipeline: PipelineRef, stage: PipelineStage<any> | string | number, connection: NetworkConnection): unknown {
    const rec = this.#record(connection);
    if (!rec) throw new UtpError(`no live connection ${connection}`, StatusCode.NetworkIdMismatch);
    const inst = this.#stack.top.instance(rec, pipelineId(pipeline));
    if (!inst) throw new UtpError('pipeline 0 has no stages');
    return inst.inspect(typeof stage === 'number' ? stage : inst.stageIndexOf(stage));
  }

  /** Mirrors `BeginSend(pipeline, connection, out writer, requiredPayloadSize)`: check `status`, write, then `endSend` or `abortSend`. */
  beginSend(pipeline: PipelineRef, connection: NetworkConnection, requiredPayloadSize = 0): BeginSendResult {
    this.#assertCreated();
    if (this.#pending) throw new UtpError('beginSend called while another send is open: call endSend or abortSend first');
    const r = this.#sendResult;
    const pipe = pipelineId(pipeline);
    const target = this.#sendTarget(connection, pipe, requiredPayloadSize);
    if (typeof target === 'number') { r.status = target; return r; }
    const headroom = this.maxHeaderSize(pipe);
    this.#writer.reset(this.#scratch, headroom, this.maxPayloadSize(connection, pipe));
    this.#pending = { rec: target, pipe, headroom };
    r.status = StatusCode.Success;
    return r;
  }

  /** Mirrors `EndSend`: sends what was written. Returns the bytes sent, or a negative status code. */
  endSend(writer: DataStreamWriter): number {
    const p = this.#takePending(writer);
    if (writer.hasFailedWrites) return StatusCode.NetworkPacketOverflow;
    if (this.#stack.scl.connections.get(p.rec.id) !== p.rec) return StatusCode.NetworkVersionMismatch;
    const status = this.#stack.top.send(p.rec, p.pipe, this.#scratch, p.headroom, p.headroom + writer.length);
    return status < 0 ? status : writer.length;
  }

  /** Mirrors `AbortSend`: discards the open send. */
  abortSend(writer: DataStreamWriter): void {
    this.#takePending(writer);
  }

  /**
   * Short form of beginSend/write/endSend: sends `bytes` (or `length` bytes of it from `offset`) as one message.
   * Returns the bytes sent or a negative status code (-3 not connected, -4 too large, -5 reliable window full, …).
   * `driver.send(c, p, ev.bytes, ev.offset, ev.length)` forwards the event just popped without copying it (over UDP
   * and the WebSocket server, with no DTLS, Relay or simulator layer): it leaves from the array it arrived in, whose
   * bytes before `ev.offset` become the new headers, so do not write into `ev.bytes` after forwarding it.
   */
  send(connection: NetworkConnection, pipeline: PipelineRef, bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    this.#assertCreated();
    if (this.#pending) throw new UtpError('send() called while a beginSend is open: call endSend or abortSend first');
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new UtpError(`send: offset ${offset} and length ${length} are outside the ${bytes.length}-byte array`);
    }
    const pipe = pipelineId(pipeline);
    const target = this.#sendTarget(connection, pipe, length);
    if (typeof target === 'number') return target;
    const headroom = this.maxHeaderSize(pipe);
    const inPlace = this.#stack.sendInPlace(target, pipe, bytes, offset, offset + length, headroom);
    if (inPlace !== null) return inPlace < 0 ? inPlace : length;
    const scratch = this.#scratch;
    if (length <= 64) for (let i = 0; i < length; i++) scratch[headroom + i] = bytes[offset + i];
    else scratch.set(offset === 0 && length === bytes.length ? bytes : bytes.subarray(offset, offset + length), headroom);
    const status = this.#stack.top.send(target, pipe, scratch, headroom, headroom + length);
    return status < 0 ? status : length;
  }

  /** Mirrors `ScheduleFlushSend`: hands queued datagrams to the carrier now. */
  flush(): void {
    this.#stack.flush();
  }

  /** Mirrors `PopEvent(out connection, out reader, out pipeline)`: fills `out`, returns its type or `Empty`. Unaccepted connections' events are discarded, as in UTP. */
  popEvent(out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    return this.#stack.popEvent(out);
  }

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
    this.#assertCreated();
    this.#stack.advanceClock(now);
    this.#receiveErrorCode = this.#stack.pendingErrorCode;
    this.#stack.pendingErrorCode = 0;
    this.#stack.update();
  }

  /** Mirrors `ToConcurrent()`: the subset of the API that is safe to hand to per-connection workers. */
  toConcurrent(): ConcurrentNetworkDriver {
    const d = this;
    return {
      beginSend: d.beginSend.bind(d), endSend: d.endSend.bind(d), abortSend: d.abortSend.bind(d), send: d.send.bind(d),
      popEventForConnection: d.popEventForConnection.bind(d), getConnectionState: d.getConnectionState.bind(d),
      maxHeaderSize: d.maxHeaderSize.bind(d),
    };
  }

  /**
   * Mirrors `Dispose`: closes the carrier. Connections closed with `disconnect()` since the last update still send
   * their Disconnect first; the others are dropped without one, as in UTP.
   */
  dispose(): void {
    if (!this.#created) return;
    this.#created = false;
    this.#stack.scl.sendRequestedCloses();
    this.#stack.flush();
    this.#stack.dispose();
  }

  /** Driver-wide counters (UTP 2.7 `GetStatistics`, plus drop reasons). A live object: copy to keep a snapshot. */
  getStatistics(): DriverStatistics {
    this.#stack.stats.connections = this.#stack.scl.connections.count;
    return this.#stack.stats;
  }

  /** A connection's counters and per-pipeline statistics (UTP 2.7 `GetConnectionStatistics`). */
  getConnectionStatistics(connection: NetworkConnection): ConnectionStatistics | null {
    const rec = this.#record(connection);
    return rec ? this.#stack.connectionStatistics(rec, this.getConnectionState(connection)) : null;
  }

  /** Bytes in front of every pipeline's headers: lower layers + SCL header (9) + pipeline id (1) — spec §2.4. */
  get packetPadding(): number { return this.#stack.packetPadding; }

  /** The live record behind `connection` if a message of `size` bytes may be sent on `pipe`, else a status code. */
  #sendTarget(connection: NetworkConnection, pipe: number, size: number): ConnectionRecord | StatusCode {
    const def = this.#stack.top.definition(pipe);
    const check = this.#stack.scl.connections.check(connection);
    if (check !== 0) return check as StatusCode;
    const rec = this.#stack.scl.connections.get(connection.id)!;
    if (rec.state !== SclState.Established || rec.closeRequested) return StatusCode.NetworkStateMismatch;
    this.#stack.refreshClock();
    const capacity = def.payloadCapacity ?? rec.pathMtu - this.packetPadding - def.headerCapacity;
    return size > capacity ? StatusCode.NetworkPacketOverflow : rec;
  }

  #checkHandshakePayload(what: string, payload: Uint8Array | null | undefined): void {
    const max = this.settings.networkConfig.maxMessageSize - this.packetPadding - HANDSHAKE_HEADER_SIZE - 2;
    if (payload && payload.length > max) {
      throw new UtpError(`${what} payload of ${payload.length} bytes exceeds the ${max}-byte limit (spec §3.2)`, StatusCode.NetworkPacketOverflow);
    }
  }

  #record(connection: NetworkConnection): ConnectionRecord | undefined {
    const list = this.#stack.scl.connections;
    return list.check(connection) === 0 ? list.get(connection.id) : undefined;
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

function isStage(x: unknown): x is PipelineStage {
  return typeof x === 'object' && x !== null && typeof (x as PipelineStage).send === 'function';
}
