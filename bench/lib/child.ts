import type { Msg } from './proc.ts';

/**
 * The child's side: parse `--key value` arguments, talk to the harness, report uncaught errors as an
 * 'error' message before dying, and exit cleanly on 'stop' (so `--cpu-prof` writes its profile).
 */

/** `--key value` pairs of the child's command line. */
export function childArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i].replace(/^--/, '')] = a[i + 1];
  return out;
}

/** Sends one message to the harness; `then` runs once it is written. */
export function reply(msg: Msg, then?: () => void): void {
  process.send!(msg, undefined, {}, () => then?.());
}

/** On 'stop' (or a lost harness), reply 'stopped' with `collect()` and exit 0 so profiles get written. */
export function onStop(collect: () => Record<string, unknown>): void {
  process.on('message', (m: Msg) => {
    if (m.type === 'stop') reply({ type: 'stopped', ...collect() }, () => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * Reports an uncaught exception or rejection to the harness as an 'error' message, then exits 1. Explicit, not
 * run on import, because suite files are loaded by the parent too (their child roles live in the same file).
 */
export function reportChildErrors(): void {
  const fail = (err: unknown): void => {
    reply({ type: 'error', message: (err as Error)?.stack ?? String(err) }, () => process.exit(1));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}
