// Touch controls: a virtual stick wherever the left half of the screen is touched, a dash button bottom right.
// Shown from the first touch (or at once on touch devices).
import * as Phaser from 'phaser';
import { touchState } from './controls.ts';

const STICK = 64;

export class TouchControls {
  readonly #scene: Phaser.Scene;
  readonly #base: Phaser.GameObjects.Arc;
  readonly #knob: Phaser.GameObjects.Arc;
  readonly #dash: Phaser.GameObjects.Container;
  #stickPointer: number | null = null;
  #dashPointer: number | null = null;
  #originX = 0;
  #originY = 0;

  constructor(scene: Phaser.Scene) {
    this.#scene = scene;
    scene.input.addPointer(2);
    this.#base = scene.add.circle(0, 0, STICK, 0xffffff, 0.08).setStrokeStyle(3, 0xffffff, 0.25).setVisible(false).setDepth(50);
    this.#knob = scene.add.circle(0, 0, 26, 0xffffff, 0.35).setVisible(false).setDepth(51);
    const ring = scene.add.circle(0, 0, 44, 0xff5d5d, 0.35).setStrokeStyle(3, 0xffffff, 0.6);
    const label = scene.add.text(0, 0, 'DASH', { fontFamily: 'system-ui', fontSize: '16px', fontStyle: 'bold', color: '#ffffff' }).setOrigin(0.5);
    this.#dash = scene.add.container(0, 0, [ring, label]).setDepth(50).setVisible(scene.sys.game.device.input.touch);
    this.layout();
    scene.input.on('pointerdown', this.#down, this);
    scene.input.on('pointermove', this.#move, this);
    scene.input.on('pointerup', this.#up, this);
    scene.input.on('pointerupoutside', this.#up, this);
    scene.scale.on('resize', this.layout, this);
    scene.events.once('shutdown', () => {
      scene.scale.off('resize', this.layout, this);
      Object.assign(touchState, { mx: 0, my: 0, dash: false });
    });
  }

  layout(): void {
    const { width, height } = this.#scene.scale;
    this.#dash.setPosition(width - 80, height - 90);
  }

  #down(p: Phaser.Input.Pointer): void {
    if (!p.wasTouch) return;
    this.#dash.setVisible(true);
    if (Phaser.Math.Distance.Between(p.x, p.y, this.#dash.x, this.#dash.y) < 60) {
      this.#dashPointer = p.id;
      touchState.dash = true;
      this.#dash.setScale(0.9);
      return;
    }
    if (p.x < this.#scene.scale.width / 2 && this.#stickPointer === null) {
      this.#stickPointer = p.id;
      this.#originX = p.x;
      this.#originY = p.y;
      this.#base.setPosition(p.x, p.y).setVisible(true);
      this.#knob.setPosition(p.x, p.y).setVisible(true);
    }
  }

  #move(p: Phaser.Input.Pointer): void {
    if (p.id !== this.#stickPointer) return;
    let dx = p.x - this.#originX;
    let dy = p.y - this.#originY;
    const len = Math.hypot(dx, dy);
    if (len > STICK) { dx *= STICK / len; dy *= STICK / len; }
    this.#knob.setPosition(this.#originX + dx, this.#originY + dy);
    // A small dead zone, then full speed from half the radius out.
    const k = len < 8 ? 0 : Math.min(1, len / (STICK * 0.5)) / (Math.hypot(dx, dy) || 1);
    touchState.mx = dx * k;
    touchState.my = dy * k;
  }

  #up(p: Phaser.Input.Pointer): void {
    if (p.id === this.#dashPointer) {
      this.#dashPointer = null;
      touchState.dash = false;
      this.#dash.setScale(1);
    }
    if (p.id === this.#stickPointer) {
      this.#stickPointer = null;
      touchState.mx = 0;
      touchState.my = 0;
      this.#base.setVisible(false);
      this.#knob.setVisible(false);
    }
  }
}
