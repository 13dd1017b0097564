// The heads-up display (screen space, no zoom): score, round clock, room code, leaderboard, ping, banners. Each
// group sits on a dark panel, so walls, orbs and name tags passing underneath never run through the text. Below
// COMPACT_WIDTH (phones in portrait) it packs into three short columns and one info line at the top, leaving the
// bottom of the screen to the chat and the touch controls.
import * as Phaser from 'phaser';
import { COLORS } from '../../shared/constants.ts';
import type { ArenaView } from '../../shared/messages.ts';
import { formatClock, rankScores } from '../../shared/rules.ts';
import { css, UI } from './palette.ts';
import { isCompact } from './screen.ts';

/** Sets text and colour only when they change (each change redraws the text's texture). */
function put(t: Phaser.GameObjects.Text, value: string, color?: string): void {
  if (t.text !== value) t.setText(value);
  if (color !== undefined && t.style.color !== color) t.setColor(color);
}

const text = (scene: Phaser.Scene, color = UI.text, bold = true) => scene.add.text(0, 0, '', {
  fontFamily: UI.font, fontStyle: bold ? 'bold' : 'normal', color,
}).setShadow(0, 1, '#000000', 2, false, true);

/** A rounded dark panel fitted around some texts; redrawn only when their bounds change. */
class Panel {
  readonly #g: Phaser.GameObjects.Graphics;
  readonly #items: Phaser.GameObjects.Text[];
  readonly #bounds = new Phaser.Geom.Rectangle();
  #key = '';

  constructor(scene: Phaser.Scene, items: Phaser.GameObjects.Text[]) {
    this.#g = scene.add.graphics().setDepth(-1);
    this.#items = items;
  }

  fit(pad = 8): Phaser.Geom.Rectangle {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const t of this.#items) {
      if (!t.visible || !t.text) continue;
      const b = t.getBounds(this.#bounds);
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y); x1 = Math.max(x1, b.right); y1 = Math.max(y1, b.bottom);
    }
    const r = x0 === Infinity ? new Phaser.Geom.Rectangle() : new Phaser.Geom.Rectangle(x0 - pad, y0 - pad * 0.6, x1 - x0 + pad * 2, y1 - y0 + pad * 1.2);
    const key = `${r.x | 0},${r.y | 0},${r.width | 0},${r.height | 0}`;
    if (key !== this.#key) {
      this.#key = key;
      this.#g.clear();
      if (r.width > 0) {
        this.#g.fillStyle(0x0b0e16, 0.74).fillRoundedRect(r.x, r.y, r.width, r.height, 10);
        this.#g.lineStyle(1, 0x2a3350, 0.9).strokeRoundedRect(r.x, r.y, r.width, r.height, 10);
      }
    }
    return r;
  }
}

const CARRIER_NAMES: Record<string, string> = { webrtc: 'WebRTC', websocket: 'WebSocket', udp: 'UDP' };

/** What the HUD shows about the network. */
export interface NetLine {
  ping: number;
  snapshotLoss: number;
  /** What carries the connection: 'webrtc', 'websocket', 'udp' ('' before it opens). */
  carrier: string;
  /** The simulated network, when the URL asks for one. */
  simulated: string | null;
}

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
  readonly #panels: Panel[];
  readonly #netPanel: Panel;
  readonly #graph: Phaser.GameObjects.Container | null;
  #compact = false;
  #boardKey = '';
  /** Screen bounds of the network line's panel (for tests: it must stay clear of the chat). */
  netBounds = new Phaser.Geom.Rectangle();

  /** `graph`: the net graph, placed below the HUD's top-left panel. */
  constructor(scene: Phaser.Scene, graph: Phaser.GameObjects.Container | null = null) {
    this.#scene = scene;
    this.#graph = graph;
    this.#scoreLabel = text(scene, UI.dim).setText('SCORE');
    this.#score = text(scene);
    this.#clock = text(scene).setOrigin(0.5, 0);
    this.#phase = text(scene, UI.dim).setOrigin(0.5, 0);
    this.#code = text(scene, UI.dim, false);
    this.#board = text(scene, UI.text, false).setOrigin(1, 0).setAlign('right').setLineSpacing(4);
    this.#net = text(scene, UI.dim, false);
    this.#panels = [
      new Panel(scene, [this.#scoreLabel, this.#score, this.#code]),
      new Panel(scene, [this.#clock, this.#phase]),
      new Panel(scene, [this.#board]),
    ];
    this.#netPanel = new Panel(scene, [this.#net]);
    this.#bannerBack = scene.add.rectangle(0, 0, 10, 44, 0x0b0e16, 0.85).setRounded(12).setStrokeStyle(1.5, 0xfeca57, 0.8).setVisible(false);
    this.#banner = text(scene).setOrigin(0.5).setVisible(false);
    this.layout();
    scene.scale.on('resize', this.layout, this);
    scene.events.once('shutdown', () => scene.scale.off('resize', this.layout, this));
  }

  layout(): void {
    const { width, height } = this.#scene.scale;
    const compact = (this.#compact = isCompact(width));
    this.#boardKey = '';
    const size = (t: Phaser.GameObjects.Text, normal: number, small: number) => t.setFontSize(compact ? small : normal);
    size(this.#scoreLabel, 13, 11); size(this.#score, 40, 28); size(this.#clock, 34, 26); size(this.#phase, 14, 12);
    size(this.#code, 14, 12); size(this.#board, 15, 13); size(this.#net, 13, 12); size(this.#banner, 18, 15);
    if (compact) {
      this.#scoreLabel.setPosition(14, 10);
      this.#score.setPosition(13, 22);
      this.#clock.setPosition(width / 2, 8);
      this.#phase.setPosition(width / 2, 38);
      this.#board.setPosition(width - 14, 10);
      // One info line under the three columns: room, players, ping (the chat and touch controls own the bottom).
      this.#net.setOrigin(0, 0).setAlign('left').setPosition(14, 84);
    } else {
      this.#scoreLabel.setPosition(18, 14);
      this.#score.setPosition(16, 28);
      this.#code.setPosition(18, 78);
      this.#clock.setPosition(width / 2, 10);
      this.#phase.setPosition(width / 2, 50);
      this.#board.setPosition(width - 16, 14);
      this.#net.setOrigin(1, 1).setAlign('right').setPosition(width - 14, height - 10);
    }
    this.#code.setVisible(!compact);
    this.#graph?.setPosition(14, 116);
    this.#bannerBack.setPosition(width / 2, height * 0.3);
    this.#banner.setPosition(width / 2, height * 0.3);
  }

  update(state: ArenaView, sessionId: string, net: NetLine): void {
    const me = state.players?.get(sessionId);
    const compact = this.#compact;
    put(this.#score, String(me?.score ?? 0), css(COLORS[me?.color ?? 0] ?? 0xffffff));
    const seats = `${state.players?.size ?? 0}/16`;
    put(this.#code, `room ${state.code}${state.isPrivate ? ' · private' : ''} · ${seats}`);
    const phase = state.phase;
    put(this.#clock, formatClock(state.timeLeft), phase === 'playing' && state.timeLeft <= 10 ? '#ff6b6b' : UI.text);
    put(this.#phase, phase === 'waiting' ? (compact ? 'warm-up' : 'warm-up · waiting for a second player')
      : phase === 'intermission' ? `round ${state.round} over` : `round ${state.round}`);
    const lines: Array<{ name: string; color: number; score: number; me: boolean }> = [];
    state.players?.forEach((p, id) => lines.push({ name: p.name, color: p.color, score: p.score, me: id === sessionId }));
    const top = rankScores(lines).slice(0, compact ? 3 : 6);
    const key = top.map((l) => `${l.name}${l.score}${l.me}`).join('|');
    if (key !== this.#boardKey) {
      this.#boardKey = key;
      // Compact: short names, so the board stays clear of the clock on a 320 px screen.
      const name = (n: string) => (compact && n.length > 8 ? `${n.slice(0, 7)}…` : n);
      this.#board.setText(top.map((l, i) => `${l.me ? '▸ ' : ''}${i + 1}. ${name(l.name)}  ${l.score}`));
    }
    const ms = Math.round(net.ping);
    const lost = net.snapshotLoss.toFixed(0);
    const sim = net.simulated;
    put(this.#net, compact
      ? `${state.code} · ${seats} · ping ${ms} ms · lost ${lost} %${sim ? `\n${sim}` : ''}`
      : `ping ${ms} ms · snapshots lost ${lost} %${sim ? ` · ${sim}` : ''}\nUTP over ${CARRIER_NAMES[net.carrier] ?? '…'} · \` or F3: net graph`);
    for (const p of this.#panels) p.fit();
    this.netBounds = this.#netPanel.fit(6);
  }

  /** A message across the screen, or none with null. */
  banner(message: string | null): void {
    if (message === null && !this.#banner.visible) return;
    this.#banner.setVisible(message !== null);
    put(this.#banner, message ?? '');
    this.#bannerBack.setVisible(message !== null).setSize(this.#banner.width + 40, this.#banner.height + 20);
  }
}
