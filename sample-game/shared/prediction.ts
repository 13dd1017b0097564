// Client-side prediction and reconciliation for the player's own body: every local tick is simulated at once
// (no waiting for the server); when a snapshot says which input the server simulated last (`ack`), the body is
// reset to the server's state and the inputs after `ack` are replayed over it. The simulation is deterministic,
// so without outside events (a tag, a new round) the replay lands exactly where the prediction was: no correction.
import { INPUT_REDUNDANCY } from './constants.ts';
import { encodeInputs, makeInput, type Input } from './input.ts';
import { copyBody, createBody, stepBody, type Body, type Controls } from './sim.ts';

/** Inputs kept for replay at most (about 4 s): beyond that the oldest are forgotten. */
export const MAX_PENDING = 120;
/** Corrections larger than this are not smoothed: the body jumps (a respawn). */
export const SNAP_DISTANCE = 160;
/** Half-life of the visual correction offset, ms. */
export const CORRECTION_HALF_LIFE_MS = 70;

export class Predictor {
  /** The predicted state after every local input. */
  readonly body: Body;
  /** The state one tick earlier (to draw between ticks). */
  readonly previous: Body;
  /** Visual offset left by the last corrections (decays with `decay`); drawn position = predicted + error. */
  errorX = 0;
  errorY = 0;
  /** Last sequence number used. */
  seq = 0;
  /** Last input the server acknowledged. */
  ack = 0;
  /** Number of reconciliations that moved the body, and the largest such move (px). */
  corrections = 0;
  maxCorrection = 0;
  readonly #pending: Input[] = [];

  constructor(x = 0, y = 0) {
    this.body = createBody(x, y);
    this.previous = copyBody(this.body);
  }

  /** Inputs sent but not yet acknowledged. */
  get pending(): readonly Input[] {
    return this.#pending;
  }

  /** One local tick: makes the next input, simulates it at once and keeps it for replay. Returns the input. */
  tick(controls: Controls): Input {
    const input = makeInput(++this.seq, controls.mx, controls.my, controls.dash);
    copyBody(this.body, this.previous);
    stepBody(this.body, input);
    this.#pending.push(input);
    if (this.#pending.length > MAX_PENDING) this.#pending.shift();
    return input;
  }

  /** The input packet for this tick: the newest inputs, redundantly. */
  packet(): Uint8Array {
    return encodeInputs(this.#pending, INPUT_REDUNDANCY);
  }

  /**
   * Applies the server's state of this body after input `ack`: drops acknowledged inputs, replays the rest over
   * `server`, and turns the difference into a smoothed visual offset. Returns how far the prediction moved (px).
   * Stale snapshots (an older `ack`) are ignored.
   */
  reconcile(server: Body, ack: number): number {
    if (ack < this.ack) return 0;
    this.ack = ack;
    const pending = this.#pending;
    let drop = 0;
    while (drop < pending.length && pending[drop].seq <= ack) drop++;
    pending.splice(0, drop);

    const oldX = this.body.x;
    const oldY = this.body.y;
    copyBody(server, this.body);
    copyBody(server, this.previous);
    for (let i = 0; i < pending.length; i++) {
      if (i === pending.length - 1) copyBody(this.body, this.previous);
      stepBody(this.body, pending[i]);
    }
    const dx = oldX - this.body.x;
    const dy = oldY - this.body.y;
    const moved = Math.sqrt(dx * dx + dy * dy);
    if (moved > 0) {
      this.corrections++;
      if (moved > this.maxCorrection) this.maxCorrection = moved;
      this.errorX += dx;
      this.errorY += dy;
      if (Math.sqrt(this.errorX * this.errorX + this.errorY * this.errorY) > SNAP_DISTANCE) {
        this.errorX = 0;
        this.errorY = 0;
      }
    }
    return moved;
  }

  /** Shrinks the visual correction offset after `ms` of frame time. */
  decay(ms: number): void {
    const k = Math.pow(0.5, ms / CORRECTION_HALF_LIFE_MS);
    this.errorX *= k;
    this.errorY *= k;
    if (Math.abs(this.errorX) < 0.05) this.errorX = 0;
    if (Math.abs(this.errorY) < 0.05) this.errorY = 0;
  }

  /** Where to draw the body, `alpha` of the way from the previous tick to the current one. */
  drawPosition(alpha: number): { x: number; y: number } {
    const a = Math.max(0, Math.min(1, alpha));
    return {
      x: this.previous.x + (this.body.x - this.previous.x) * a + this.errorX,
      y: this.previous.y + (this.body.y - this.previous.y) * a + this.errorY,
    };
  }
}
