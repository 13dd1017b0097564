import { NetworkConnection } from './connection.ts';
import { DataStreamWriter } from './data-stream.ts';
import type { BeginSendResult, DriverStatistics, NetworkDriver } from './driver.ts';
import { checkNoOpenSend, checkOpenSend } from './driver-checks.ts';
import { addStatistics, createDriverStatistics } from '../stack/statistics.ts';
import type { NetworkEndpoint } from './endpoint.ts';
import { UtpError } from './errors.ts';
import { NetworkEvent } from './network-event.ts';
import type { NetworkPipeline, PipelineOptions, PipelineRef } from '../stages/pipeline.ts';
import type { PipelineStage } from '../stages/pipeline-stage.ts';
import { ConnectionState, NetworkEventType, StatusCode } from './status-codes.ts';

/**
 * A connection of a `MultiNetworkDriver`: a `NetworkConnection` tagged with the id of the driver that owns
 * it, as UTP tags its handles with a driver id. Two drivers can both have a connection `id0,v1`; their
 * tagged handles differ (`equals` compares the driver id too). One object per connection, reused.
 */
export class MultiNetworkConnection extends NetworkConnection {
  /** The id `addDriver` returned for the owning driver (1, 2, …). */
  readonly driverId: number;
  /** The owning driver's own handle. */
  readonly connection: NetworkConnection;

  /** Connection `connection` of the driver at index `driverId`; `MultiNetworkDriver` creates these. */
  constructor(driverId: number, connection: NetworkConnection) {
    super(connection.id, connection.version);
    this.driverId = driverId;
    this.connection = connection;
  }

  /** Same driver, id and version. */
  override equals(other: NetworkConnection): boolean {
    return other instanceof MultiNetworkConnection && other.driverId === this.driverId && super.equals(other);
  }

  /** The connection with its driver id. */
  override toString(): string {
    return `NetworkConnection[d${this.driverId},id${this.id},v${this.version}]`;
  }
}

/**
 * Mirrors UTP's `MultiNetworkDriver`: several drivers (typically UDP and WebSocket) behind one API, so one
 * server serves every kind of client. Connections come back as `MultiNetworkConnection`s; every call routes by
 * their driver id.
 *
 * ```ts
 * const multi = MultiNetworkDriver.create();
 * multi.addDriver(udpDriver);   // bound and listening
 * multi.addDriver(wsDriver);
 * const reliable = multi.createPipeline(ReliableSequencedPipelineStage);
 * multi.update();
 * for (let c; (c = multi.accept()); ) console.log('client on driver', c.driverId);
 * for (const ev of multi.events()) multi.send(ev.connection, reliable, ev.data);
 * ```
 */
export class MultiNetworkDriver {
  readonly #drivers: NetworkDriver[] = [];
  /** Tagged handles per driver, by connection id (the version tells a reused id apart). */
  readonly #handles: (MultiNetworkConnection | undefined)[][] = [];
  #pendingSend: NetworkDriver | null = null;
  #onPacket: (() => void) | null = null;
  #created = true;

  /** Mirrors `MultiNetworkDriver.Create()`. */
  static create(): MultiNetworkDriver {
    return new MultiNetworkDriver();
  }

  /**
   * Mirrors `AddDriver`: takes ownership of `driver` (disposed with this object) and returns its id, from 1.
   * As in UTP, the driver must have no connections yet and as many pipelines as the drivers added before.
   */
  addDriver(driver: NetworkDriver): number {
    this.#assertCreated();
    if (!driver.isCreated) throw new UtpError('addDriver: the driver was disposed');
    if (this.#drivers.includes(driver)) throw new UtpError('addDriver: this driver was already added');
    if (driver.getStatistics().connections > 0) throw new UtpError('addDriver: the driver already has connections');
    if (this.#drivers.length && pipelineCount(driver) !== pipelineCount(this.#drivers[0])) {
      throw new UtpError(`addDriver: the driver has ${pipelineCount(driver)} pipelines, the others ${pipelineCount(this.#drivers[0])}; they must match`);
    }
    this.#drivers.push(driver);
    this.#handles.push([]);
    if (this.#onPacket) driver.onPacket = this.#onPacket;
    return this.#drivers.length;
  }

  /** Mirrors `DriverCount`. */
  get driverCount(): number { return this.#drivers.length; }
  /** Mirrors `IsCreated`. */
  get isCreated(): boolean { return this.#created; }

  /** Mirrors `GetDriver(id)`: the escape hatch for what this API does not cover. */
  getDriver(driverId: number): NetworkDriver {
    const d = this.#drivers[driverId - 1];
    if (!d) throw new UtpError(`no driver with id ${driverId} (ids 1..${this.#drivers.length})`);
    return d;
  }

  /** Mirrors `GetDriverForConnection`. Throws for a connection that did not come from this object. */
  getDriverForConnection(connection: NetworkConnection): NetworkDriver {
    const d = this.#driverOf(connection);
    if (!d) throw new UtpError(`${connection} was not obtained from this MultiNetworkDriver`);
    return d;
  }

  /** Set on every driver (also those added later): called when a datagram is queued for the next update. */
  set onPacket(fn: (() => void) | null) {
    this.#onPacket = fn;
    for (const d of this.#drivers) d.onPacket = fn;
  }

  /** Mirrors `CreatePipeline`: creates the pipeline on every driver, in order; the ids agree. */
  createPipeline(...args: Array<PipelineStage<any> | PipelineOptions>): NetworkPipeline {
    this.#assertCreated();
    if (!this.#drivers.length) throw new UtpError('createPipeline: add the drivers first');
    let p: NetworkPipeline | null = null;
    for (const d of this.#drivers) p = d.createPipeline(...args);
    return p!;
  }

  /** Mirrors `Connect(driverId, endpoint)`: a client connection through one of the drivers. */
  connect(driverId: number, endpoint: NetworkEndpoint, payload?: Uint8Array): MultiNetworkConnection {
    const d = this.getDriver(driverId);
    return this.#tag(driverId - 1, d.connect(endpoint, payload));
  }

  /** Mirrors `Accept`: the next accepted connection of any driver, drivers in order; null if none. */
  accept(out?: { payload?: Uint8Array | null }): MultiNetworkConnection | null {
    for (let i = 0; i < this.#drivers.length; i++) {
      const c = this.#drivers[i].accept(out);
      if (c) return this.#tag(i, c);
    }
    return null;
  }

  /** Mirrors `PopEvent`: the next event of any driver, drivers in order; `out.connection` is tagged. */
  popEvent(out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    for (let i = 0; i < this.#drivers.length; i++) {
      if (this.#drivers[i].popEvent(out) !== NetworkEventType.Empty) {
        out.connection = this.#tag(i, out.connection);
        return out.type;
      }
    }
    return NetworkEventType.Empty;
  }

  /** Mirrors `PopEventForConnection`. */
  popEventForConnection(connection: NetworkConnection, out: NetworkEvent = new NetworkEvent()): NetworkEventType {
    const d = this.#driverOf(connection);
    if (!d) return NetworkEventType.Empty;
    const type = d.popEventForConnection((connection as MultiNetworkConnection).connection, out);
    if (type !== NetworkEventType.Empty) out.connection = connection;
    return type;
  }

  /** Iterates the pending events of every driver (a fresh `NetworkEvent` each). */
  *events(): IterableIterator<NetworkEvent> {
    for (;;) {
      const ev = new NetworkEvent();
      if (this.popEvent(ev) === NetworkEventType.Empty) return;
      yield ev;
    }
  }

  /** Short form of beginSend/endSend on the connection's driver; returns bytes sent or a negative status. */
  send(connection: NetworkConnection, pipeline: PipelineRef, bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    const d = this.#driverOf(connection);
    if (!d) return StatusCode.NetworkIdMismatch;
    return d.send((connection as MultiNetworkConnection).connection, pipeline, bytes, offset, length);
  }

  /** Mirrors `BeginSend(pipeline, connection, …)`; finish with this object's `endSend` or `abortSend`. */
  beginSend(pipeline: PipelineRef, connection: NetworkConnection, requiredPayloadSize = 0): BeginSendResult {
    const d = this.#driverOf(connection);
    if (!d) return { status: StatusCode.NetworkIdMismatch, writer: new DataStreamWriter(0) };
    checkNoOpenSend(this.#pendingSend !== null);
    const r = d.beginSend(pipeline, (connection as MultiNetworkConnection).connection, requiredPayloadSize);
    if (r.status === StatusCode.Success) this.#pendingSend = d;
    return r;
  }

  /** Mirrors `EndSend`. */
  endSend(writer: DataStreamWriter): number {
    return this.#takePending().endSend(writer);
  }

  /** Mirrors `AbortSend`. */
  abortSend(writer: DataStreamWriter): void {
    this.#takePending().abortSend(writer);
  }

  /** Mirrors `Disconnect`. */
  disconnect(connection: NetworkConnection): StatusCode {
    const d = this.#driverOf(connection);
    return d ? d.disconnect((connection as MultiNetworkConnection).connection) : StatusCode.NetworkIdMismatch;
  }

  /** Mirrors `GetConnectionState`. */
  getConnectionState(connection: NetworkConnection): ConnectionState {
    const d = this.#driverOf(connection);
    return d ? d.getConnectionState((connection as MultiNetworkConnection).connection) : ConnectionState.Disconnected;
  }

  /** utp-ts: whether the peer proved its address (`NetworkDriver.isProven`). */
  isProven(connection: NetworkConnection): boolean {
    return this.#driverOf(connection)?.isProven((connection as MultiNetworkConnection).connection) ?? false;
  }

  /**
   * utp-ts: every driver's statistics added up (a fresh object): packets, bytes, bandwidth, connections, drops by
   * reason and admission counters, for a server's stats line (`utp echo --stats`, `UtpTransport.stats.network`).
   */
  getStatistics(): DriverStatistics {
    const total = createDriverStatistics();
    for (const d of this.#drivers) addStatistics(total, d.getStatistics());
    return total;
  }

  /** Mirrors `GetRemoteEndpoint`. */
  remoteEndpoint(connection: NetworkConnection): NetworkEndpoint | null {
    return this.#driverOf(connection)?.remoteEndpoint((connection as MultiNetworkConnection).connection) ?? null;
  }

  /** Largest message `beginSend` accepts on this connection and pipeline (WebSocket carries 14 B less, §2.4). */
  maxPayloadSize(connection: NetworkConnection, pipeline: PipelineRef = 0): number {
    return this.#driverOf(connection)?.maxPayloadSize((connection as MultiNetworkConnection).connection, pipeline) ?? 0;
  }

  /** Mirrors `ScheduleUpdate`: updates every driver with the same clock value. */
  update(now?: number): void {
    this.#assertCreated();
    for (const d of this.#drivers) d.update(now);
  }

  /** Mirrors `ScheduleFlushSend`. */
  flush(): void {
    for (const d of this.#drivers) d.flush();
  }

  /** Mirrors `Dispose`: disposes every driver. */
  dispose(): void {
    if (!this.#created) return;
    this.#created = false;
    for (const d of this.#drivers) d.dispose();
  }

  #tag(index: number, c: NetworkConnection): MultiNetworkConnection {
    const handles = this.#handles[index];
    const h = handles[c.id];
    if (h && h.version === c.version) return h;
    return (handles[c.id] = new MultiNetworkConnection(index + 1, c));
  }

  /**
   * The driver of a tagged handle issued by this object, else undefined. A stale handle (its id reused since)
   * still routes, so the driver answers `NetworkVersionMismatch` as UTP does.
   */
  #driverOf(connection: NetworkConnection): NetworkDriver | undefined {
    if (!(connection instanceof MultiNetworkConnection)) return undefined;
    const i = connection.driverId - 1;
    const h = this.#handles[i]?.[connection.id];
    return h === connection || (h !== undefined && connection.version < h.version) ? this.#drivers[i] : undefined;
  }

  #takePending(): NetworkDriver {
    const d = this.#pendingSend;
    checkOpenSend(d !== null);
    this.#pendingSend = null;
    return d!;
  }

  #assertCreated(): void {
    if (!this.#created) throw new UtpError('this MultiNetworkDriver was disposed: create a new one');
  }
}

/** Number of pipelines a driver has (ids 1..n): `maxHeaderSize` refuses unknown ids. */
function pipelineCount(driver: NetworkDriver): number {
  let n = 0;
  for (;;) {
    try { driver.maxHeaderSize(n + 1); } catch { return n; }
    n++;
  }
}
