/** What the loop needs of a driver: `NetworkDriver` and `MultiNetworkDriver` both fit. */
export interface PacketNotifier {
  onPacket: (() => void) | null;
}

/** A running update loop; `stop()` ends it (idempotent). */
export interface RunLoop {
  stop(): void;
}

/**
 * Pumps `tick` (which calls `driver.update()`) on a ~1 ms timer for the protocol timers (resends, heartbeats,
 * timeouts) and, promptly, after packets arrive: `driver.onPacket` schedules one `setImmediate` per burst,
 * so a reply leaves within the same event-loop turn as the request that caused it. An exception thrown by
 * `tick` goes to `onError` instead of crashing the process.
 */
export function startRunLoop(
  driver: PacketNotifier, tick: () => void, onError: (err: unknown) => void, intervalMs = 1,
): RunLoop {
  let stopped = false;
  let immediate: NodeJS.Immediate | null = null;
  const run = (): void => {
    immediate = null;
    if (stopped) return;
    try {
      tick();
    } catch (err) {
      onError(err);
    }
  };
  driver.onPacket = () => {
    if (immediate === null && !stopped) immediate = setImmediate(run);
  };
  const timer = setInterval(run, intervalMs);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      driver.onPacket = null;
      clearInterval(timer);
      if (immediate !== null) clearImmediate(immediate);
      immediate = null;
    },
  };
}

/**
 * Calls `handler` once on the first SIGINT or SIGTERM; a second signal exits at once (code 130), so a
 * stuck shutdown can still be interrupted. Returns a function that removes the handlers.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  let fired = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (fired) process.exit(130);
    fired = true;
    handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
