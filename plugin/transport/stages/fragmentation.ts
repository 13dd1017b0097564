import type { NetworkSettings } from '../api/settings.ts';
import type { PipelineStage, StageContext } from './pipeline-stage.ts';
import { StatusCode } from '../api/status-codes.ts';
import { copyBytes } from './bytes.ts';

/** u16 LE word: First 0x8000 | Last 0x4000 | 14-bit fragment sequence (spec §5.4). */
const HEADER = 2;
const FIRST = 0x8000;
const LAST = 0x4000;
const SEQ_MASK = 0x3fff;

/** Per connection and pipeline state of `FragmentationPipelineStage`. */
export class FragmentationState {
  /** Largest message, ours and (by agreement) the peer's: `fragmentationStage.payloadCapacity`. */
  readonly payloadCapacity: number;
  /** 14-bit counter, incremented for every packet the stage emits. */
  sendSequence = 0;
  /** Chunk copies with headroom in front; one buffer reused for every chunk. */
  scratch: Uint8Array | null = null;

  // Reassembly (§5.4 receiver): references to the chunks of the message in progress.
  /** Sequence the next fragment must carry. */
  expected = 0;
  /** True between a First and its Last while nothing was lost. */
  assembling = false;
  readonly chunks: Uint8Array[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  collected = 0;

  constructor(settings: NetworkSettings) {
    this.payloadCapacity = settings.fragmentationStage.payloadCapacity;
  }

  resetAssembly(): void {
    this.chunks.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.collected = 0;
  }
}

type Ctx = StageContext<FragmentationState>;

/** Writes the header word in front of `start` and forwards; every emitted packet consumes a sequence. */
function emit(ctx: Ctx, buffer: Uint8Array, start: number, end: number, flags: number): number {
  const s = ctx.state;
  const word = flags | s.sendSequence;
  s.sendSequence = (s.sendSequence + 1) & SEQ_MASK;
  buffer[start - HEADER] = word & 0xff;
  buffer[start - HEADER + 1] = word >>> 8;
  return ctx.forward(buffer, start - HEADER, end);
}

/** Message bytes that fit one packet after every header of the pipeline (§5.4, 2.5.2+ chunking). */
function chunkSize(ctx: Ctx): number {
  return ctx.pathMtu - ctx.packetPadding - ctx.info.pipelineHeaderCapacity;
}

/** Concatenates the collected chunks into a fresh buffer (the application may keep it). */
function assemble(s: FragmentationState): Uint8Array {
  const out = new Uint8Array(s.collected);
  let at = 0;
  for (let i = 0; i < s.chunks.length; i++) {
    copyBytes(out, at, s.chunks[i], s.starts[i], s.ends[i]);
    at += s.ends[i] - s.starts[i];
  }
  return out;
}

/** Forgets the collected chunks and returns their bytes to the driver's reassembly budget. */
function clearAssembly(ctx: Ctx): void {
  ctx.reassemblyBudget?.give(ctx.state.collected);
  ctx.state.resetAssembly();
}

/** Discards a fragment (and whatever was collected): counted as dropped. */
function breakMessage(ctx: Ctx): void {
  ctx.state.assembling = false;
  clearAssembly(ctx);
  ctx.stats.packetsDropped++;
}

/**
 * Mirrors UTP's `FragmentationPipelineStage` (spec §5.4): splits messages up to `payloadCapacity` (default
 * 4096) into MTU-sized chunks behind a 2-byte First/Last/sequence word and reassembles them in order. It must
 * come before ReliableSequenced; alone it loses the whole message when one fragment is lost.
 */
export const FragmentationPipelineStage: PipelineStage<FragmentationState> = {
  name: 'Fragmentation',
  headerCapacity: () => HEADER,
  payloadCapacity: (settings) => settings.fragmentationStage.payloadCapacity,
  createState: (settings) => new FragmentationState(settings),

  send(ctx, buffer, start, end) {
    const s = ctx.state;
    const length = end - start;
    if (length > s.payloadCapacity) return StatusCode.NetworkPacketOverflow;
    const chunk = chunkSize(ctx);
    // Earlier stages' headers are inside the first chunk (§5.4).
    const first = chunk - ctx.info.headerCapacityBefore;
    if (length <= first) return emit(ctx, buffer, start, end, FIRST | LAST); // fits: in place, no copy
    if (first <= 0) return StatusCode.NetworkPacketOverflow;
    // All chunks or none: UTP sends what fits and returns −5, and the receiver then drops that torso (§5.4), so
    // its bytes (and their resends) would be pure waste. Refusing up front sends no packet a Unity peer would not.
    if (ctx.forwardRoom() < 1 + Math.ceil((length - first) / chunk)) return StatusCode.NetworkSendQueueFull;
    const room = ctx.headroom + HEADER;
    let buf = s.scratch;
    if (!buf || buf.length < room + chunk) buf = s.scratch = new Uint8Array(room + chunk);
    for (let at = start, flags = FIRST; at < end; flags = 0) {
      const n = Math.min(flags === FIRST ? first : chunk, end - at);
      copyBytes(buf, room, buffer, at, at + n);
      at += n;
      const rc = emit(ctx, buf, room, room + n, at === end ? flags | LAST : flags);
      if (rc < 0) return rc; // a later stage failed (the wire): what left stays sent, the receiver drops the torso (§5.4)
    }
    return StatusCode.Success;
  },

  receive(ctx, buffer, start, end) {
    const s = ctx.state;
    if (end - start < HEADER) {
      ctx.stats.packetsDropped++;
      return;
    }
    const word = buffer[start] | (buffer[start + 1] << 8);
    const seq = word & SEQ_MASK;
    const from = start + HEADER;
    const expected = s.expected;
    s.expected = (seq + 1) & SEQ_MASK; // after every packet (§5.4)
    if (word & FIRST) {
      clearAssembly(ctx); // First restarts reassembly and adopts its sequence
      if (word & LAST) {
        s.assembling = false;
        ctx.deliver(buffer, from, end); // whole message: no copy needed, receive buffers are never reused
        return;
      }
      s.assembling = true;
    } else if (!s.assembling || seq !== expected) {
      // Out of sequence, or the rest of a broken message: skip until the next First.
      if (s.assembling) breakMessage(ctx);
      else ctx.stats.packetsDropped++;
      return;
    }
    if (s.collected + (end - from) > s.payloadCapacity || (ctx.reassemblyBudget && !ctx.reassemblyBudget.take(end - from))) {
      breakMessage(ctx); // larger than our capacity, or the driver holds too much already: dropped, never delivered
      return;
    }
    s.chunks.push(buffer);
    s.starts.push(from);
    s.ends.push(end);
    s.collected += end - from;
    if (word & LAST) {
      const message = assemble(s);
      s.assembling = false;
      clearAssembly(ctx);
      ctx.deliver(message, 0, message.length);
    }
  },

  dispose(ctx) {
    clearAssembly(ctx);
    ctx.state.scratch = null;
  },

  inspect: (s) => ({
    payloadCapacity: s.payloadCapacity, sendSequence: s.sendSequence, expectedSequence: s.expected,
    assembling: s.assembling, collectedBytes: s.collected, collectedFragments: s.chunks.length,
  }),
};
