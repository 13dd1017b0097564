// The heads-up display (screen space, no zoom): score, round clock, room code, leaderboard, ping, banners.
import * as Phaser from 'phaser';
import { COLORS } from '../../shared/constants.ts';
import type { ArenaView } from '../../shared/messages.ts';
import { formatClock, rankScores } from '../../shared/rules.ts';
import { css, UI } from './palette.ts';

/** Sets text and colour only when they change (each change redraws the text's texture). */
function put(t: Phaser.GameObjects.Text, value: string, color?: string): void {
  if (t.text !== value) t.setText(value);
  if (color !== undefined && t.style.color !== color) t.setColor(color);
}

const text = (scene: Phaser.Scene, size: number, color = UI.text, bold = true) => scene.add.text(0, 0, '', {
  fontFamily: UI.font, fontSize: `${size}px`, fontStyle: bold ? 'bold' : 'normal', color,
}).setShadow(0, 2, '#000000', 4, false, true);

export class Hud {
  readonly #scene: Phaser.Scene;
  readonly #score: Phaser.GameObjects.Text;
  readonly #scoreLabel: Phaser.GameObjects.Text;
  readonly #clock: Phaser.GameObjects.Text;
  readonly #phase: Phaser.GameObjects.Text;
  readonly #code: Phaser.GameObjects.Text;
  readonly #board: Phaser.GameObjects.Text;
  readonly #net: Phaser.GameObjects.Text;
  readonly #banner: Phaser.GameObjects.Text;
  readonly #bannerBack: Phaser.GameObjects.Rectangle;
  #boardKey = '';

  constructor(scene: Phaser.Scene) {
    this.#scene = scene;
    this.#scoreLabel = text(scene, 13, UI.dim).setText('SCORE');
    this.#score = text(scene, 40);
    this.#clock = text(scene, 34).setOrigin(0.5, 0);
    this.#phase = text(scene, 14, UI.dim).setOrigin(0.5, 0);
    this.#code = text(scene, 14, UI.dim, false);
    this.#board = text(scene, 15, UI.text, false).setOrigin(1, 0).setAlign('right').setLineSpacing(4);
    this.#net = text(scene, 13, UI.dim, false).setOrigin(1, 1).setAlign('right');
    this.#bannerBack = scene.add.rectangle(0, 0, 10, 44, 0x000000, 0.55).setVisible(false);
    this.#banner = text(scene, 18).setOrigin(0.5).setVisible(false);
    this.layout();
    scene.scale.on('resize', this.layout, this);
    scene.events.once('shutdown', () => scene.scale.off('resize', this.layout, this));
  }

  layout(): void {
    const { width, height } = this.#scene.scale;
    this.#scoreLabel.setPosition(18, 14);
    this.#score.setPosition(16, 28);
    this.#code.setPosition(18, 78);
    this.#clock.setPosition(width / 2, 10);
    this.#phase.setPosition(width / 2, 50);
    this.#board.setPosition(width - 16, 14);
    this.#net.setPosition(width - 14, height - 10);
    this.#bannerBack.setPosition(width / 2, height * 0.3);
    this.#banner.setPosition(width / 2, height * 0.3);
  }

  update(state: ArenaView, sessionId: string, net: string): void {
    const me = state.players?.get(sessionId);
    put(this.#score, String(me?.score ?? 0), css(COLORS[me?.color ?? 0] ?? 0xffffff));
    put(this.#code, `room ${state.code}${state.isPrivate ? ' · private' : ''} · ${state.players?.size ?? 0}/16`);
    const phase = state.phase;
    put(this.#clock, formatClock(state.timeLeft), phase === 'playing' && state.timeLeft <= 10 ? '#ff6b6b' : UI.text);
    put(this.#phase, phase === 'waiting' ? 'warm-up · waiting for a second player'
      : phase === 'intermission' ? `round ${state.round} over` : `round ${state.round}`);
    const lines: Array<{ name: string; color: number; score: number; me: boolean }> = [];
    state.players?.forEach((p, id) => lines.push({ name: p.name, color: p.color, score: p.score, me: id === sessionId }));
    const top = rankScores(lines).slice(0, 6);
    const key = top.map((l) => `${l.name}${l.score}${l.me}`).join('|');
    if (key !== this.#boardKey) {
      this.#boardKey = key;
      this.#board.setText(top.map((l, i) => `${l.me ? '▸ ' : ''}${i + 1}. ${l.name}  ${l.score}`));
    }
    put(this.#net, net);
  }

  /** A message across the screen, or none with null. */
  banner(message: string | null): void {
    if (message === null && !this.#banner.visible) return;
    this.#banner.setVisible(message !== null);
    put(this.#banner, message ?? '');
    this.#bannerBack.setVisible(message !== null).setSize(this.#banner.width + 40, 44);
    this.#bannerBack.setOrigin(0.5);
  }
}
