import { UtpError } from '../api/errors.ts';
import type { NetworkSettings } from '../api/settings.ts';
import type { NetworkConnection } from '../api/connection.ts';
import {
  createStageStatistics, type ByteBudget, type PipelineStage, type StageContext, type StageInfo, type StageStatistics,
} from './pipeline-stage.ts';

/**
 * Mirrors UTP's `NetworkPipeline`: the id of a stage list created with `createPipeline`. Id 0
 * (`NetworkPipeline.Null`) has no stages; ids 1..255 are the creation order (spec §4.1), which must be
 * the same on both peers because nothing on the wire names the stages.
 */
export class NetworkPipeline {
  /** The pipeline id: 0 for `Null`, else 1..255 in creation order (the byte after the connection header, spec §4.1). */
  readonly id: number;
  /** The handle of pipeline `id` (0..255). `createPipeline` returns these; a number works wherever a pipeline is taken. */
  constructor(id: number) { this.id = id; }
  /** Mirrors `NetworkPipeline.Null`: pipeline 0, no stages, no header. */
  static readonly Null = new NetworkPipeline(0);
  /** `NetworkPipeline[id]`. */
  toString(): string { return `NetworkPipeline[${this.id}]`; }
}

/** Either a pipeline handle or its numeric id. */
export type PipelineRef = NetworkPipeline | number;

/** The numeric id of a pipeline handle or id. */
export function pipelineId(p: PipelineRef): number {
  return typeof p === 'number' ? p : p.id;
}

/** Options of `createPipeline` beyond the stage list. */
export interface PipelineOptions {
  /**
   * Settings for this pipeline's stages (window size, payload capacity, simulator…) instead of the
   * driver's. Beware: both peers must use the same values for wire-relevant ones (§5.3.3, §5.4).
   */
  settings?: NetworkSettings;
  /**
   * utp-ts only, never visible on the wire: when the reliable window is full, queue messages instead of
   * returning `NetworkSendQueueFull` (-5). `true` for an unbounded queue, or a message limit.
   */
  sendQueue?: boolean | number;
}

/** A created pipeline: its stages and the header budget they need. */
export class PipelineDefinition {
  readonly id: number;
  readonly stages: readonly PipelineStage[];
  readonly settings: NetworkSettings;
  readonly options: PipelineOptions;
  /** Header capacity of each stage. */
  readonly capacities: readonly number[];
  /** Sum of all stage header capacities (spec §2.4 "pipelineHeaderCapacity"). */
  readonly headerCapacity: number;
  /** Largest message when a stage (Fragmentation) raises it; otherwise undefined. */
  readonly payloadCapacity: number | undefined;
  readonly infos: readonly StageInfo[];

  constructor(id: number, stages: readonly PipelineStage[], settings: NetworkSettings, options: PipelineOptions) {
    this.id = id;
    this.stages = stages;
    this.settings = settings;
    this.options = options;
    this.capacities = stages.map((s) => s.headerCapacity(settings));
    this.headerCapacity = this.capacities.reduce((a, b) => a + b, 0);
    const caps = stages.map((s) => s.payloadCapacity?.(settings)).filter((c): c is number => c !== undefined);
    this.payloadCapacity = caps.length ? Math.min(...caps) : undefined;
    const names = stages.map((s) => s.name);
    const sendQueue = sendQueueLimit(options.sendQueue);
    let before = 0;
    this.infos = stages.map((_, i) => {
      const info: StageInfo = {
        stageIndex: i, stageNames: names, pipelineHeaderCapacity: this.headerCapacity,
        headerCapacityBefore: before, headerCapacityAfter: this.headerCapacity - before - this.capacities[i],
        sendQueue,
      };
      before += this.capacities[i];
      return info;
    });
  }
}

/** `PipelineOptions.sendQueue` as a message limit: `true` ⇒ unbounded, a number ⇒ that many, else 0 (off). */
export function sendQueueLimit(option: boolean | number | undefined): number {
  if (option === true) return Infinity;
  if (typeof option === 'number' && option > 0) return Math.floor(option);
  return 0;
}

/** Checks a stage list the way UTP's `CreatePipeline` does (spec §4.1, §4.2). */
export function validateStages(stages: readonly PipelineStage[], existing: number): void {
  if (existing >= 255) throw new UtpError('at most 255 pipelines per driver (ids 1..255, spec §4.1)');
  for (const s of stages) {
    if (!s || typeof s.send !== 'function' || typeof s.receive !== 'function' || typeof s.createState !== 'function') {
      throw new UtpError('createPipeline takes PipelineStage objects (e.g. ReliableSequencedPipelineStage)');
    }
  }
  const frag = stages.findIndex((s) => s.name === 'Fragmentation');
  const rel = stages.findIndex((s) => s.name === 'ReliableSequenced');
  if (frag >= 0 && rel >= 0 && frag > rel) {
    throw new UtpError('Fragmentation must come before ReliableSequenced in the stage list: use [Fragmentation, ReliableSequenced] (spec §4.2)');
  }
}

/** The wire end of a pipeline: what the last stage's `forward` reaches, and the application end. */
export interface PipelineHost {
  readonly now: number;
  readonly packetPadding: number;
  pathMtu(connectionId: number): number;
  /** The next packet sent from `buffer` may stay in it (see `StageContext.forwardKept`); `null` withdraws that. */
  keepNext?(buffer: Uint8Array | null): void;
  /** Sends a finished pipeline packet (stage headers written) as an SCL Data message. */
  sendPipelinePacket(connectionId: number, pipelineId: number, buffer: Uint8Array, start: number, end: number): number;
  /** Queues a Data event for the application. */
  deliverData(connectionId: number, pipelineId: number, buffer: Uint8Array, start: number, end: number): void;
  /** The driver-wide reassembly allowance (`StageContext.reassemblyBudget`). */
  readonly reassemblyBudget?: ByteBudget;
}

/** One stage's runtime for one connection: implements `StageContext`. */
class StageRuntime implements StageContext<unknown> {
  state: unknown;
  readonly info: StageInfo;
  readonly connection: NetworkConnection;
  readonly settings: NetworkSettings;
  readonly stats: StageStatistics;
  readonly headroom: number;
  next: StageRuntime | null = null;
  prev: StageRuntime | null = null;
  readonly stage: PipelineStage;
  readonly #host: PipelineHost;
  readonly #pipelineId: number;

  constructor(host: PipelineHost, def: PipelineDefinition, index: number, connection: NetworkConnection, stats: StageStatistics) {
    this.#host = host;
    this.#pipelineId = def.id;
    this.stage = def.stages[index];
    this.info = def.infos[index];
    this.connection = connection;
    this.settings = def.settings;
    this.stats = stats;
    this.headroom = this.info.headerCapacityAfter + host.packetPadding;
    this.state = this.stage.createState(def.settings, this.info);
  }

  get now(): number { return this.#host.now; }
  get pathMtu(): number { return this.#host.pathMtu(this.connection.id); }
  get packetPadding(): number { return this.#host.packetPadding; }
  get reassemblyBudget(): ByteBudget | undefined { return this.#host.reassemblyBudget; }

  forward(buffer: Uint8Array, start: number, end: number): number {
    const n = this.next;
    if (n) return n.stage.send(n, buffer, start, end);
    return this.#host.sendPipelinePacket(this.connection.id, this.#pipelineId, buffer, start, end);
  }

  forwardKept(buffer: Uint8Array, start: number, end: number): number {
    const host = this.#host;
    host.keepNext?.(buffer);
    const rc = this.forward(buffer, start, end);
    host.keepNext?.(null);
    return rc;
  }

  forwardRoom(): number {
    let room = Infinity;
    for (let n = this.next; n; n = n.next) if (n.stage.room) room = Math.min(room, n.stage.room(n));
    return room;
  }

  deliver(buffer: Uint8Array, start: number, end: number): void {
    const p = this.prev;
    if (p) p.stage.receive(p, buffer, start, end);
    else this.#host.deliverData(this.connection.id, this.#pipelineId, buffer, start, end);
  }
}

/** A pipeline's stage runtimes for one connection. */
export class PipelineInstance {
  readonly definition: PipelineDefinition;
  readonly stats: StageStatistics = createStageStatistics();
  readonly #stages: StageRuntime[];
  readonly #updating: StageRuntime[];

  constructor(host: PipelineHost, def: PipelineDefinition, connection: NetworkConnection) {
    this.definition = def;
    this.#stages = def.stages.map((_, i) => new StageRuntime(host, def, i, connection, this.stats));
    for (let i = 0; i < this.#stages.length; i++) {
      this.#stages[i].next = this.#stages[i + 1] ?? null;
      this.#stages[i].prev = this.#stages[i - 1] ?? null;
    }
    this.#updating = this.#stages.filter((s) => typeof s.stage.update === 'function');
  }

  /** Runs the send chain from the first stage. */
  send(buffer: Uint8Array, start: number, end: number): number {
    const first = this.#stages[0];
    return first.stage.send(first, buffer, start, end);
  }

  /** Runs the receive chain from the last stage (outermost header first). */
  receive(buffer: Uint8Array, start: number, end: number): void {
    this.stats.packetsReceived++;
    const last = this.#stages[this.#stages.length - 1];
    last.stage.receive(last, buffer, start, end);
  }

  update(): void {
    for (const s of this.#updating) s.stage.update!(s);
  }

  dispose(): void {
    for (const s of this.#stages) s.stage.dispose?.(s);
  }

  /** Read-only snapshot of one stage's state (UTP's `GetPipelineBuffers`). */
  inspect(stageIndex: number): unknown {
    const s = this.#stages[stageIndex];
    if (!s) throw new UtpError(`pipeline ${this.definition.id} has no stage ${stageIndex}`);
    return s.stage.inspect ? s.stage.inspect(s.state) : structuredClone(s.state);
  }

  stageIndexOf(stage: PipelineStage | string): number {
    return this.#stages.findIndex((s) => s.stage === stage || s.stage.name === stage);
  }
}
