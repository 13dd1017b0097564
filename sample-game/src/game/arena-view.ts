// The arena floor, grid, walls and pillars: drawn once into one Graphics.
import * as Phaser from 'phaser';
import { ARENA_HEIGHT, ARENA_WIDTH, PILLARS } from '../../shared/constants.ts';
import { UI } from './palette.ts';

const GRID = 50;

export function drawArena(scene: Phaser.Scene): Phaser.GameObjects.Graphics {
  const g = scene.add.graphics().setDepth(-10);
  g.fillStyle(UI.floor, 1).fillRoundedRect(-6, -6, ARENA_WIDTH + 12, ARENA_HEIGHT + 12, 18);
  g.lineStyle(1, UI.grid, 1);
  for (let x = GRID; x < ARENA_WIDTH; x += GRID) g.lineBetween(x, 0, x, ARENA_HEIGHT);
  for (let y = GRID; y < ARENA_HEIGHT; y += GRID) g.lineBetween(0, y, ARENA_WIDTH, y);
  // Walls: a bright border with a soft outer glow.
  for (let i = 4; i >= 1; i--) {
    g.lineStyle(4 + i * 5, UI.wall, 0.035 * (5 - i));
    g.strokeRoundedRect(-6, -6, ARENA_WIDTH + 12, ARENA_HEIGHT + 12, 18);
  }
  g.lineStyle(4, UI.wall, 0.9).strokeRoundedRect(-6, -6, ARENA_WIDTH + 12, ARENA_HEIGHT + 12, 18);
  for (const p of PILLARS) {
    g.fillStyle(0x000000, 0.25).fillCircle(p.x + 6, p.y + 8, p.r);
    g.fillStyle(UI.pillar, 1).fillCircle(p.x, p.y, p.r);
    g.lineStyle(4, UI.pillarRing, 1).strokeCircle(p.x, p.y, p.r - 2);
    g.fillStyle(UI.pillarRing, 0.5).fillCircle(p.x - p.r * 0.3, p.y - p.r * 0.3, p.r * 0.25);
  }
  return g;
}
