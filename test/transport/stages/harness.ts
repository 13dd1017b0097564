import { NetworkConnection } from '../../../plugin/transport/api/connection.ts';
import {
  PipelineDefinition, PipelineInstance, type PipelineHost, type PipelineOptions,
} from '../../../plugin/transport/stages/pipeline.ts';
import type { PipelineStage } from '../../../plugin/transport/stages/pipeline-stage.ts';
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { SeededRandom } from '../../../plugin/transport/api/random.ts';
import { hex } from '../../support/hex.ts';

/** SCL Data header (§3.4) the fake host writes in front of every pipeline packet: 01 | token | id. */
export const TOKEN = [1, 2, 3, 4, 5, 6, 7, 8];
export const PADDING = 10;

/**
 * The driver side of a pipeline, reduced to what stages see: a settable clock, the SCL Data header written
 * in the 10 bytes of packet padding, and copies of what went out and what came up.
 */
export class FakeHost implements PipelineHost {
  now = 0;
  readonly packetPadding = PADDING;
  mtu = 1400;
  /** Keep copies in `sent` / `delivered` (turn off for long runs). */
  record = true;
  /** Status the "wire" returns; a negative value refuses packets without sending them. */
  sendResult = 0;
  readonly sent: Uint8Array[] = [];
  readonly delivered: Uint8Array[] = [];
  onPacket: ((packet: Uint8Array) => void) | null = null;
  onDeliver: ((data: Uint8Array, buffer: Uint8Array, start: number, end: number) => void) | null = null;
  /** Packets a stage offered with `forwardKept`, as a carrier would keep them: the array itself and its bytes then. */
  readonly kept: Array<{ buffer: Uint8Array; start: number; end: number; bytes: string }> = [];
  #keepNext: Uint8Array | null = null;

  keepNext(buffer: Uint8Array | null): void {
    this.#keepNext = buffer;
  }

  /** How many kept packets were written into after they were sent (a carrier would have sent altered bytes). */
  keptAltered(): number {
    return this.kept.filter((k) => hex(k.buffer.subarray(k.start, k.end)) !== k.bytes).length;
  }

  pathMtu(): number {
    return this.mtu;
  }

  sendPipelinePacket(_connectionId: number, pipelineId: number, buffer: Uint8Array, start: number, end: number): number {
    if (start < PADDING) throw new Error(`stage left ${start} bytes of headroom, the SCL needs ${PADDING}`);
    if (this.sendResult < 0) return this.sendResult;
    buffer[start - PADDING] = 1;
    for (let i = 0; i < 8; i++) buffer[start - 9 + i] = TOKEN[i];
    buffer[start - 1] = pipelineId;
    const packet = buffer.slice(start - PADDING, end);
    if (buffer === this.#keepNext) this.kept.push({ buffer, start: start - PADDING, end, bytes: hex(packet) });
    if (this.record) this.sent.push(packet);
    this.onPacket?.(packet);
    return 0;
  }

  deliverData(_connectionId: number, _pipelineId: number, buffer: Uint8Array, start: number, end: number): void {
    if (this.record || this.onDeliver) {
      const data = buffer.slice(start, end);
      if (this.record) this.delivered.push(data);
      this.onDeliver?.(data, buffer, start, end);
    }
  }

  /** Packets sent so far, as hex, and forget them. */
  takeSent(): string[] {
    const out = this.sent.map(hex);
    this.sent.length = 0;
    return out;
  }
}

/** One side of a pipeline: a real `PipelineDefinition` + `PipelineInstance` on a `FakeHost`. */
export class Endpoint {
  readonly host = new FakeHost();
  readonly definition: PipelineDefinition;
  readonly pipeline: PipelineInstance;
  /** Scribble over the send buffer after every send, so a stage that kept a reference is caught. */
  poison = true;
  #buffer = new Uint8Array(0);

  constructor(stages: PipelineStage[], settings = new NetworkSettings(), options: PipelineOptions = {}, id = 1) {
    this.definition = new PipelineDefinition(id, stages, settings, options);
    this.pipeline = new PipelineInstance(this.host, this.definition, new NetworkConnection(0, 1));
  }

  get stats() {
    return this.pipeline.stats;
  }

  /** Sends like the driver: the payload sits after `headerCapacity + packetPadding` free bytes. */
  send(payload: Uint8Array): number {
    const room = this.definition.headerCapacity + PADDING;
    if (this.#buffer.length < room + payload.length) this.#buffer = new Uint8Array(room + payload.length + 64);
    this.#buffer.set(payload, room);
    const rc = this.pipeline.send(this.#buffer, room, room + payload.length);
    if (this.poison) this.#buffer.fill(0xee);
    return rc;
  }

  /** Feeds a full SCL Data packet (as the host recorded it) to the pipeline, after the pipeline byte. */
  receivePacket(packet: Uint8Array): void {
    if (packet[0] !== 1 || packet[9] !== this.definition.id) throw new Error('not a Data packet of this pipeline');
    this.pipeline.receive(packet, PADDING, packet.length);
  }

  update(now: number): void {
    this.host.now = now;
    this.pipeline.update();
  }

  inspect(stageIndex = this.definition.stages.length - 1): any {
    return this.pipeline.inspect(stageIndex);
  }
}

export interface LinkOptions {
  seed: number;
  lossPercent?: number;
  duplicatePercent?: number;
  /** Percentage of packets given extra delay so that later packets overtake them. */
  reorderPercent?: number;
  /** One-way delay in ms. */
  delay?: number;
}

interface InFlight { due: number; order: number; to: Endpoint; packet: Uint8Array }

/**
 * Two endpoints back to back through a seeded lossy, duplicating, reordering link. Packets a host sends
 * are queued with a due time; `deliverDue(now)` hands due ones to the other side (as copies of the wire
 * bytes, so the receiver may keep references).
 */
export class Link {
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly random: SeededRandom;
  readonly options: Required<LinkOptions>;
  readonly queue: InFlight[] = [];
  #order = 0;
  now = 0;
  sentPackets = 0;

  constructor(a: Endpoint, b: Endpoint, options: LinkOptions) {
    this.a = a;
    this.b = b;
    this.options = { lossPercent: 0, duplicatePercent: 0, reorderPercent: 0, delay: 1, ...options };
    this.random = new SeededRandom(options.seed);
    a.host.onPacket = (p) => this.#push(b, p);
    b.host.onPacket = (p) => this.#push(a, p);
  }

  #push(to: Endpoint, packet: Uint8Array): void {
    this.sentPackets++;
    const o = this.options;
    if (this.random.chance(o.lossPercent)) return;
    const copies = this.random.chance(o.duplicatePercent) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let due = this.now + o.delay;
      if (this.random.chance(o.reorderPercent)) due += 1 + this.random.nextInt(3 * o.delay + 3);
      this.queue.push({ due, order: this.#order++, to, packet });
    }
  }

  /** Sets both clocks and delivers every packet due by `now`, in (due, send) order. */
  deliverDue(now: number): void {
    this.now = now;
    this.a.host.now = now;
    this.b.host.now = now;
    const due = this.queue.filter((p) => p.due <= now).sort((x, y) => x.due - y.due || x.order - y.order);
    if (due.length === 0) return;
    const rest = this.queue.filter((p) => p.due > now);
    this.queue.length = 0;
    this.queue.push(...rest);
    for (const p of due) p.to.receivePacket(p.packet);
  }

  /** One driver tick at `now`: both updates (start of the driver update), then the receives. */
  tick(now: number): void {
    this.now = now;
    this.a.update(now);
    this.b.update(now);
    this.deliverDue(now);
  }
}

/** A randomized test body that reports its seed when it fails. Override seeds with UTP_TEST_SEED. */
export function withSeed(defaultSeed: number, body: (seed: number) => void): void {
  const seed = process.env.UTP_TEST_SEED ? Number(process.env.UTP_TEST_SEED) >>> 0 : defaultSeed;
  try {
    body(seed);
  } catch (e) {
    if (e instanceof Error) e.message = `[seed ${seed}] ${e.message}`;
    throw e;
  }
}

/** Settings with a given reliable window (and optional other groups). */
export function settingsWithWindow(windowSize: number): NetworkSettings {
  return new NetworkSettings().withReliableStageParameters({ windowSize });
}
