/**
 * Copies `src[start, end)` to `dst` at `at`. Short copies use a loop (no garbage at all); longer ones use
 * native `set` on a `subarray` view, which costs one short-lived view object (never a new backing store) but
 * is ~30× faster than a byte loop at MTU sizes (measured on Node 24: 1400 B in ~55 ns vs ~1.6 µs).
 */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, start: number, end: number): void {
  const n = end - start;
  if (n > 32) {
    dst.set(src.subarray(start, end), at);
    return;
  }
  for (let i = 0; i < n; i++) dst[at + i] = src[start + i];
}
