import { NetworkSettings } from '../api/settings.ts';
import { UtpError } from '../api/errors.ts';
import { NetworkEventType, StatusCode } from '../api/status-codes.ts';
import type { EventQueue } from '../stack/event-queue.ts';
import {
  PipelineDefinition, PipelineInstance, validateStages, type PipelineHost, type PipelineOptions,
} from '../stages/pipeline.ts';
import type { ByteBudget, PipelineStage } from '../stages/pipeline-stage.ts';
import type { AdmissionStatistics } from './admission.ts';
import { type ConnectionRecord, SclState } from './connection-list.ts';
import type { SimpleConnectionLayer } from './simple-connection-layer.ts';
import { MESSAGE_HEADER_SIZE } from './simple-connection.ts';

/** What the top layer needs from the stack. */
export interface TopHost {
  readonly now: number;
  /** Bytes in front of every pipeline's headers: lower layers + SCL header + pipeline id (spec §2.4). */
  readonly packetPadding: number;
  /** Counts a dropped packet. */
  drop(reason: 'badPipeline' | 'reassemblyLimit'): void;
  readonly admissionStats: AdmissionStatistics;
  /** The next packet sent from `buffer` may stay in it rather than be copied (the send queue's `lend`). */
  keepNext?(buffer: Uint8Array | null): void;
}

/**
 * UTP's TopLayer: the pipelines (spec §4). Dispatches a Data message to its pipeline by the id byte that follows
 * the SCL header (§4.1), runs the stage chains, and writes that id byte in front of what a pipeline sends; the
 * connection layer below adds its own header. Pipeline instances are created per connection on first use.
 */
export class TopLayer implements PipelineHost {
  readonly #host: TopHost;
  readonly #scl: SimpleConnectionLayer;
  readonly #events: EventQueue;
  readonly #settings: NetworkSettings;
  readonly #definitions: PipelineDefinition[] = [];
  readonly #registered = new Set<PipelineStage>();
  /** Pipeline instances by connection id, then pipeline id (index 0 unused). */
  readonly #instances: Array<Array<PipelineInstance | undefined> | undefined> = [];
  /** Connections with messages held (half-open, or proven with a full window behind them), and their bytes. */
  readonly #holding = new Set<ConnectionRecord>();
  #heldBytes = 0;
  #reassembling = 0;
  /** Where messages are written to send (`beginSend`, copies): room for the largest pipeline's headers and message. */
  sendBuffer: Uint8Array;
  /** Fragments kept for reassembly by every connection together (`maxReassemblyBytes`). */
  readonly reassemblyBudget: ByteBudget = {
    take: (bytes) => {
      if (this.#reassembling + bytes > this.#settings.admission.maxReassemblyBytes) {
        this.#host.drop('reassemblyLimit');
        return false;
      }
      this.#reassembling += bytes;
      return true;
    },
    give: (bytes) => { this.#reassembling -= bytes; },
  };

  constructor(host: TopHost, scl: SimpleConnectionLayer, events: EventQueue, settings: NetworkSettings) {
    this.#host = host;
    this.#scl = scl;
    this.#events = events;
    this.#settings = settings;
    this.sendBuffer = new Uint8Array(host.packetPadding + settings.networkConfig.maxMessageSize);
  }

  /** Defines the next pipeline (ids 1, 2, 3… in call order, spec §4.1). */
  createPipeline(stages: PipelineStage[], options: PipelineOptions): PipelineDefinition {
    validateStages(stages, this.#definitions.length);
    const def = new PipelineDefinition(this.#definitions.length + 1, stages, options.settings ?? this.#settings, options);
    this.#definitions.push(def);
    for (const s of stages) this.#registered.add(s);
    const need = this.#host.packetPadding + def.headerCapacity + Math.max(def.payloadCapacity ?? 0, this.#settings.networkConfig.maxMessageSize);
    if (need > this.sendBuffer.length) this.sendBuffer = new Uint8Array(need);
    return def;
  }

  registerStage(stage: PipelineStage): void {
    validateStages([stage], 0);
    this.#registered.add(stage);
  }

  /** The definition of pipeline `pipe`; pipeline 0 has no stages. Throws for an id never created. */
  definition(pipe: number): PipelineDefinition {
    if (pipe === 0) return NULL_PIPELINE;
    const def = this.#definitions[pipe - 1];
    if (!def) throw new UtpError(`unknown pipeline ${pipe}: create it with createPipeline (ids 1..${this.#definitions.length} exist)`);
    return def;
  }

  /** Bytes in front of a message on pipeline `pipe`: its stage headers and everything below (UTP's `MaxHeaderSize`). */
  headroom(pipe: number): number {
    return this.#host.packetPadding + this.definition(pipe).headerCapacity;
  }

  /** The connection's instance of pipeline `pipe` (created on first use), or undefined for an unknown id. */
  instance(rec: ConnectionRecord, pipe: number): PipelineInstance | undefined {
    const list = this.#instances[rec.id] ??= [];
    let inst = list[pipe];
    if (inst) return inst;
    const def = this.#definitions[pipe - 1];
    if (!def) return undefined;
    inst = list[pipe] = new PipelineInstance(this, def, rec.handle);
    return inst;
  }

  /** A read-only snapshot of one stage's state on the connection's pipeline `pipe` (UTP's `GetPipelineBuffers`). */
  inspect(rec: ConnectionRecord, pipe: number, stage: PipelineStage<any> | string | number): unknown {
    const inst = this.instance(rec, pipe);
    if (!inst) throw new UtpError('pipeline 0 has no stages');
    return inst.inspect(typeof stage === 'number' ? stage : inst.stageIndexOf(stage));
  }

  /** The connection's live pipeline instances (for statistics). */
  instances(rec: ConnectionRecord): ReadonlyArray<PipelineInstance | undefined> {
    return this.#instances[rec.id] ?? NONE;
  }

  /** Sends one message on pipeline `pipe`; the message sits in `buf[start, end)` with the header budget free before it. */
  send(rec: ConnectionRecord, pipe: number, buf: Uint8Array, start: number, end: number): number {
    // A half-open peer gets no pipeline data until it is proven (admission.ts); what waits keeps its order.
    if (!rec.proven || rec.held) return this.#hold(rec, pipe, buf, start, end);
    return this.#sendNow(rec, pipe, buf, start, end);
  }

  /** Sends a copy of `bytes[start, end)` from the send buffer, `headroom` bytes in (the room for every header). */
  sendCopy(rec: ConnectionRecord, pipe: number, bytes: Uint8Array, start: number, end: number, headroom: number): number {
    const buf = this.sendBuffer;
    const length = end - start;
    if (length <= 64) for (let i = 0; i < length; i++) buf[headroom + i] = bytes[start + i];
    else buf.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), headroom);
    return this.send(rec, pipe, buf, headroom, headroom + length);
  }

  #sendNow(rec: ConnectionRecord, pipe: number, buf: Uint8Array, start: number, end: number): number {
    if (pipe === 0) return this.sendPipelinePacket(rec.id, 0, buf, start, end);
    return this.instance(rec, pipe)!.send(buf, start, end);
  }

  /** Keeps a copy (with the same header room in front) until the connection is proven; −5 beyond the limits. */
  #hold(rec: ConnectionRecord, pipe: number, buf: Uint8Array, start: number, end: number): number {
    const n = end - start;
    const a = this.#settings.admission;
    if ((rec.held?.bytes ?? 0) + n > a.maxHeldBytesPerConnection || this.#heldBytes + n > a.maxHeldBytes) {
      this.#host.admissionStats.heldRefused++;
      return StatusCode.NetworkSendQueueFull;
    }
    const copy = new Uint8Array(end);
    copy.set(buf.subarray(start, end), start);
    const held = (rec.held ??= { messages: [], bytes: 0 });
    held.messages.push({ pipe, buffer: copy, start });
    held.bytes += n;
    this.#heldBytes += n;
    this.#holding.add(rec);
    return StatusCode.Success;
  }

  /**
   * Sends what was held for a proven, established connection, oldest first. A full reliable window keeps the rest
   * for a later update; a message that fails otherwise is dropped (as the send would have failed then).
   */
  releaseHeld(rec: ConnectionRecord): void {
    const held = rec.held;
    if (!held || !rec.proven || rec.state !== SclState.Established || rec.closeRequested) return;
    const list = held.messages;
    let i = 0;
    for (; i < list.length; i++) {
      const h = list[i];
      if (this.#sendNow(rec, h.pipe, h.buffer, h.start, h.buffer.length) === StatusCode.NetworkSendQueueFull) break;
      held.bytes -= h.buffer.length - h.start;
      this.#heldBytes -= h.buffer.length - h.start;
    }
    list.splice(0, i);
    if (list.length === 0) this.#forgetHeld(rec);
  }

  #forgetHeld(rec: ConnectionRecord): void {
    this.#heldBytes -= rec.held?.bytes ?? 0;
    rec.held = null;
    this.#holding.delete(rec);
  }

  /** A Data message from the connection layer, from its pipeline id byte on. */
  receive(rec: ConnectionRecord, buf: Uint8Array, start: number, end: number): void {
    const pipe = buf[start];
    if (pipe === 0) return this.#events.push(NetworkEventType.Data, rec.id, 0, buf, start + 1, end);
    const inst = this.instance(rec, pipe);
    if (!inst) return this.#host.drop('badPipeline');
    inst.stats.bytesReceived += end - start + MESSAGE_HEADER_SIZE;
    inst.receive(buf, start + 1, end);
  }

  /** Stage timers (resends, acks) of every established connection, then held messages that may leave now. */
  update(): void {
    const list = this.#scl.connections;
    // Indexed loops, and no Set iterator when nothing is held: an update then allocates nothing.
    if (this.#holding.size) for (const rec of this.#holding) this.releaseHeld(rec);
    for (let id = 0; id < this.#instances.length; id++) {
      const pipes = this.#instances[id];
      if (!pipes) continue;
      const rec = list.get(id);
      if (!rec || rec.state !== SclState.Established || rec.closeRequested) continue;
      for (let i = 0; i < pipes.length; i++) pipes[i]?.update();
    }
  }

  /** The connection was released: its stages free their state. */
  release(rec: ConnectionRecord): void {
    if (rec.held) this.#forgetHeld(rec);
    const pipes = this.#instances[rec.id];
    if (!pipes) return;
    for (const inst of pipes) inst?.dispose();
    this.#instances[rec.id] = undefined;
  }

  // ---------------------------------------------------------------- PipelineHost (used by the stages)

  get now(): number { return this.#host.now; }
  get packetPadding(): number { return this.#host.packetPadding; }
  pathMtu(connectionId: number): number {
    return this.#scl.connections.get(connectionId)?.pathMtu ?? this.#settings.networkConfig.maxMessageSize;
  }

  /** Writes the pipeline id in front of a finished pipeline packet (§4.1) and hands it to the connection layer. */
  keepNext(buffer: Uint8Array | null): void {
    this.#host.keepNext?.(buffer);
  }

  sendPipelinePacket(connectionId: number, pipe: number, buf: Uint8Array, start: number, end: number): number {
    const rec = this.#scl.connections.get(connectionId);
    if (!rec) return StatusCode.NetworkStateMismatch;
    buf[--start] = pipe;
    const status = this.#scl.sendData(rec, buf, start, end);
    if (status < 0) return status;
    const inst = this.#instances[connectionId]?.[pipe];
    if (inst) { inst.stats.packetsSent++; inst.stats.bytesSent += end - start + MESSAGE_HEADER_SIZE; }
    return StatusCode.Success;
  }

  deliverData(connectionId: number, pipe: number, buf: Uint8Array, start: number, end: number): void {
    this.#events.push(NetworkEventType.Data, connectionId, pipe, buf, start, end);
  }
}

const NONE: ReadonlyArray<PipelineInstance | undefined> = [];
const NULL_PIPELINE = new PipelineDefinition(0, [], new NetworkSettings(), {});
