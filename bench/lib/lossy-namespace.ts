// A network namespace whose loopback drops a share of the TCP and UDP packets leaving it, on demand: nftables
// (`numgen random`) where it works, else `tc netem` (absent from this project's kernel). Whatever runs inside it
// (servers, clients, a browser) sees the same loss in each direction. Root only. Used by rtt-under-loss and
// webrtc-snapshot-age.
import { firstLine, realtimePrefix, run } from './delayed-link.ts';

/** The loss the suites apply, in percent of the packets leaving the loopback (so in each direction). */
export const LOSS_PERCENT = 2;

/** Where the nftables rule drops packets. */
export type Hook = 'output' | 'input';

/** A network namespace of our own whose loopback loses packets on demand. */
export class LossyNamespace {
  readonly name = `utpbench${process.pid}`;
  readonly serverHost = '127.0.0.1';
  readonly #tool: 'nftables' | 'netem';
  readonly #hook: Hook;

  private constructor(tool: 'nftables' | 'netem', hook: Hook) {
    this.#tool = tool;
    this.#hook = hook;
  }

  /**
   * Creates it with the first method that works here (root only), or explains why none does. `hook` says where the
   * nftables rule drops: 'output' (as a packet leaves its sender: the sending socket gets EPERM, so the sender knows —
   * SCTP and TCP resend at once) or 'input' (as it arrives: the sender never learns, as on a real path).
   */
  static async create(hook: Hook = 'output'): Promise<LossyNamespace | string> {
    if (process.getuid?.() !== 0) return 'kernel-level loss needs root (network namespace + nftables or netem)';
    const name = `utpbench${process.pid}`;
    try {
      run('ip', ['netns', 'add', name]);
      run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    } catch (err) {
      try { run('ip', ['netns', 'del', name]); } catch { /* never created */ }
      return `cannot create a network namespace: ${firstLine(err)}`;
    }
    const reasons: string[] = [];
    try {
      run('ip', ['netns', 'exec', name, 'nft', '-f', '-'],
        `table inet utpbench {\n  chain out {\n    type filter hook ${hook} priority 0; policy accept;\n  }\n}\n`);
      return new LossyNamespace('nftables', hook);
    } catch (err) {
      reasons.push(`nftables: ${firstLine(err)}`);
    }
    try {
      run('ip', ['netns', 'exec', name, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', '0%']);
      return new LossyNamespace('netem', hook);
    } catch (err) {
      reasons.push(`tc netem: ${firstLine(err)}`);
    }
    try { run('ip', ['netns', 'del', name]); } catch { /* ignore */ }
    return `no kernel-level loss here (${reasons.join('; ')})`;
  }

  /** Runs a command inside the namespace. */
  get execPrefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** Runs a command inside the namespace at real-time priority where allowed (see `realtimePrefix`). */
  get serverPrefix(): string[] {
    return [...realtimePrefix(), ...this.execPrefix];
  }

  get clientPrefix(): string[] {
    return this.serverPrefix;
  }

  get method(): string {
    return this.#tool === 'nftables'
      ? `nftables in a network namespace (kernel-level, both sides alike): an ${this.#hook}-hook rule on the namespace's loopback drops TCP and UDP packets with numgen random mod 10000 < ${LOSS_PERCENT * 100} (every packet ${this.#hook === 'output' ? 'leaves' : 'arrives'} once, so each direction loses ${LOSS_PERCENT} %`
        + (this.#hook === 'output' ? '; the sending socket sees each drop as EPERM).' : '; the sender never learns of a drop).')
      : `tc netem loss ${LOSS_PERCENT}% on the loopback of a network namespace (kernel-level, both sides alike; every packet leaves once, so each direction loses ${LOSS_PERCENT} %).`;
  }

  /** Every packet (TCP and UDP, either direction) leaving the loopback is dropped with probability `percent`. */
  async lose(percent: number): Promise<{ dropped: number; cpuMs: number }> {
    const dropped = this.#dropped();
    if (this.#tool === 'nftables') {
      run('ip', ['netns', 'exec', this.name, 'nft', 'flush', 'chain', 'inet', 'utpbench', 'out']);
      if (percent > 0) {
        run('ip', ['netns', 'exec', this.name, 'nft', 'add', 'rule', 'inet', 'utpbench', 'out',
          'meta', 'l4proto', '{', 'tcp', ',', 'udp', '}', 'numgen', 'random', 'mod', '10000', '<', String(Math.round(percent * 100)), 'counter', 'drop']);
      }
    } else {
      run('ip', ['netns', 'exec', this.name, 'tc', 'qdisc', 'change', 'dev', 'lo', 'root', 'netem', 'loss', `${percent}%`]);
    }
    return { dropped, cpuMs: 0 };
  }

  /** Packets the rule dropped since it was added (nftables only). */
  #dropped(): number {
    if (this.#tool !== 'nftables') return Number.NaN;
    const out = run('ip', ['netns', 'exec', this.name, 'nft', 'list', 'chain', 'inet', 'utpbench', 'out']);
    const m = /counter packets (\d+)/.exec(out);
    return m ? Number(m[1]) : 0;
  }

  dispose(): void {
    try { run('ip', ['netns', 'del', this.name]); } catch { /* already gone */ }
  }
}

/**
 * Runs `body` with a link made by `create` (the one `unavailable` probed, if any), and disposes of it afterwards, on
 * exit and on Ctrl-C / SIGTERM too: namespaces outlive the process.
 */
export async function withLink<L extends { dispose(): void }, T>(probed: L | string | null, create: () => Promise<L | string>, body: (link: L) => Promise<T>): Promise<T> {
  const link = probed !== null && typeof probed !== 'string' ? probed : await create();
  if (typeof link === 'string') throw new Error(link);
  const cleanup = (): void => link.dispose();
  const interrupted = (signal: NodeJS.Signals): void => { cleanup(); process.kill(process.pid, signal); };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, interrupted);
  try {
    return await body(link);
  } finally {
    process.off('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.off(sig, interrupted);
    link.dispose();
  }
}
