// A throwaway Redis for tests, benchmarks and `npm run start:cluster`: Debian's `redis-server` (or any on the PATH)
// on 127.0.0.1, no persistence, stopped with the caller, restartable on the same port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';

/** Why `redis-server` cannot run here, or null when it is on the PATH. */
export function redisServerMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? 'redis-server is not installed (apt-get install redis-server)' : null;
}

/** A running `redis-server`; `stop()` kills it, `start()` runs it again on the same port. */
export class RedisServer {
  /** The port it listens on: the one given to `RedisServer.start`, or a free one it found. */
  port = 0;
  #child: ChildProcess | null = null;

  /** `redis://127.0.0.1:PORT`. */
  get url(): string { return `redis://127.0.0.1:${this.port}`; }
  /** The process id while running (benchmarks read its CPU time). */
  get pid(): number | undefined { return this.#child?.pid; }

  /** Starts one on `port`, or on a free port (retried if another process takes it first). */
  static async start(port?: number): Promise<RedisServer> {
    const redis = new RedisServer();
    for (let attempt = 0; ; attempt++) {
      redis.port = port ?? await freePort();
      try {
        await redis.start();
        return redis;
      } catch (err) {
        if (port !== undefined || attempt >= 4) throw err;
      }
    }
  }

  /** Starts redis-server on `port` and resolves once it accepts connections. */
  start(): Promise<void> {
    const child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    // Never outlive the process that started it (a test worker that fails or is killed).
    const killOnExit = (): void => { child.kill('SIGKILL'); };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
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
      child.once('error', reject);
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
