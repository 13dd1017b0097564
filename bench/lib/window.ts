/** What a load generator reports for its measured interval. */
export interface LoadResult {
  messages: number;
  elapsedMs: number;
  lost: number;
  refused: number;
  /** This process's CPU time (user + system) over the measured interval. */
  cpuUs: number;
}

/**
 * Keeps `target` messages in flight: every echo releases one slot, which is refilled at once. The
 * transport's `send` may refuse (reliable window full): the slot is then owed and retried by `retry()`.
 * With `recoverLoss` (unreliable transports), a window that sees no echo for `stallMs` is presumed lost
 * and sent again, so one dropped datagram cannot shrink the window for the rest of the run.
 */
export class InflightWindow {
  readonly #target: number;
  readonly #send: () => boolean;
  readonly #recoverLoss: boolean;
  #outstanding = 0;
  #owed = 0;
  #running = false;
  #measuring = false;
  #echoes = 0;
  #lost = 0;
  #refused = 0;
  #progress = 0;

  constructor(target: number, send: () => boolean, recoverLoss: boolean) {
    this.#target = target;
    this.#send = send;
    this.#recoverLoss = recoverLoss;
  }

  /** Call for every echo received. */
  echo(): void {
    if (this.#outstanding > 0) this.#outstanding--;
    this.#progress++;
    if (this.#measuring) this.#echoes++;
    if (this.#running) { this.#owed++; this.retry(); }
  }

  /** Sends the owed messages the transport accepts now. Call after each transport update. */
  retry(): void {
    while (this.#owed > 0 && this.#running) {
      if (!this.#send()) { this.#refused++; return; }
      this.#owed--;
      this.#outstanding++;
    }
  }

  /** Fills the window, warms up, then measures for `durationMs` (calling `onMeasure` as it starts). */
  async run(warmupMs: number, durationMs: number, onMeasure?: () => void, stallMs = 25): Promise<LoadResult> {
    this.#running = true;
    this.#owed = this.#target;
    this.retry();
    const watchdog = setInterval(() => {
      if (this.#recoverLoss && this.#progress === 0 && this.#outstanding > 0) {
        this.#lost += this.#outstanding;
        this.#owed += this.#outstanding;
        this.#outstanding = 0;
        this.retry();
      }
      this.#progress = 0;
    }, stallMs);
    await sleep(warmupMs);
    this.#measuring = true;
    onMeasure?.();
    const lost0 = this.#lost;
    const refused0 = this.#refused;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sleep(durationMs);
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    this.#measuring = false;
    this.#running = false;
    clearInterval(watchdog);
    return {
      messages: this.#echoes, elapsedMs, lost: this.#lost - lost0, refused: this.#refused - refused0, cpuUs: cpu.user + cpu.system,
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Sends at a steady `rate` messages per second, whatever comes back: every millisecond it sends what is due since
 * the start (at most 20 ms' worth at once after a stall), then calls `flush`. Counts the echoes of the measured
 * interval; `lost` = sent − echoed over it (approximate: echoes in flight at the edges).
 */
export class Pacer {
  readonly #rate: number;
  readonly #send: () => boolean;
  readonly #flush: () => void;
  #measuring = false;
  #echoes = 0;
  #sent = 0;
  #refused = 0;

  constructor(rate: number, send: () => boolean, flush: () => void = () => {}) {
    this.#rate = rate;
    this.#send = send;
    this.#flush = flush;
  }

  echo(): void {
    if (this.#measuring) this.#echoes++;
  }

  async run(warmupMs: number, durationMs: number, onMeasure?: () => void): Promise<LoadResult> {
    const start = performance.now();
    let due = 0;
    const tick = (): void => {
      const target = Math.floor((this.#rate * (performance.now() - start)) / 1000);
      due = Math.max(due, target - Math.ceil(this.#rate / 50)); // forget what a long stall left behind
      while (due < target) {
        if (!this.#send()) { this.#refused++; break; }
        due++;
        if (this.#measuring) this.#sent++;
      }
      this.#flush();
    };
    const timer = setInterval(tick, 1);
    await sleep(warmupMs);
    this.#measuring = true;
    onMeasure?.();
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sleep(durationMs);
    const elapsedMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    this.#measuring = false;
    clearInterval(timer);
    return {
      messages: this.#echoes, elapsedMs, lost: Math.max(0, this.#sent - this.#echoes), refused: this.#refused, cpuUs: cpu.user + cpu.system,
    };
  }
}
