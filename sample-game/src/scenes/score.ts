// Between rounds: the final standings of the round that ended, and the countdown to the next one.
import * as Phaser from 'phaser';
import type { RoundEvent } from '../../shared/messages.ts';
import { css, UI } from '../game/palette.ts';
import { COLORS } from '../../shared/constants.ts';
import type { ArenaClient } from '../net/arena-client.ts';

export class ScoreScene extends Phaser.Scene {
  #client!: ArenaClient;
  #countdown!: Phaser.GameObjects.Text;
  #panel!: Phaser.GameObjects.Container;

  constructor() { super('score'); }

  create(data: { client: ArenaClient; board?: RoundEvent['board']; round?: number }): void {
    this.#client = data.client;
    const state = data.client.state;
    const board = data.board ?? [];
    if (board.length === 0) state.players?.forEach((p) => board.push({ name: p.name, color: p.color, score: p.score }));
    board.sort((a, b) => b.score - a.score);
    const rows = board.slice(0, 10);
    const w = 380;
    const h = 130 + rows.length * 34;
    const items: Phaser.GameObjects.GameObject[] = [
      this.add.rectangle(0, 0, w, h, 0x0b0e16, 0.92).setStrokeStyle(2, UI.wall, 0.6),
      this.add.text(0, -h / 2 + 30, `ROUND ${data.round ?? state.round} · RESULTS`, {
        fontFamily: UI.font, fontSize: '22px', fontStyle: 'bold', color: UI.text,
      }).setOrigin(0.5),
    ];
    rows.forEach((r, i) => {
      const y = -h / 2 + 78 + i * 34;
      const color = COLORS[r.color] ?? 0xffffff;
      items.push(
        this.add.text(-w / 2 + 30, y, `${i + 1}`, { fontFamily: UI.font, fontSize: '18px', color: i === 0 ? css(UI.gold) : UI.dim }).setOrigin(0, 0.5),
        this.add.circle(-w / 2 + 70, y, 10, color),
        this.add.text(-w / 2 + 90, y, r.name, { fontFamily: UI.font, fontSize: '18px', fontStyle: i === 0 ? 'bold' : 'normal', color: UI.text }).setOrigin(0, 0.5),
        this.add.text(w / 2 - 30, y, String(r.score), { fontFamily: UI.font, fontSize: '18px', fontStyle: 'bold', color: css(color) }).setOrigin(1, 0.5),
      );
    });
    this.#countdown = this.add.text(0, h / 2 - 28, '', { fontFamily: UI.font, fontSize: '15px', color: UI.dim }).setOrigin(0.5);
    items.push(this.#countdown);
    this.#panel = this.add.container(0, 0, items);
    this.#layout();
    this.#panel.setScale(0.85).setAlpha(0);
    this.tweens.add({ targets: this.#panel, scale: 1, alpha: 1, duration: 240, ease: 'Back.Out' });
    this.scale.on('resize', this.#layout, this);
    this.events.once('shutdown', () => this.scale.off('resize', this.#layout, this));
  }

  #layout(): void {
    this.#panel.setPosition(this.scale.width / 2, this.scale.height / 2);
  }

  override update(): void {
    const s = this.#client.state;
    if (s.phase === 'playing') { this.scene.stop(); return; }
    this.#countdown.setText(s.phase === 'waiting' ? 'waiting for players…' : `next round in ${s.timeLeft} s`);
  }
}
