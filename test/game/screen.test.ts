// The sample game's screen geometry: camera zoom per screen size, legible name labels on a phone, and labels in a
// crowd that never overlap.
import { describe, expect, it } from 'vitest';
import {
  cameraZoom, isCompact, LABEL_FONT_PX, labelScale, MAX_ZOOM, MIN_LABEL_PX, placeLabels, type LabelBox,
} from '../../sample-game/src/game/screen.ts';
import { seededRandom } from '../../sample-game/shared/rules.ts';

describe('camera zoom and label size', () => {
  it('shows about the same world area on any screen, within bounds', () => {
    expect(cameraZoom(1000, 700)).toBeCloseTo(1);
    expect(cameraZoom(2560, 1440)).toBe(MAX_ZOOM);
    const phone = cameraZoom(390, 844);
    expect(phone).toBeGreaterThan(0.6);                 // was 0.45: a phone saw the whole arena, tiny
    expect(390 / phone).toBeLessThan(600);              // a piece of the arena, not all 1600 px of it
  });

  it('keeps name labels at least 12 px on screen, and unscaled where they already are', () => {
    for (const [w, h] of [[390, 844], [360, 640], [320, 568], [1280, 720], [1920, 1080], [844, 390]]) {
      const zoom = cameraZoom(w, h);
      expect(LABEL_FONT_PX * zoom * labelScale(zoom), `${w}×${h}`).toBeGreaterThan(MIN_LABEL_PX - 1e-9);
    }
    expect(labelScale(cameraZoom(1280, 720))).toBe(1);
  });

  it('uses the compact HUD on portrait phones only', () => {
    expect(isCompact(390)).toBe(true);
    expect(isCompact(1280)).toBe(false);
  });
});

describe('placeLabels', () => {
  const overlap = (a: LabelBox, ay: number, b: LabelBox, by: number) =>
    Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(ay - by) < (a.h + b.h) / 2;

  it('leaves labels that do not touch where they are', () => {
    const boxes = [{ x: 0, y: 0, w: 60, h: 20 }, { x: 100, y: 0, w: 60, h: 20 }, { x: 0, y: 100, w: 60, h: 20 }];
    expect(placeLabels(boxes)).toEqual([0, 0, 100]);
  });

  it('stacks a crowd upwards, keeping the pinned label and the lowest one in place', () => {
    const boxes = [{ x: 10, y: 50, w: 80, h: 20 }, { x: 0, y: 60, w: 80, h: 20 }, { x: 5, y: 55, w: 80, h: 20 }];
    const ys = placeLabels(boxes, 1);
    expect(ys[0]).toBe(50);                              // pinned (the own player)
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(overlap(boxes[i], ys[i], boxes[j], ys[j])).toBe(false);
    for (let i = 0; i < 3; i++) expect(ys[i]).toBeLessThanOrEqual(boxes[i].y); // labels only move up
  });

  it('never leaves two labels overlapping, for random crowds of up to 16', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 16);
      const boxes = Array.from({ length: n }, () => ({ x: random() * 300, y: random() * 200, w: 40 + random() * 80, h: 18 }));
      const ys = placeLabels(boxes, round % 2);
      for (let i = 0; i < n; i++) {
        expect(ys[i]).toBeLessThanOrEqual(boxes[i].y);
        for (let j = i + 1; j < n; j++) expect(overlap(boxes[i], ys[i], boxes[j], ys[j]), `round ${round}: ${i} and ${j}`).toBe(false);
      }
    }
  });
});
