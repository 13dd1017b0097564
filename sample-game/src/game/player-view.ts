// One player on screen: a flat disc in their colour with a facing dot, their name, and state cues (dash, stun,
// dropped connection). The own player wears a white ring. The name tag (text on a dark backing, so walls and orbs
// never run through it) lives on a layer above every body; the scene places it (see placeLabels).
import * as Phaser from 'phaser';
import { PLAYER_RADIUS } from '../../shared/constants.ts';
import { darken, UI } from './palette.ts';
import { LABEL_FONT_PX } from './screen.ts';
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

/** Where a name tag wants to be: its centre this far above the player's centre (world px at scale 1). */
export const LABEL_RISE = PLAYER_RADIUS + 18;
const PAD_X = 6;
const PAD_Y = 2;

export class PlayerView extends Phaser.GameObjects.Container {
  readonly #body: Phaser.GameObjects.Arc;
  readonly #nose: Phaser.GameObjects.Arc;
  readonly #ring: Phaser.GameObjects.Image;
  readonly #tag: Phaser.GameObjects.Container;
  readonly #label: Phaser.GameObjects.Text;
  readonly #backing: Phaser.GameObjects.Rectangle;
  readonly color: number;
  readonly own: boolean;
  #name = '';
  /** The tag's current rise above the player (eases towards where placeLabels puts it). */
  #rise = -1;

  constructor(scene: Phaser.Scene, color: number, own: boolean) {
    super(scene, 0, 0);
    this.color = color;
    this.own = own;
    const shadow = scene.add.ellipse(4, 7, PLAYER_RADIUS * 2, PLAYER_RADIUS * 1.6, 0x000000, 0.28);
    this.#body = scene.add.circle(0, 0, PLAYER_RADIUS, color).setStrokeStyle(4, darken(color, 0.35));
    this.#nose = scene.add.circle(PLAYER_RADIUS * 0.55, 0, 5, 0xffffff);
    this.#ring = scene.add.image(0, 0, TEX.ring).setDisplaySize(PLAYER_RADIUS * 2 + 16, PLAYER_RADIUS * 2 + 16)
      .setAlpha(own ? 0.8 : 0);
    this.add([shadow, this.#ring, this.#body, this.#nose]);
    this.setDepth(own ? 11 : 10);
    scene.add.existing(this);

    this.#label = scene.add.text(0, 0, '', {
      fontFamily: UI.font, fontSize: `${LABEL_FONT_PX}px`, fontStyle: 'bold', color: UI.text,
    }).setOrigin(0.5, 0.5);
    this.#backing = scene.add.rectangle(0, 0, 10, 10, 0x0b0e16, 0.72).setRounded(6)
      .setStrokeStyle(own ? 2 : 1.5, own ? 0xffffff : color, own ? 0.8 : 0.7);
    this.#tag = scene.add.container(0, 0, [this.#backing, this.#label]).setDepth(own ? 31 : 30);
  }

  setLabel(name: string, score: number): void {
    const text = `${name} · ${score}`;
    if (text === this.#name) return;
    this.#name = text;
    this.#label.setText(text);
    this.#backing.setSize(this.#label.width + PAD_X * 2, this.#label.height + PAD_Y * 2);
  }

  /** The tag's size in world px at `scale`. */
  labelSize(scale: number): { w: number; h: number } {
    return { w: this.#backing.width * scale, h: this.#backing.height * scale };
  }

  /**
   * Puts the tag `rise` world px above the player (eased over a few frames, so tags slide rather than jump when
   * the crowd changes), at `scale`.
   */
  placeLabel(rise: number, scale: number, deltaMs: number): void {
    this.#rise = this.#rise < 0 ? rise : this.#rise + (rise - this.#rise) * Math.min(1, deltaMs / 90);
    this.#tag.setScale(scale).setPosition(this.x, this.y - this.#rise).setVisible(this.visible);
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
    else this.#ring.setTint(0xffffff).setAlpha(this.own ? (cooldown > 0 ? 0.2 : 0.85) : 0).setAngle(0);
    this.#tag.setAlpha(look.connected ? 1 : 0.5);
  }

  // Phaser may call these before the tag exists (during construction): hence the `in` checks.
  override setVisible(value: boolean): this {
    if (#tag in this) this.#tag.setVisible(value);
    return super.setVisible(value);
  }

  override destroy(fromScene?: boolean): void {
    if (#tag in this) this.#tag.destroy(fromScene);
    super.destroy(fromScene);
  }
}
