import type { WatchdogOptions } from './options.ts';

/**
 * Keeps the network pumped when frames stop. Browsers throttle `requestAnimationFrame` in background tabs and
 * minimised windows (often without any `visibilitychange`), so heartbeats, acknowledgements and resends would
 * stall with the game loop. A timer checks every `intervalMS` and pumps when no frame did for over `stallMS`.
 */
export class Watchdog {
  readonly #pump: () => void;
  readonly #now: () => number;
  readonly #intervalMS: number;
  readonly #stallMS: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastFrame = 0;
  /** Pumps done by the timer so far (for tests and diagnostics). */
  pumps = 0;

  /** Calls `pump` when `now()` says no frame pumped for `stallMS`; call `start()` to run it. */
  constructor(pump: () => void, now: () => number, options: WatchdogOptions = {}) {
    this.#pump = pump;
    this.#now = now;
    this.#intervalMS = options.intervalMS ?? 100;
    this.#stallMS = options.stallMS ?? 250;
  }

  /** Starts the timer; a frame is assumed to have just pumped. */
  start(): void {
    this.stop();
    this.#lastFrame = this.#now();
    this.#timer = setInterval(() => this.#check(), this.#intervalMS);
  }

  /** True while the timer runs. */
  get running(): boolean { return this.#timer !== null; }

  /** Stops the timer. Idempotent. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** A frame pumped the network now. */
  frame(): void {
    this.#lastFrame = this.#now();
  }

  #check(): void {
    if (this.#now() - this.#lastFrame <= this.#stallMS) return;
    this.pumps++;
    this.#pump();
  }
}
