// The look: flat colours on a dark navy floor.
export const UI = {
  background: 0x10131c,
  floor: 0x171c2a,
  grid: 0x1f2638,
  wall: 0x48dbfb,
  pillar: 0x262e45,
  pillarRing: 0x3a4566,
  orb: 0x7bed9f,
  gold: 0xfeca57,
  text: '#eef2ff',
  dim: '#8f9bb8',
  font: '"Trebuchet MS", "Segoe UI", system-ui, sans-serif',
};

/** `#rrggbb` for a colour number. */
export function css(color: number): string {
  return `#${color.toString(16).padStart(6, '0')}`;
}

/** A colour darkened by `k` (0..1). */
export function darken(color: number, k: number): number {
  const r = Math.round(((color >> 16) & 0xff) * (1 - k));
  const g = Math.round(((color >> 8) & 0xff) * (1 - k));
  const b = Math.round((color & 0xff) * (1 - k));
  return (r << 16) | (g << 8) | b;
}
