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
