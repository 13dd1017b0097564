// Every texture is drawn here with Graphics at boot: no image files.
import * as Phaser from 'phaser';

export const TEX = {
  dot: 'dot',
  glow: 'glow',
  ring: 'ring',
  spark: 'spark',
} as const;

/** Draws the game's textures once. */
export function makeTextures(scene: Phaser.Scene): void {
  if (scene.textures.exists(TEX.dot)) return;
  const g = scene.make.graphics({}, false);

  // A soft white disc, tinted per use (particles).
  g.fillStyle(0xffffff, 1).fillCircle(8, 8, 8);
  g.generateTexture(TEX.dot, 16, 16);
  g.clear();

  // A glowing orb: concentric discs fading out, white core; tinted green or gold.
  for (let i = 10; i >= 1; i--) g.fillStyle(0xffffff, 0.06 + (10 - i) * 0.02).fillCircle(24, 24, 9 + i * 1.5);
  g.fillStyle(0xffffff, 1).fillCircle(24, 24, 9);
  g.fillStyle(0xffffff, 1).fillCircle(21, 21, 3);
  g.generateTexture(TEX.glow, 48, 48);
  g.clear();

  // A thin ring (stun, own-player marker).
  g.lineStyle(3, 0xffffff, 1).strokeCircle(32, 32, 28);
  g.generateTexture(TEX.ring, 64, 64);
  g.clear();

  // A four-point spark for tag bursts.
  g.fillStyle(0xffffff, 1);
  g.fillTriangle(8, 0, 10, 8, 6, 8).fillTriangle(8, 16, 10, 8, 6, 8).fillTriangle(0, 8, 8, 6, 8, 10).fillTriangle(16, 8, 8, 6, 8, 10);
  g.generateTexture(TEX.spark, 16, 16);
  g.destroy();
}
