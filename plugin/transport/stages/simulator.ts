import type { NetworkSettings, SimulatorStageParameters } from '../api/settings.ts';
import type { PipelineStage, StageContext } from './pipeline-stage.ts';
import { StatusCode } from '../api/status-codes.ts';
import { SeededRandom, randomSeed } from '../api/random.ts';
import { copyBytes } from './bytes.ts';

/** Mirrors UTP's `SimulatorUtility.ApplyMode` (spec §8.3). */
export const SimulatorMode = {
  /** 0: simulate on received packets only. */
  ReceivedPacketsOnly: 0,
  /** 1: simulate on sent packets only. */
  SentPacketsOnly: 1,
  /** 2: simulate in both directions (the default). */
  AllPackets: 2,
  /** 3: the stage passes every packet untouched. */
  Off: 3,
} as const;

const SEND = 0;
const RECEIVE = 1;

/** A packet held back until `due`: sends are copies (with headroom), receives are references. */
interface HeldPacket {
  due: number;
  /** Arrival order, so equal due times keep their order. */
  order: number;
  direction: number;
  /** Ours (reorderPercentage): leaves right after the next packet of its direction passes, or at `due`. */
  overtake: boolean;
  buffer: Uint8Array;
  start: number;
  end: number;
}

/** Per connection and pipeline state of `SimulatorPipelineStage`. */
export class SimulatorState {
  readonly params: Readonly<SimulatorStageParameters>;
  readonly random: SeededRandom;
  /** Packets seen per direction, for `packetDropInterval`. */
  readonly counts = [0, 0];
  /** Held packets, sorted by (due, order). Bounded by `maxPacketCount`. */
  readonly held: HeldPacket[] = [];
  #order = 0;

  constructor(settings: NetworkSettings) {
    this.params = { ...settings.simulatorStage };
    this.random = new SeededRandom(this.params.randomSeed || randomSeed());
  }

  nextOrder(): number {
    return this.#order++;
  }
}

type Ctx = StageContext<SimulatorState>;

function applies(mode: number, direction: number): boolean {
  if (mode === SimulatorMode.AllPackets) return true;
  return direction === SEND ? mode === SimulatorMode.SentPacketsOnly : mode === SimulatorMode.ReceivedPacketsOnly;
}

function pass(ctx: Ctx, direction: number, buffer: Uint8Array, start: number, end: number): number {
  if (direction === SEND) return ctx.forward(buffer, start, end);
  ctx.deliver(buffer, start, end);
  return StatusCode.Success;
}

/** A private copy (sends must not keep the caller's buffer; fuzzing must not touch a stored original). */
function copyOf(ctx: Ctx, buffer: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(ctx.headroom + (end - start));
  copyBytes(out, ctx.headroom, buffer, start, end);
  return out;
}

/**
 * Fuzzing as UTP documents `FuzzFactor`: the percentage is both the share of packets fuzzed and, within a
 * fuzzed packet, each bit's chance to flip; bytes before `fuzzOffset` are left alone.
 */
function fuzz(s: SimulatorState, buffer: Uint8Array, start: number, end: number): void {
  const p = s.params.fuzzFactor;
  for (let i = start + s.params.fuzzOffset; i < end; i++) {
    for (let bit = 0; bit < 8; bit++) if (s.random.chance(p)) buffer[i] ^= 1 << bit;
  }
}

/** Inserts in (due, order) order; held packets are few, so a linear scan from the back is enough. */
function hold(s: SimulatorState, packet: HeldPacket): void {
  let i = s.held.length;
  while (i > 0 && s.held[i - 1].due > packet.due) i--;
  s.held.splice(i, 0, packet);
}

/**
 * One packet through the simulation. Draws from the generator in a fixed order (drop, fuzz, duplicate,
 * then per copy jitter and reorder) so a seed replays exactly. Returns the status seen by the sender.
 */
function simulate(ctx: Ctx, direction: number, buffer: Uint8Array, start: number, end: number): number {
  const s = ctx.state;
  const p = s.params;
  // Other direction, or too large to store (UTP's MaxPacketSize): bypasses the simulator untouched.
  if (!applies(p.mode, direction) || end - start > p.maxPacketSize) return pass(ctx, direction, buffer, start, end);
  const count = ++s.counts[direction];
  const r = s.random;
  const byInterval = p.packetDropInterval > 0 && count % p.packetDropInterval === 0; // every N-th packet
  const byChance = r.chance(p.packetDropPercentage);
  if (byInterval || byChance) {
    ctx.stats.packetsDropped++;
    return StatusCode.Success; // lost on the way: the sender cannot tell
  }
  if (p.fuzzFactor > 0 && r.chance(p.fuzzFactor)) {
    const copy = copyOf(ctx, buffer, start, end);
    buffer = copy;
    end = copy.length;
    start = ctx.headroom;
    fuzz(s, buffer, start, end);
  }
  const copies = r.chance(p.packetDuplicationPercentage) ? 2 : 1;
  if (copies === 2) ctx.stats.packetsDuplicated++;
  let rc: number = StatusCode.Success;
  for (let c = 0; c < copies; c++) {
    let delay = p.packetDelayMs;
    if (p.packetJitterMs > 0) delay = Math.max(0, delay + r.nextRange(-p.packetJitterMs, p.packetJitterMs));
    // Ours: wait for the next packet to overtake, but at most one more delay step (≥ 10 ms).
    const overtake = p.reorderPercentage > 0 && r.chance(p.reorderPercentage);
    if (overtake) delay += Math.max(p.packetDelayMs, 10);
    if (delay <= 0 || s.held.length >= p.maxPacketCount) {
      // No delay, or no room to hold it (UTP's MaxPacketCount): passes at once.
      const order = s.nextOrder();
      const out = pass(ctx, direction, buffer, start, end);
      if (c === 0) rc = out;
      releaseOvertaken(ctx, direction, order);
      continue;
    }
    const stored = direction === SEND ? copyOf(ctx, buffer, start, end) : buffer;
    const at = direction === SEND ? ctx.headroom : start;
    hold(s, { due: ctx.now + delay, order: s.nextOrder(), direction, overtake, buffer: stored, start: at, end: at + (end - start) });
  }
  return rc;
}

/** A packet of `direction` with arrival `order` just passed: the reordered ones before it follow it now. */
function releaseOvertaken(ctx: Ctx, direction: number, order: number): void {
  const held = ctx.state.held;
  for (let i = 0; i < held.length; i++) {
    const h = held[i];
    if (!h.overtake || h.direction !== direction || h.order > order) continue;
    held.splice(i--, 1);
    pass(ctx, direction, h.buffer, h.start, h.end);
  }
}

/**
 * Mirrors UTP's `SimulatorPipelineStage` (spec §5.5): no header; drops, duplicates, fuzzes and delays
 * packets per `settings.simulatorStage`, deterministically from `randomSeed` (0 = random). Ours:
 * `reorderPercentage` holds a packet until the next one of its direction has passed. Place it last so it
 * acts on whole packets. Held packets leave from `update` in due-time order.
 */
export const SimulatorPipelineStage: PipelineStage<SimulatorState> = {
  name: 'Simulator',
  headerCapacity: () => 0,
  createState: (settings) => new SimulatorState(settings),
  send: (ctx, buffer, start, end) => simulate(ctx, SEND, buffer, start, end),
  receive(ctx, buffer, start, end) {
    simulate(ctx, RECEIVE, buffer, start, end);
  },

  update(ctx) {
    const held = ctx.state.held;
    let n = 0;
    while (n < held.length && held[n].due <= ctx.now) n++;
    if (n === 0) return;
    // Detach first: releasing can run other stages, which may hold new packets here.
    const due = held.splice(0, n);
    for (const p of due) {
      pass(ctx, p.direction, p.buffer, p.start, p.end);
      if (!p.overtake) releaseOvertaken(ctx, p.direction, p.order);
    }
  },

  dispose(ctx) {
    ctx.state.held.length = 0;
  },

  inspect: (s) => ({
    params: { ...s.params }, sentSeen: s.counts[SEND], receivedSeen: s.counts[RECEIVE], held: s.held.length,
    nextDue: s.held.length ? s.held[0].due : null,
  }),
};
