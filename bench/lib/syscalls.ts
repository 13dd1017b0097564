import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

let usable: boolean | undefined;

/** Whether `perf` can count system calls here (the raw_syscalls tracepoint; root or a permissive perf_event_paranoid). */
function perfWorks(): boolean {
  if (usable === undefined) {
    try {
      const out = execFileSync('perf', ['stat', '-x,', '-e', 'raw_syscalls:sys_enter', '--', 'true'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
      usable = !/not supported|<not counted>/.test(out.toString());
    } catch {
      usable = false;
    }
  }
  return usable;
}

/**
 * Counts the system calls of process `pid` (all its threads) from now until `stop()`, with `perf stat` on the
 * raw_syscalls:sys_enter tracepoint, which costs the process next to nothing. Null where perf cannot.
 */
export class SyscallCounter {
  readonly #perf: ChildProcess;
  #stderr = '';

  private constructor(pid: number) {
    this.#perf = spawn('perf', ['stat', '-x,', '-e', 'raw_syscalls:sys_enter', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#perf.stderr!.on('data', (d: Buffer) => { this.#stderr += d.toString(); });
  }

  static start(pid: number | undefined): SyscallCounter | null {
    return pid !== undefined && perfWorks() ? new SyscallCounter(pid) : null;
  }

  /** The count so far (perf prints it when interrupted), or NaN if it printed none. */
  async stop(): Promise<number> {
    const exited = new Promise<void>((r) => this.#perf.once('exit', () => r()));
    this.#perf.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    const m = /^(\d+),[^,]*,raw_syscalls:sys_enter/m.exec(this.#stderr);
    return m ? Number(m[1]) : Number.NaN;
  }
}
