/** Runs `plugin/cli/utp.ts` (or another script) in a child Node process and reads its output line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const UTP = fileURLToPath(new URL('../../plugin/cli/utp.ts', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class UtpProcess {
  readonly child: ChildProcess;
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<Exit>;
  #waiters: Array<() => void> = [];

  constructor(args: string[], script = UTP) {
    this.child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#lines(this.child.stdout!, this.stdout);
    this.#lines(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) => {
      // 'close' comes after 'exit' and after stdout/stderr ended, so every line is in by then.
      this.child.on('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
        this.#wake();
      });
    });
    running.add(this);
  }

  #lines(stream: NodeJS.ReadableStream, into: string[]): void {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      into.push(...parts);
      this.#wake();
    });
    stream.on('end', () => {
      if (rest) into.push(rest);
      rest = '';
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Waits for a stdout line matching `re` (earlier lines count); rejects on timeout or exit. */
  async waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => { exited = true; });
    for (;;) {
      for (const line of this.stdout) {
        const m = re.exec(line);
        if (m) return m;
      }
      const left = deadline - performance.now();
      if (left <= 0 || exited) {
        throw new Error(`no stdout line matching ${re} ${exited ? 'before exit' : `within ${timeoutMs} ms`}\n` +
          `stdout:\n${this.stdout.join('\n')}\nstderr:\n${this.stderr.join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Lines of stdout matching `re`. */
  count(re: RegExp): number {
    return this.stdout.filter((l) => re.test(l)).length;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

const running = new Set<UtpProcess>();

/** Kills every process started by these helpers that is still running (call in afterEach). */
export async function killAll(): Promise<void> {
  const procs = [...running];
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
}

/** `utp ARGS…` to completion (with a safety timeout). */
export async function runUtp(args: string[], timeoutMs = 20_000): Promise<UtpProcess & { exit: Exit }> {
  const p = new UtpProcess(args);
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const exit = await p.exited;
  clearTimeout(timer);
  return Object.assign(p, { exit });
}

/** Starts `utp echo --udp 127.0.0.1:0 ARGS…` and returns it with the port it printed. */
export async function startEcho(args: string[] = []): Promise<{ echo: UtpProcess; port: number }> {
  const echo = new UtpProcess(['echo', '--udp', '127.0.0.1:0', ...args]);
  const m = await echo.waitFor(/^listening udp:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
  return { echo, port: Number(m[1]) };
}

/** Starts `utp echo --udp 127.0.0.1:0 --ws 127.0.0.1:0 ARGS…` and returns it with both ports it printed. */
export async function startMultiEcho(args: string[] = []): Promise<{ echo: UtpProcess; udpPort: number; wsPort: number }> {
  const echo = new UtpProcess(['echo', '--udp', '127.0.0.1:0', '--ws', '127.0.0.1:0', ...args]);
  const udp = await echo.waitFor(/^listening udp:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
  const ws = await echo.waitFor(/^listening ws:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
  return { echo, udpPort: Number(udp[1]), wsPort: Number(ws[1]) };
}
