import * as Phaser from 'phaser';
import { emptyStats, type NetStats } from './stats.ts';

/** The values a `NetGraph` plots, one per line graph. */
export interface NetGraphValues {
  /** Round-trip time, ms. */
  rtt: number;
  /** Estimated outbound loss, % (see `NetStats.loss`). */
  loss: number;
  /** Reliable resends per second over the last sample period. */
  resends: number;
  /** Bytes per second received. */
  in: number;
  /** Bytes per second sent. */
  out: number;
}

/** Options of `NetGraph`. */
export interface NetGraphOptions {
  /** Width of each line graph in px; default 120. */
  width?: number;
  /** Height of each line graph in px; default 18. */
  height?: number;
  /** Points kept per graph; default 60 (15 s at the default period). */
  samples?: number;
  /** Sampling period in ms of game time; default 250. Nothing is redrawn between samples. */
  sampleMS?: number;
  /** Phaser key names that toggle the overlay; default `['BACKTICK', 'F3']`; `false` for none. */
  toggleKeys?: string[] | false;
  /** Show it from the start; default false (a toggle key or `toggle()` shows it; it samples while hidden). */
  visible?: boolean;
  /** Where the numbers come from; default the scene's `this.net.stats`. */
  source?: (out: NetStats) => NetStats;
}

type Key = keyof NetGraphValues;
const METRICS: ReadonlyArray<{ key: Key; color: number; floor: number; text: (v: number) => string }> = [
  { key: 'rtt', color: 0x4fc3f7, floor: 50, text: (v) => `rtt ${v.toFixed(0)} ms` },
  { key: 'loss', color: 0xef5350, floor: 5, text: (v) => `loss ${v.toFixed(1)} %` },
  { key: 'resends', color: 0xffb74d, floor: 2, text: (v) => `resend ${v.toFixed(1)}/s` },
  { key: 'in', color: 0x81c784, floor: 1024, text: (v) => `in ${(v / 1024).toFixed(1)} kB/s` },
  { key: 'out', color: 0xba68c8, floor: 1024, text: (v) => `out ${(v / 1024).toFixed(1)} kB/s` },
];
const GAP = 3;

/**
 * A net-graph overlay: round-trip time, loss, resends and bandwidth in and out as small live line graphs (one
 * `Graphics` and one `Text`, fixed to the camera). It samples `this.net.stats` every `sampleMS` of game time and
 * redraws only then, so a frame costs one addition. It starts hidden; a toggle key (backquote or F3) shows and
 * hides it.
 *
 * ```ts
 * this.add.existing(new NetGraph(this, 8, 8));
 * ```
 */
export class NetGraph extends Phaser.GameObjects.Container {
  /** The latest sample. */
  readonly values: NetGraphValues = { rtt: 0, loss: 0, resends: 0, in: 0, out: 0 };
  /** The carrier of the last sample (`NetStats.carrier`), shown after the rtt. */
  carrier = '';
  readonly #graphics: Phaser.GameObjects.Graphics;
  readonly #label: Phaser.GameObjects.Text;
  readonly #w: number;
  readonly #h: number;
  readonly #samples: number;
  readonly #sampleMS: number;
  readonly #toggleKeys: string[];
  readonly #source: (out: NetStats) => NetStats;
  readonly #stats = emptyStats();
  /** Ring buffer: `samples` points per metric, metric-major. */
  readonly #data: Float32Array;
  #head = 0;
  #count = 0;
  #elapsed = 0;
  #lastResends = -1;

  /** A graph at (`x`, `y`) in `scene`; add it with `scene.add.existing`. */
  constructor(scene: Phaser.Scene, x: number, y: number, options: NetGraphOptions = {}) {
    super(scene, x, y);
    this.#w = options.width ?? 120;
    this.#h = options.height ?? 18;
    this.#samples = Math.max(2, options.samples ?? 60);
    this.#sampleMS = options.sampleMS ?? 250;
    this.#toggleKeys = options.toggleKeys === false ? [] : options.toggleKeys ?? ['BACKTICK', 'F3'];
    this.#source = options.source ?? ((out) => scene.net.session.stats(out));
    this.#data = new Float32Array(METRICS.length * this.#samples);
    this.#graphics = new Phaser.GameObjects.Graphics(scene);
    this.#label = new Phaser.GameObjects.Text(scene, this.#w + 4, 0, '', {
      fontFamily: 'monospace', fontSize: '11px', color: '#ffffff',
    }).setLineSpacing(this.#h + GAP - 11);
    this.add([this.#graphics, this.#label]);
    this.setScrollFactor(0).setDepth(1e6).setVisible(options.visible ?? false);
    const keyboard = scene.input?.keyboard;
    for (const name of this.#toggleKeys) {
      keyboard?.on(`keydown-${name}`, this.toggle, this);
      if (/^F\d+$/.test(name)) keyboard?.addCapture(name); // keep F3 from opening the browser's find bar
    }
  }

  /** Shows (with the samples taken while hidden) or hides the overlay. */
  toggle(): this {
    this.setVisible(!this.visible);
    if (this.visible) this.redraw();
    return this;
  }

  /** Joins the update list when added to a scene (`this.add.existing`, containers). */
  override addedToScene(): void {
    this.scene.sys.updateList.add(this);
  }

  override removedFromScene(): void {
    this.scene.sys.updateList.remove(this);
  }

  /** Called by the scene each frame: accumulates time, samples and redraws once per period. */
  preUpdate(_time: number, delta: number): void {
    this.#elapsed += delta;
    if (this.#elapsed < this.#sampleMS) return;
    const seconds = this.#elapsed / 1000;
    this.#elapsed = 0;
    this.sample(seconds);
    if (this.visible) this.redraw();
  }

  /** Takes one sample now, `seconds` after the previous one. */
  sample(seconds: number): void {
    const s = this.#source(this.#stats);
    const v = this.values;
    v.rtt = s.rtt;
    this.carrier = s.carrier;
    v.loss = s.loss;
    v.resends = this.#lastResends < 0 || seconds <= 0 ? 0 : Math.max(0, s.resends - this.#lastResends) / seconds;
    this.#lastResends = s.resends;
    v.in = s.bandwidthIn;
    v.out = s.bandwidthOut;
    for (let m = 0; m < METRICS.length; m++) this.#data[m * this.#samples + this.#head] = v[METRICS[m].key];
    this.#head = (this.#head + 1) % this.#samples;
    this.#count = Math.min(this.#count + 1, this.#samples);
  }

  /** Draws the graphs and labels from the samples kept. */
  redraw(): void {
    const g = this.#graphics.clear();
    const n = this.#samples;
    const lines: string[] = [];
    const step = this.#w / (n - 1);
    for (let m = 0; m < METRICS.length; m++) {
      const { key, color, floor, text } = METRICS[m];
      const top = m * (this.#h + GAP);
      g.fillStyle(0x000000, 0.55).fillRect(0, top, this.#w, this.#h);
      const base = m * n;
      let max = floor;
      for (let i = 0; i < this.#count; i++) max = Math.max(max, this.#data[base + i]);
      g.lineStyle(1, color, 1).beginPath();
      for (let i = 0; i < this.#count; i++) {
        const value = this.#data[base + ((this.#head - this.#count + i + n) % n)];
        const px = (n - this.#count + i) * step;
        const py = top + this.#h - (value / max) * (this.#h - 1);
        if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
      }
      g.strokePath();
      lines.push(text(this.values[key]));
    }
    if (this.carrier) lines[0] += ` · ${this.carrier}`; // which carrier: webrtc, websocket, udp
    this.#label.setText(lines);
  }

  override destroy(fromScene?: boolean): void {
    const keyboard = this.scene?.input?.keyboard;
    for (const name of this.#toggleKeys) keyboard?.off(`keydown-${name}`, this.toggle, this);
    super.destroy(fromScene);
  }
}
