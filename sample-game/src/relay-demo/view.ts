// The box and its dots on a 2D canvas, in the sample game's colours. Drawn dots ease towards the latest known
// positions, so 30 updates a second look smooth at any frame rate.
import { css, darken, UI } from '../game/palette.ts';
import type { SessionPlayer } from './link.ts';
import { BOX_HEIGHT, BOX_WIDTH, DOT_RADIUS } from './world.ts';

const GRID = 40;
const MARGIN = 24;

export class BoardView {
  readonly #canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  readonly #shown = new Map<number, { x: number; y: number }>();
  #last = 0;

  constructor(canvas: HTMLCanvasElement) {
    this.#canvas = canvas;
    this.#ctx = canvas.getContext('2d')!;
  }

  draw(players: readonly SessionPlayer[], now: number): void {
    const dt = this.#last ? Math.min(0.1, (now - this.#last) / 1000) : 1;
    this.#last = now;
    const ctx = this.#ctx;
    const dpr = window.devicePixelRatio || 1;
    const w = this.#canvas.clientWidth, h = this.#canvas.clientHeight;
    if (this.#canvas.width !== Math.round(w * dpr) || this.#canvas.height !== Math.round(h * dpr)) {
      this.#canvas.width = Math.round(w * dpr);
      this.#canvas.height = Math.round(h * dpr);
    }
    const scale = Math.max(0.1, Math.min((w - 2 * MARGIN) / BOX_WIDTH, (h - 2 * MARGIN) / BOX_HEIGHT));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = css(UI.background);
    ctx.fillRect(0, 0, w, h);
    ctx.translate((w - BOX_WIDTH * scale) / 2, (h - BOX_HEIGHT * scale) / 2);
    ctx.scale(scale, scale);

    ctx.fillStyle = css(UI.floor);
    ctx.beginPath();
    ctx.roundRect(0, 0, BOX_WIDTH, BOX_HEIGHT, 18);
    ctx.fill();
    ctx.strokeStyle = css(UI.grid);
    ctx.lineWidth = 1 / scale;
    ctx.beginPath();
    for (let x = GRID; x < BOX_WIDTH; x += GRID) { ctx.moveTo(x, 0); ctx.lineTo(x, BOX_HEIGHT); }
    for (let y = GRID; y < BOX_HEIGHT; y += GRID) { ctx.moveTo(0, y); ctx.lineTo(BOX_WIDTH, y); }
    ctx.stroke();
    ctx.save();
    ctx.shadowColor = css(UI.wall);
    ctx.shadowBlur = 14;
    ctx.strokeStyle = css(UI.wall);
    ctx.lineWidth = 4;
    ctx.beginPath();
    ctx.roundRect(0, 0, BOX_WIDTH, BOX_HEIGHT, 18);
    ctx.stroke();
    ctx.restore();

    const ease = 1 - Math.exp(-dt * 18);
    const seen = new Set<number>();
    for (const p of players) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
      seen.add(p.id);
      let s = this.#shown.get(p.id);
      if (!s) this.#shown.set(p.id, (s = { x: p.x, y: p.y }));
      s.x += (p.x - s.x) * ease;
      s.y += (p.y - s.y) * ease;
      this.#dot(p, s.x, s.y);
    }
    for (const id of this.#shown.keys()) if (!seen.has(id)) this.#shown.delete(id);
  }

  #dot(p: SessionPlayer, x: number, y: number): void {
    const ctx = this.#ctx;
    if (p.own) {
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, DOT_RADIUS + 6, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.fillStyle = css(p.color);
    ctx.strokeStyle = css(darken(p.color, 0.4));
    ctx.lineWidth = 4;
    ctx.beginPath();
    ctx.arc(x, y, DOT_RADIUS - 2, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    ctx.font = `bold 14px ${UI.font}`;
    ctx.textAlign = 'center';
    ctx.fillStyle = UI.text;
    ctx.shadowColor = 'rgba(0, 0, 0, 0.8)';
    ctx.shadowBlur = 4;
    ctx.fillText(p.id === 0 ? `★ ${p.name}` : p.name, x, y - DOT_RADIUS - 10);
    ctx.shadowBlur = 0;
  }
}
