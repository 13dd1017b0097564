// Keyboard (WASD / arrows, Space) and touch (virtual stick + dash button, see touch.ts) merged into one set of
// controls per tick. Nothing moves while the chat input has the focus.
import * as Phaser from 'phaser';
import type { Controls } from '../../shared/sim.ts';

/** What the touch widgets report (written by TouchControls in the HUD scene). */
export const touchState = { mx: 0, my: 0, dash: false };

type KeyName = 'W' | 'A' | 'S' | 'D' | 'UP' | 'DOWN' | 'LEFT' | 'RIGHT' | 'SPACE';

export function typing(): boolean {
  const el = document.activeElement;
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement;
}

export class KeyboardControls {
  readonly #keys: Record<KeyName, Phaser.Input.Keyboard.Key>;

  constructor(scene: Phaser.Scene) {
    // No key capture: the chat input must still receive spaces and arrows.
    this.#keys = scene.input.keyboard!.addKeys('W,A,S,D,UP,DOWN,LEFT,RIGHT,SPACE', false) as Record<KeyName, Phaser.Input.Keyboard.Key>;
  }

  read(): Controls {
    if (typing()) return { mx: 0, my: 0, dash: false };
    const k = this.#keys;
    let mx = (k.D.isDown || k.RIGHT.isDown ? 1 : 0) - (k.A.isDown || k.LEFT.isDown ? 1 : 0);
    let my = (k.S.isDown || k.DOWN.isDown ? 1 : 0) - (k.W.isDown || k.UP.isDown ? 1 : 0);
    if (mx !== 0 && my !== 0) { mx *= Math.SQRT1_2; my *= Math.SQRT1_2; }
    if (mx === 0 && my === 0) { mx = touchState.mx; my = touchState.my; }
    return { mx, my, dash: k.SPACE.isDown || touchState.dash };
  }
}
