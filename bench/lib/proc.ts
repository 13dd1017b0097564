import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message between the harness and a bench process: `{ type, ...fields }`. */
export type Msg = { type: string; [key: string]: unknown };

/** Path of a script in bench/processes/. */
export function processScript(name: string): string {
  return fileURLToPath(new URL(`../processes/${name}`, import.meta.url));
}

/**
 * A bench process started with `fork` (same Node binary, TypeScript run by type stripping), talking over
 * the IPC channel. `next(type)` waits for the next message of that type; the process dying rejects it.
 */
export class BenchProcess {
  readonly #child: ChildProcess;
  readonly #inbox: Msg[] = [];
  #waiter: { type: string; resolve: (m: Msg) => void; reject: (e: Error) => void } | null = null;
  #exit: Error | null = null;

  /**
   * `cpu`: pin the process (all its threads) to that core with `taskset`, when available. `prefix`: a command that
   * runs Node for us (`['ip', 'netns', 'exec', 'ns']`: inside a network namespace); the IPC channel is inherited.
   */
  constructor(script: string, args: string[], execArgv: string[] = [], cpu?: number, prefix: string[] = []) {
    const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as const;
    const wrap = [...prefix, ...(cpu !== undefined && canPin() ? ['taskset', '-c', String(cpu)] : [])];
    this.#child = wrap.length
      ? spawn(wrap[0], [...wrap.slice(1), process.execPath, ...execArgv, script, ...args], { stdio: [...stdio] })
      : fork(script, args, { execArgv, stdio: [...stdio] });
    this.#child.on('message', (m: Msg) => {
      this.#inbox.push(m);
      this.#deliver();
    });
    this.#child.on('exit', (code, signal) => {
      this.#exit = new Error(`${script.split('/').pop()} exited (${signal ?? code}) before answering`);
      this.#waiter?.reject(this.#exit);
      this.#waiter = null;
    });
  }

  send(msg: Msg): void {
    this.#child.send(msg);
  }

  /** The process id (of the outermost command when started through a prefix). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The next message of `type`, failing after `timeoutMs` or if the process exits first. */
  next(type: string, timeoutMs = 20_000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#waiter = null; reject(new Error(`no '${type}' within ${timeoutMs} ms`)); }, timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => { clearTimeout(timer); f(v); };
      this.#waiter = { type, resolve: done(resolve), reject: done(reject) };
      this.#deliver();
    });
  }

  /** Asks the process to finish (it answers 'stopped' and exits, writing any CPU profile), then reaps it. */
  async stop(timeoutMs = 10_000): Promise<Msg | null> {
    if (this.#exit) return null;
    const exited = new Promise((r) => this.#child.once('exit', r));
    let reply: Msg | null = null;
    try {
      this.send({ type: 'stop' });
      reply = await this.next('stopped', timeoutMs);
    } catch {
      this.kill();
    }
    await exited;
    return reply;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  #deliver(): void {
    const w = this.#waiter;
    if (!w) return;
    const i = this.#inbox.findIndex((m) => m.type === w.type || m.type === 'error');
    if (i >= 0) {
      const [m] = this.#inbox.splice(i, 1);
      this.#waiter = null;
      if (m.type === 'error') w.reject(new Error(`bench process failed: ${m.message}`));
      else w.resolve(m);
    } else if (this.#exit) {
      this.#waiter = null;
      w.reject(this.#exit);
    }
  }
}

let pinnable: boolean | undefined;

/** True when `taskset` exists and the machine has at least two cores to pin server and load apart. */
export function canPin(): boolean {
  if (pinnable === undefined) {
    try {
      execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
      pinnable = true;
    } catch {
      pinnable = false;
    }
  }
  return pinnable;
}
