// Orbs from the synchronized state: one glowing image each, gently pulsing; appear with a pop.
import * as Phaser from 'phaser';
import type { OrbView } from '../../shared/messages.ts';
import { UI } from './palette.ts';
import { TEX } from './textures.ts';

export class OrbsView {
  readonly #scene: Phaser.Scene;
  readonly #images = new Map<string, Phaser.GameObjects.Image>();

  constructor(scene: Phaser.Scene) {
    this.#scene = scene;
  }

  /** Adds, moves and removes images to match `orbs`. */
  sync(orbs: Map<string, OrbView> | undefined, time: number): void {
    if (!orbs) return;
    for (const [id, img] of this.#images) {
      if (orbs.has(id)) continue;
      img.destroy();
      this.#images.delete(id);
    }
    orbs.forEach((orb, id) => {
      let img = this.#images.get(id);
      if (!img) {
        const gold = orb.value > 1;
        img = this.#scene.add.image(orb.x, orb.y, TEX.glow).setTint(gold ? UI.gold : UI.orb).setDepth(1)
          .setData('base', gold ? 0.95 : 0.7).setScale(0);
        this.#scene.tweens.add({ targets: img, scale: img.getData('base') as number, duration: 260, ease: 'Back.Out' });
        this.#images.set(id, img);
      }
      if (!this.#scene.tweens.isTweening(img)) {
        const base = img.getData('base') as number;
        img.setScale(base * (1 + 0.08 * Math.sin(time / 260 + orb.x * 0.05)));
      }
    });
  }
}
