// Particles and floating numbers: orb pickups, tags, dash trails.
import * as Phaser from 'phaser';
import { UI } from './palette.ts';
import { TEX } from './textures.ts';

export class Effects {
  readonly #scene: Phaser.Scene;
  readonly #burst: Phaser.GameObjects.Particles.ParticleEmitter;
  readonly #sparks: Phaser.GameObjects.Particles.ParticleEmitter;
  readonly #trail: Phaser.GameObjects.Particles.ParticleEmitter;

  constructor(scene: Phaser.Scene) {
    this.#scene = scene;
    this.#burst = scene.add.particles(0, 0, TEX.dot, {
      emitting: false, lifespan: { min: 300, max: 600 }, speed: { min: 60, max: 220 },
      scale: { start: 0.55, end: 0 }, alpha: { start: 1, end: 0 }, blendMode: 'ADD',
    }).setDepth(20);
    this.#sparks = scene.add.particles(0, 0, TEX.spark, {
      emitting: false, lifespan: { min: 400, max: 800 }, speed: { min: 150, max: 420 },
      scale: { start: 1.3, end: 0 }, rotate: { min: 0, max: 360 }, alpha: { start: 1, end: 0 }, blendMode: 'ADD',
    }).setDepth(20);
    this.#trail = scene.add.particles(0, 0, TEX.dot, {
      emitting: false, lifespan: 260, speed: 0, scale: { start: 1.2, end: 0 }, alpha: { start: 0.45, end: 0 },
    }).setDepth(5);
  }

  /** An orb was collected at (x, y). */
  pickup(x: number, y: number, value: number): void {
    this.#burst.setParticleTint(value > 1 ? UI.gold : UI.orb);
    this.#burst.explode(value > 1 ? 28 : 12, x, y);
    if (value > 1) this.floatText(x, y, `+${value}`, UI.gold);
  }

  /** A tag at (x, y) by a player of `color`, stealing `points`. */
  tag(x: number, y: number, color: number, points: number): void {
    this.#sparks.setParticleTint(color);
    this.#sparks.explode(26, x, y);
    this.#burst.setParticleTint(0xffffff);
    this.#burst.explode(10, x, y);
    if (points > 0) this.floatText(x, y - 10, `+${points}`, color);
  }

  /** One trail puff behind a dashing player. */
  trail(x: number, y: number, color: number): void {
    this.#trail.setParticleTint(color);
    this.#trail.emitParticleAt(x, y, 1);
  }

  floatText(x: number, y: number, text: string, color: number): void {
    const t = this.#scene.add.text(x, y, text, {
      fontFamily: UI.font, fontSize: '24px', fontStyle: 'bold', color: '#ffffff',
      stroke: `#${color.toString(16).padStart(6, '0')}`, strokeThickness: 6,
    }).setOrigin(0.5).setDepth(30).setShadow(0, 2, '#000000', 4, true, false);
    this.#scene.tweens.add({
      targets: t, y: y - 46, alpha: 0, duration: 900, ease: 'Cubic.Out', onComplete: () => t.destroy(),
    });
  }
}
