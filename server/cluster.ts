// `npm run start:cluster`: the game served by several processes sharing matchmaking through Redis. Process i
// listens on port BASE+2i (HTTP, UDP and the WebSocket tunnel; WebRTC's ICE on the next port, as `npm start` does)
// with publicAddress PUBLIC_HOST:BASE+2i; any process
// serves the page and matchmaking, and every seat leads to the process hosting the room. Starts redis-server
// (installed, nothing answering at --redis) for as long as it runs.
//   npm run start:cluster -- [--processes 2] [--port 2567] [--host 127.0.0.1] [--public-host localhost] [--redis URL]
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pingRedis } from '../plugin/colyseus/server/index.ts';
import { RedisServer, redisServerMissing } from '../plugin/colyseus/testing/index.ts';

const USAGE = 'usage: npm run start:cluster -- [--processes 2] [--port 2567] [--host 127.0.0.1] [--public-host localhost] [--redis redis://127.0.0.1:6379] [--no-build] [--static-dir DIR]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      processes: { type: 'string', default: '2' },
      port: { type: 'string', default: process.env.PORT ?? '2567' },
      host: { type: 'string', default: '127.0.0.1' },
      'public-host': { type: 'string' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'no-build': { type: 'boolean' },
      'static-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`start:cluster: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const count = Number(values.processes);
const base = Number(values.port);
if (!Number.isInteger(count) || count < 1 || count > 16 || !Number.isInteger(base) || base < 1 || base + 2 * count > 65536) {
  console.error(`start:cluster: --processes takes 1..16 and --port a port number\n${USAGE}`);
  process.exit(2);
}
const host = values.host;
// Seats must reach each process from where the players are: its own host name for others, localhost here.
const publicHost = values['public-host'] ?? (host === '0.0.0.0' || host === '::' || /^127\./.test(host) ? 'localhost' : host);

const children: ChildProcess[] = [];
let redis: RedisServer | null = null;
let stopping = false;
/** Game processes first (they shut down gracefully, Redis still there), then the redis-server we started. */
const stop = (code: number): void => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  const exited = (c: ChildProcess): Promise<unknown> => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('exit', resolve)));
  const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
  void Promise.race([Promise.all(children.map(exited)), timeout]).then(() => {
    void (redis?.stop() ?? Promise.resolve()).then(() => process.exit(code));
  });
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

await ensureRedis(values.redis);
if (!values['no-build']) {
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('../sample-game/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
const script = fileURLToPath(new URL('./cluster-process.ts', import.meta.url));
await Promise.all(Array.from({ length: count }, (_, i) => new Promise<void>((resolve) => {
  const port = base + 2 * i; // the game server puts WebRTC's ICE on port + 1
  const staticDir = values['static-dir'] ? ['--static-dir', values['static-dir']] : [];
  const child = spawn(process.execPath, [script, '--port', String(port), '--host', host, '--public-host', publicHost, '--redis', values.redis, ...staticDir],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    for (const line of text.split('\n').filter(Boolean)) console.log(`[${port}] ${line}`);
    resolve();
  });
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`start:cluster: the process on port ${port} exited (${code}); stopping the others`);
      stop(1);
    }
    resolve();
  });
})));
if (!stopping) {
  console.log(`utp-ts arena cluster: ${count} processes, ports ${Array.from({ length: count }, (_, i) => base + 2 * i).join(', ')} (TCP and UDP; ICE on each + 1), Redis at ${values.redis}`);
  console.log(`  open http://${publicHost}:${base} (any process serves the page and matchmaking); Ctrl-C stops`);
  console.log(`  bots: npm run bots -- --url http://${publicHost}:${base + (count > 1 ? 2 : 0)} --count 40`);
}

/** Redis at `url`, or redis-server started here on its port when it is installed and the URL is local. */
async function ensureRedis(url: string): Promise<void> {
  try {
    await pingRedis(url, 1500);
    return;
  } catch (err) {
    const u = new URL(url);
    const local = u.hostname === '127.0.0.1' || u.hostname === 'localhost';
    const installed = redisServerMissing() === null;
    if (!local || !installed) {
      console.error(`start:cluster: ${(err as Error).message}${installed ? '' : ' (redis-server is not installed: apt-get install redis-server, or give --redis URL)'}`);
      process.exit(1);
    }
  }
  const port = Number(new URL(url).port || 6379);
  try {
    redis = await RedisServer.start(port);
    console.log(`start:cluster: started redis-server on 127.0.0.1:${port} (stops with this command)`);
  } catch (err) {
    console.error(`start:cluster: could not start redis-server on port ${port}: ${(err as Error).message}`);
    stop(1);
  }
}
