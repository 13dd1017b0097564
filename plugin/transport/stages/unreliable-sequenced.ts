import type { PipelineStage } from './pipeline-stage.ts';

/** Wire header size of the stage: one u16 LE sequence (spec §5.2). */
const HEADER = 2;

/** Per connection and pipeline: the next sequence to send and the last one accepted. */
export interface UnreliableSequencedState {
  /** Sequence written on the next packet, 0..65535. */
  sendSequence: number;
  /** Last accepted sequence; 65535 before anything arrived, so that 0 is accepted first (§5.2). */
  lastReceived: number;
}

/**
 * 16-bit serial-number comparison, mirroring UTP's `SequenceHelpers.GreaterThan16` (spec §5.2): `a` is
 * newer than `b` when it is ahead by 1..0x7FFF, wrapping at 65536.
 */
export function greaterThan16(a: number, b: number): boolean {
  return (a > b && a - b <= 0x7fff) || (a < b && b - a > 0x7fff);
}

/**
 * Mirrors UTP's `UnreliableSequencedPipelineStage` (spec §5.2): a 2-byte LE counter per packet; the
 * receiver drops anything not strictly newer than the last packet it accepted (no buffering, no acks).
 * Drops are counted in `packetsDropped`.
 */
export const UnreliableSequencedPipelineStage: PipelineStage<UnreliableSequencedState> = {
  name: 'UnreliableSequenced',
  headerCapacity: () => HEADER,
  createState: () => ({ sendSequence: 0, lastReceived: 0xffff }),

  send(ctx, buffer, start, end) {
    const s = ctx.state;
    const at = start - HEADER;
    buffer[at] = s.sendSequence & 0xff;
    buffer[at + 1] = s.sendSequence >>> 8;
    // Incremented after every packet, wrapping at 65536 (§5.2).
    s.sendSequence = (s.sendSequence + 1) & 0xffff;
    return ctx.forward(buffer, at, end);
  },

  receive(ctx, buffer, start, end) {
    const s = ctx.state;
    if (end - start < HEADER) {
      ctx.stats.packetsDropped++;
      return;
    }
    const seq = buffer[start] | (buffer[start + 1] << 8);
    if (!greaterThan16(seq, s.lastReceived)) {
      ctx.stats.packetsDropped++;
      return;
    }
    ctx.stats.packetsLost += (seq - s.lastReceived - 1) & 0xffff; // the sequences skipped (§5.2 wraps at 65536)
    s.lastReceived = seq;
    ctx.deliver(buffer, start + HEADER, end);
  },

  inspect: (s) => ({ sendSequence: s.sendSequence, lastReceived: s.lastReceived }),
};
