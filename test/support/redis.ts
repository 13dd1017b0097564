// A real Redis for the multi-process tests: Debian's `redis-server`, started by the test on 127.0.0.1 with a free
// port, no persistence, stopped (and restartable on the same port) by the test. `.ci/run` installs it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { it } from 'vitest';
import { freePort } from './ports.ts';

const required = process.env.UTP_REQUIRE_REDIS === '1';

/** Why Redis cannot run here, or null when `redis-server` is on the PATH. */
export function missingRedisReason(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'redis-server is not installed (apt-get install redis-server)' : null;
}

/**
 * True when the Redis tests can run. Otherwise registers one test that fails (with UTP_REQUIRE_REDIS=1, as in CI)
 * or is reported as skipped with the reason, loudly, and returns false.
 */
export function requireRedis(what: string): boolean {
  const why = missingRedisReason();
  if (!why) return true;
  if (required) {
    it(`has redis-server for ${what}, as UTP_REQUIRE_REDIS=1 demands`, () => { throw new Error(`UTP_REQUIRE_REDIS=1 but ${why}`); });
    return false;
  }
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! SKIPPING ${what}: ${why}.\n!! Set UTP_REQUIRE_REDIS=1 to make this a failure.\n${bar}\n\n`);
  it.skip(`SKIPPED: ${why}`, () => {});
  return false;
}

/** A running `redis-server`; `stop()` kills it, `start()` runs it again on the same port. */
export class RedisServer {
  port = 0;
  #child: ChildProcess | null = null;

  /** `redis://127.0.0.1:PORT`. */
  get url(): string { return `redis://127.0.0.1:${this.port}`; }

  static async start(): Promise<RedisServer> {
    const redis = new RedisServer();
    for (let attempt = 0; ; attempt++) {
      redis.port = await freePort();
      try {
        await redis.start();
        return redis;
      } catch (err) {
        if (attempt >= 4) throw err;
      }
    }
  }

  /** Starts redis-server on `port` and resolves once it accepts connections. */
  start(): Promise<void> {
    const child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    return new Promise((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (/Ready to accept connections/.test(out)) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.resume();
      child.once('exit', (code) => reject(new Error(`redis-server on port ${this.port} exited (${code}): ${out.trim().split('\n').pop()}`)));
    });
  }

  /** Kills the server (SIGKILL: nothing is saved) and waits for it to be gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
