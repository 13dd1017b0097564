/**
 * Pure codec of the ReliableSequenced header and its ack-mask bit math (spec §5.3.1, §5.3.2). No state:
 * the stage in `reliable-sequenced.ts` owns the buffers these functions read and write.
 *
 * ```
 * offset size field (all LE)
 * 0      1    Type: 0 payload, 1 ack-only (receivers treat anything but 1 as payload)
 * 1      1    AckMaskLength: 0 when window <= 64, else the number of mask bytes that follow
 * 2      2    ProcessingTime ms
 * 4      2    SequenceId (0 in ack-only packets)
 * 6      2    AckedSequenceId (0xFFFF = nothing received yet)
 * 8      M    ack mask: M = 4 (window <= 32), 8 (<= 64), AckMaskLength (> 64)
 * ```
 */

/** Mirrors UTP's `ReliableUtility.PacketType` (spec §5.3.1). */
export const ReliablePacketType = { Payload: 0, Ack: 1 } as const;

/** Fixed part of the header before the mask. */
export const ReliableFixedHeaderSize = 8;

/** Windows above this carry an explicit AckMaskLength and a window/8-byte mask (2.6+, §5.3.1). */
export const ReliableNarrowWindowLimit = 64;

/** Mask bytes reserved for a window: 4 (≤ 32), 8 (≤ 64), window/8 (> 64). Mirrors `MaxPacketHeaderWireSize` − 8. */
export function reliableMaskBytes(windowSize: number): number {
  if (windowSize <= 32) return 4;
  if (windowSize <= ReliableNarrowWindowLimit) return 8;
  return Math.ceil(windowSize / 8);
}

/** The stage's reserved header: 12 B (window ≤ 32), 16 B (≤ 64), 8 + window/8 (> 64) (§5.3.1). */
export function reliableHeaderCapacity(windowSize: number): number {
  return ReliableFixedHeaderSize + reliableMaskBytes(windowSize);
}

/** Fields of a parsed header (§5.3.1); one object per connection, reused so parsing allocates nothing. */
export interface ReliableHeaderFields {
  type: number;
  processingTime: number;
  /** 16-bit wire value. */
  sequence: number;
  /** 16-bit wire value. */
  ackedSequence: number;
  /** Header bytes on the wire (8 + mask bytes actually present). */
  size: number;
}

export function createReliableHeaderFields(): ReliableHeaderFields {
  return { type: 0, processingTime: 0, sequence: 0, ackedSequence: 0, size: 0 };
}

/**
 * Writes a header at `at` with the first `maskLength` bytes of `mask`. `wide` (window > 64) selects whether
 * AckMaskLength is written (§5.3.1). Returns the header size, 8 + maskLength.
 */
export function writeReliableHeader(
  buffer: Uint8Array, at: number, type: number, processingTime: number, sequence: number, ackedSequence: number,
  mask: Uint8Array, maskLength: number, wide: boolean,
): number {
  buffer[at] = type;
  buffer[at + 1] = wide ? maskLength : 0;
  buffer[at + 2] = processingTime & 0xff;
  buffer[at + 3] = (processingTime >>> 8) & 0xff;
  buffer[at + 4] = sequence & 0xff;
  buffer[at + 5] = (sequence >>> 8) & 0xff;
  buffer[at + 6] = ackedSequence & 0xff;
  buffer[at + 7] = (ackedSequence >>> 8) & 0xff;
  for (let i = 0; i < maskLength; i++) buffer[at + 8 + i] = mask[i];
  return ReliableFixedHeaderSize + maskLength;
}

/**
 * Parses and validates a header the way a 2.6+ receiver does (§5.3.1 "Receiver validation"): fewer than 8
 * bytes, an AckMaskLength that contradicts the local window, or a truncated header ⇒ returns false. On
 * success fills `out` and `maskOut` (length = `reliableMaskBytes(windowSize)`); mask bytes the peer trimmed
 * away read as all ones (§5.3.2).
 */
export function readReliableHeader(
  buffer: Uint8Array, start: number, end: number, windowSize: number, out: ReliableHeaderFields, maskOut: Uint8Array,
): boolean {
  if (end - start < ReliableFixedHeaderSize) return false;
  const declared = buffer[start + 1];
  const full = maskOut.length;
  let present: number;
  if (windowSize > ReliableNarrowWindowLimit) {
    // A longer mask than our window means the peer's window differs: as corrupt as a wrong boundary.
    if (declared === 0 || declared > full) return false;
    present = declared;
  } else {
    if (declared !== 0) return false;
    present = full;
  }
  const size = ReliableFixedHeaderSize + present;
  if (end - start < size) return false;
  out.type = buffer[start];
  out.processingTime = buffer[start + 2] | (buffer[start + 3] << 8);
  out.sequence = buffer[start + 4] | (buffer[start + 5] << 8);
  out.ackedSequence = buffer[start + 6] | (buffer[start + 7] << 8);
  out.size = size;
  for (let i = 0; i < present; i++) maskOut[i] = buffer[start + 8 + i];
  for (let i = present; i < full; i++) maskOut[i] = 0xff;
  return true;
}

// ---- Ack mask bit math, UTP's `ReliableAckMask` (§5.3.2): bit d (byte d>>3, bit d&7, LSB first) ↔
// sequence ackedSeq − d. Masks are plain byte arrays of the wire length, so reading and writing is a copy. ----

/** Whether bit `d` is set; distances past the mask read as not set. */
export function maskGet(mask: Uint8Array, d: number): boolean {
  const k = d >>> 3;
  return k < mask.length && (mask[k] & (1 << (d & 7))) !== 0;
}

/** Sets bit `d` (ignored past the mask). */
export function maskSet(mask: Uint8Array, d: number): void {
  const k = d >>> 3;
  if (k < mask.length) mask[k] |= 1 << (d & 7);
}

/**
 * Moves every bit `n` distances further (the newest sequence advanced by `n`); zeros come in at bit 0 and
 * bits past the end fall off (§5.3.2, `ReliableUtility.cs:988-1001`). The caller then sets bit 0.
 */
export function maskShiftLeft(mask: Uint8Array, n: number): void {
  const len = mask.length;
  if (n >= len * 8) {
    mask.fill(0);
    return;
  }
  const bytes = n >>> 3;
  const bits = n & 7;
  for (let k = len - 1; k >= 0; k--) {
    const src = k - bytes;
    let v = src >= 0 ? mask[src] << bits : 0;
    if (bits !== 0 && src - 1 >= 0) v |= mask[src - 1] >>> (8 - bits);
    mask[k] = v & 0xff;
  }
}

/** ORs `src` into `dst` (same length): an ack for the same acked sequence merges (§5.3.6 step 5). */
export function maskOr(dst: Uint8Array, src: Uint8Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] |= src[i];
}

/**
 * The smallest number of leading mask bytes that still holds every 0-bit, at least 1: the 2.6+ trimmed
 * mask for windows > 64 once the peer acknowledged something (§5.3.2, TV-13).
 */
export function maskTrimmedLength(mask: Uint8Array): number {
  for (let k = mask.length - 1; k > 0; k--) if (mask[k] !== 0xff) return k + 1;
  return 1;
}
