// One player on screen: a flat disc in their colour with a facing dot, their name, and state cues (dash, stun,
// dropped connection). The own player wears a white ring.
import * as Phaser from 'phaser';
import { PLAYER_RADIUS } from '../../shared/constants.ts';
import { darken, UI } from './palette.ts';
import { TEX } from './textures.ts';

export interface PlayerLook {
  x: number;
  y: number;
  fx: number;
  fy: number;
  dash: number;
  stun: number;
  connected: boolean;
}

export class PlayerView extends Phaser.GameObjects.Container {
  readonly #body: Phaser.GameObjects.Arc;
  readonly #nose: Phaser.GameObjects.Arc;
  readonly #ring: Phaser.GameObjects.Image;
  readonly #label: Phaser.GameObjects.Text;
  readonly color: number;
  readonly #own: boolean;
  #name = '';

  constructor(scene: Phaser.Scene, color: number, own: boolean) {
    super(scene, 0, 0);
    this.color = color;
    this.#own = own;
    const shadow = scene.add.ellipse(4, 7, PLAYER_RADIUS * 2, PLAYER_RADIUS * 1.6, 0x000000, 0.28);
    this.#body = scene.add.circle(0, 0, PLAYER_RADIUS, color).setStrokeStyle(4, darken(color, 0.35));
    this.#nose = scene.add.circle(PLAYER_RADIUS * 0.55, 0, 5, 0xffffff);
    this.#ring = scene.add.image(0, 0, TEX.ring).setDisplaySize(PLAYER_RADIUS * 2 + 16, PLAYER_RADIUS * 2 + 16)
      .setAlpha(own ? 0.8 : 0);
    this.#label = scene.add.text(0, -PLAYER_RADIUS - 20, '', {
      fontFamily: UI.font, fontSize: '15px', fontStyle: 'bold', color: UI.text,
    }).setOrigin(0.5, 0.5).setShadow(0, 2, '#000000', 3, false, true);
    this.add([shadow, this.#ring, this.#body, this.#nose, this.#label]);
    this.setDepth(own ? 11 : 10);
    scene.add.existing(this);
  }

  setLabel(name: string, score: number): void {
    const text = `${name} · ${score}`;
    if (text !== this.#name) {
      this.#name = text;
      this.#label.setText(text);
    }
  }

  /** `cooldown`: ticks until the next dash (the own player's ring dims meanwhile). */
  show(look: PlayerLook, time: number, cooldown = 0): void {
    this.setPosition(look.x, look.y);
    const len = Math.hypot(look.fx, look.fy) || 1;
    this.#nose.setPosition((look.fx / len) * PLAYER_RADIUS * 0.55, (look.fy / len) * PLAYER_RADIUS * 0.55);
    const dashing = look.dash > 0;
    this.#body.setScale(dashing ? 1.12 : 1);
    const stunned = look.stun > 0;
    this.#body.setAlpha(!look.connected ? 0.35 : stunned ? (Math.floor(time / 90) % 2 ? 0.45 : 1) : 1);
    if (stunned) this.#ring.setTint(UI.gold).setAlpha(0.9).setAngle(time / 4);
    else this.#ring.setTint(0xffffff).setAlpha(this.#own ? (cooldown > 0 ? 0.2 : 0.85) : 0).setAngle(0);
    this.#label.setAlpha(look.connected ? 1 : 0.5);
  }
}
