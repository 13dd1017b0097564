// Screen geometry without Phaser: how far the camera zooms for a screen size, how large name labels are drawn so
// they stay legible on a phone, when the HUD switches to its compact layout, and where name labels go in a crowd.

/** World area the camera aims to show (1000 × 700), whatever the screen's shape. */
const VIEW_AREA = 1000 * 700;
export const MIN_ZOOM = 0.55;
export const MAX_ZOOM = 1.25;
/** Font size of name labels, px at scale 1. */
export const LABEL_FONT_PX = 15;
/** Smallest on-screen size of a name label's font, px (after zoom and scale). */
export const MIN_LABEL_PX = 12;
/** Below this width (px) the HUD uses its compact layout (phones in portrait). */
export const COMPACT_WIDTH = 600;

/**
 * The camera zoom for a `width × height` screen: about 1000 × 700 world pixels' worth of area, so a portrait phone
 * sees a taller, narrower piece of the arena rather than a tiny whole.
 */
export function cameraZoom(width: number, height: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.sqrt((width * height) / VIEW_AREA)));
}

/** Scale of name labels in the world at `zoom`, so that their font is at least `MIN_LABEL_PX` on screen. */
export function labelScale(zoom: number): number {
  return Math.max(1, MIN_LABEL_PX / (LABEL_FONT_PX * zoom));
}

export function isCompact(width: number): boolean {
  return width < COMPACT_WIDTH;
}

/** A label's wanted place (centre) and size. */
export interface LabelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where each label goes (its centre's y), so that none overlaps another: the first `pinned` boxes keep their place
 * (the own player's label), then the lowest on screen are placed first and any that would overlap a placed one
 * moves up until it clears, `gap` apart.
 */
export function placeLabels(boxes: readonly LabelBox[], pinned = 0, gap = 2): number[] {
  const ys = boxes.map((b) => b.y);
  const order = boxes.map((_, i) => i);
  const rest = order.slice(pinned).sort((a, b) => boxes[b].y - boxes[a].y);
  const placed: number[] = [];
  for (const i of [...order.slice(0, pinned), ...rest]) {
    const b = boxes[i];
    for (let guard = 0; guard <= placed.length; guard++) {
      const hit = placed.find((j) => Math.abs(boxes[j].x - b.x) < (boxes[j].w + b.w) / 2
        && Math.abs(ys[j] - ys[i]) < (boxes[j].h + b.h) / 2 + gap);
      if (hit === undefined) break;
      ys[i] = ys[hit] - (boxes[hit].h + b.h) / 2 - gap;
    }
    placed.push(i);
  }
  return ys;
}
