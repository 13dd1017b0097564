/** Anything that announces arriving datagrams: `NetworkDriver`, `MultiNetworkDriver`. */
export interface PacketNotifier {
  /** Called when a datagram arrives, so the loop updates soon. */
  onPacket: (() => void) | null;
}

/** Options of `DriverLoop`. */
export interface DriverLoopOptions {
  /** Fallback for heartbeats, resends and timeouts: the longest time between two ticks, in ms. Default 10. */
  intervalMS?: number;
  /** Receives what `tick` throws, so a bug never escapes into the event loop. Default: rethrown asynchronously. */
  onError?: (err: unknown) => void;
  /** Node only: let the process exit while only this timer is left. Default false. */
  unref?: boolean;
}

/** Runs `fn` after pending I/O: `setImmediate` in Node (one turn per burst of datagrams), a microtask elsewhere. */
export const afterIO: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => { setImmediate(fn); } : (fn) => queueMicrotask(fn);

/**
 * Keeps a driver updated where no game loop does it (servers, bots, tools): `tick` runs right after datagrams
 * arrive — once per burst, through `driver.onPacket` — and at the latest `intervalMS` after the previous tick (a
 * fallback timer that every tick pushes back, so a busy server never ticks for it). UTP's own equivalent is the
 * application calling `ScheduleUpdate` every frame; this is the event-driven form for Node.
 *
 * ```ts
 * const loop = new DriverLoop(driver, () => { driver.update(); handleEvents(); driver.flush(); }).start();
 * // …
 * loop.stop();
 * ```
 */
export class DriverLoop {
  readonly #driver: PacketNotifier;
  readonly #tick: () => void;
  readonly #options: DriverLoopOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Node's timers can be re-armed (`refresh`); elsewhere the fallback is a plain interval. */
  #refreshable = false;
  #scheduled = false;

  /** A loop that calls `tick` when `driver` announces datagrams and every `intervalMS`; call `start()` to run it. */
  constructor(driver: PacketNotifier, tick: () => void, options: DriverLoopOptions = {}) {
    this.#driver = driver;
    this.#tick = tick;
    this.#options = options;
  }

  /** Whether the loop is started. */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** Installs `driver.onPacket` and the timer. Idempotent. */
  start(): this {
    if (this.#timer !== null) return this;
    this.#driver.onPacket = this.schedule;
    const ms = this.#options.intervalMS ?? 10;
    const timer = setTimeout(this.#run, ms);
    this.#refreshable = typeof (timer as { refresh?: unknown }).refresh === 'function';
    if (!this.#refreshable) { clearTimeout(timer); this.#timer = setInterval(this.#run, ms); } else this.#timer = timer;
    if (this.#options.unref) (this.#timer as { unref?: () => void }).unref?.();
    return this;
  }

  /** Removes both; a tick already scheduled does nothing. Idempotent. */
  stop(): void {
    if (this.#timer === null) return;
    if (this.#refreshable) clearTimeout(this.#timer);
    else clearInterval(this.#timer);
    this.#timer = null;
    if (this.#driver.onPacket === this.schedule) this.#driver.onPacket = null;
  }

  /** Asks for a prompt tick (coalesced); ignored while stopped. */
  readonly schedule = (): void => {
    if (this.#scheduled || this.#timer === null) return;
    this.#scheduled = true;
    afterIO(this.#run);
  };

  // Pre-bound, and the timer is re-armed rather than recreated: a tick allocates nothing but its Immediate.
  readonly #run = (): void => {
    this.#scheduled = false;
    const timer = this.#timer;
    if (timer === null) return;
    if (this.#refreshable) (timer as { refresh(): unknown }).refresh();
    try {
      this.#tick();
    } catch (err) {
      const onError = this.#options.onError;
      if (onError) onError(err);
      else queueMicrotask(() => { throw err; });
    }
  };
}
