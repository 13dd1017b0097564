import type { Msg } from './proc.ts';

/**
 * The child's side: parse `--key value` arguments, talk to the harness, report uncaught errors as an
 * 'error' message before dying, and exit cleanly on 'stop' (so `--cpu-prof` writes its profile).
 */
export function childArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i].replace(/^--/, '')] = a[i + 1];
  return out;
}

export function reply(msg: Msg, then?: () => void): void {
  process.send!(msg, undefined, {}, () => then?.());
}

export function onStop(collect: () => Record<string, unknown>): void {
  process.on('message', (m: Msg) => {
    if (m.type === 'stop') reply({ type: 'stopped', ...collect() }, () => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

process.on('uncaughtException', (err) => {
  reply({ type: 'error', message: err.stack ?? String(err) }, () => process.exit(1));
});
