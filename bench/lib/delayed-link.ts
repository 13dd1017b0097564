// A delayed, lossy link that TCP and UDP cross alike, built without `tc netem` (absent from this project's kernel):
// two network namespaces, each with a TUN device, and a user-space forwarder between the two devices (this file, run
// as a script) that drops each IP packet with a seeded probability and writes the others into the other namespace
// after a delay with jitter. The kernels of both namespaces see an ordinary point-to-point link, so TCP's own
// recovery (RACK, tail-loss probes, SACK) runs exactly as it would on a slow path.
//
// Attaching a descriptor to a TUN device takes one ioctl (TUNSETIFF) that Node cannot issue, so a few lines of Perl
// (perl-base is part of every Debian system) open each device inside its namespace and exec the next step with the
// descriptor inherited: ip netns exec C perl … ip netns exec S perl … node delayed-link.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, read, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../../plugin/transport/api/random.ts';
import { reply, reportChildErrors } from './child.ts';
import { BenchProcess, type Msg } from './proc.ts';

const SELF = fileURLToPath(import.meta.url);

/** Opens TUN device $ARGV[0] (IFF_TUN | IFF_NO_PI) in the current namespace, puts its fd in env $ARGV[1], execs the rest. */
const OPEN_TUN = [
  'use Fcntl;',
  'my ($name, $var, @cmd) = @ARGV;',
  "sysopen(my $fh, '/dev/net/tun', O_RDWR) or die \"open /dev/net/tun: $!\\n\";",
  "ioctl($fh, 0x400454ca, pack('Z16 s x22', $name, 0x1001)) or die \"TUNSETIFF $name: $!\\n\";",
  'fcntl($fh, F_SETFD, 0) or die "fcntl: $!\\n";',
  '$ENV{$var} = fileno($fh);',
  'exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\\n";',
].join(' ');

let realtime: string[] | undefined;

/**
 * `chrt -f 5` where this process may use real-time scheduling (root, util-linux), else nothing. The latency suites
 * run their processes under it: on a shared machine, other work would otherwise decide their tails.
 */
export function realtimePrefix(): string[] {
  if (realtime === undefined) {
    try {
      run('chrt', ['-f', '5', 'true']);
      realtime = ['chrt', '-f', '5'];
    } catch {
      realtime = [];
    }
  }
  return realtime;
}

/** How the forwarder shapes each direction. */
export interface LinkShape {
  /** One-way delay; the round trip is twice this. */
  delayMs: number;
  /** Each packet's one-way delay is `delayMs` ± up to this much, uniform (so the round trip varies by twice this). */
  jitterMs: number;
  /** Share of TCP and UDP packets dropped in each direction, in percent. */
  lossPercent: number;
  /** Seeds the loss and jitter draws: the same seed gives the same sequence of decisions. */
  seed: number;
}

/** What the forwarder did since the last `shape`: per direction, packets forwarded and dropped by protocol. */
export interface LinkCounters {
  forwarded: number;
  droppedTcp: number;
  droppedUdp: number;
  /** Packets that were neither TCP nor UDP over IPv4 (IPv6 router solicitations…): never forwarded. */
  ignored: number;
  writeErrors: number;
  cpuUs: number;
}

/**
 * Two namespaces joined by the forwarder: clients run in `clientPrefix` (address `clientHost`), servers in
 * `serverPrefix` (address `serverHost`). Root only; `create` explains why when it cannot build the link.
 */
export class DelayedLink {
  readonly clientHost = '10.201.0.1';
  readonly serverHost = '10.201.0.2';
  readonly #client: string;
  readonly #server: string;
  readonly #forwarder: BenchProcess;

  private constructor(client: string, server: string, forwarder: BenchProcess) {
    this.#client = client;
    this.#server = server;
    this.#forwarder = forwarder;
  }

  static async create(): Promise<DelayedLink | string> {
    if (process.getuid?.() !== 0) return 'a delayed link needs root (network namespaces and TUN devices)';
    if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun (kernel without TUN support, or a container without the device)';
    try {
      run('perl', ['-e', '1']);
    } catch (err) {
      return `perl is needed to open the TUN devices (Debian: perl-base): ${firstLine(err)}`;
    }
    const client = `utpdl${process.pid}c`;
    const server = `utpdl${process.pid}s`;
    const drop = (): void => {
      for (const ns of [client, server]) try { run('ip', ['netns', 'del', ns]); } catch { /* never created */ }
    };
    try {
      for (const ns of [client, server]) {
        run('ip', ['netns', 'add', ns]);
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
    } catch (err) {
      drop();
      return `cannot create network namespaces: ${firstLine(err)}`;
    }
    const prefix = [...realtimePrefix(), 'ip', 'netns', 'exec', client, 'perl', '-e', OPEN_TUN, 'tunc', 'UTP_TUN_CLIENT',
      'ip', 'netns', 'exec', server, 'perl', '-e', OPEN_TUN, 'tuns', 'UTP_TUN_SERVER'];
    const forwarder = new BenchProcess(SELF, ['--role', 'forwarder'], [], undefined, prefix);
    const link = new DelayedLink(client, server, forwarder);
    try {
      await forwarder.next('ready', 15_000);
      run('ip', ['-n', client, 'addr', 'add', link.clientHost, 'peer', link.serverHost, 'dev', 'tunc']);
      run('ip', ['-n', client, 'link', 'set', 'tunc', 'up']);
      run('ip', ['-n', server, 'addr', 'add', link.serverHost, 'peer', link.clientHost, 'dev', 'tuns']);
      run('ip', ['-n', server, 'link', 'set', 'tuns', 'up']);
    } catch (err) {
      forwarder.kill();
      drop();
      return `cannot build the TUN link: ${firstLine(err)}`;
    }
    return link;
  }

  get clientPrefix(): string[] {
    return [...realtimePrefix(), 'ip', 'netns', 'exec', this.#client];
  }

  get serverPrefix(): string[] {
    return [...realtimePrefix(), 'ip', 'netns', 'exec', this.#server];
  }

  /** Applies `shape` from now on and returns what the forwarder did under the previous one (both directions). */
  async shape(shape: LinkShape): Promise<LinkCounters> {
    this.#forwarder.send({ type: 'shape', ...shape });
    return (await this.#forwarder.next('shaped')).counters as LinkCounters;
  }

  dispose(): void {
    this.#forwarder.kill();
    for (const ns of [this.#client, this.#server]) try { run('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
  }
}

export function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 10_000 }).toString();
}

export function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString() || e.message || String(err)).trim().split('\n')[0];
}

// ---------------------------------------------------------------- the forwarder (child process)

/** A packet waiting in the link: `due` on the performance.now() clock, then written to descriptor `to`. */
export interface InFlight {
  due: number;
  to: number;
  packet: Uint8Array;
}

/**
 * The link's decisions, apart from its I/O: which packets are lost, when the others leave. Direction 0 goes from
 * descriptor `fds[0]` to `fds[1]`, direction 1 back.
 */
export class LinkShaper {
  counters: LinkCounters = emptyCounters();
  /** In flight, sorted by due time (a packet usually goes near the end: delays differ by at most 2 × jitter). */
  readonly queue: InFlight[] = [];
  #shape: LinkShape = { delayMs: 0, jitterMs: 0, lossPercent: 0, seed: 1 };
  #rng: SeededRandom[] = [];
  readonly #fds: readonly [number, number];

  constructor(fds: readonly [number, number], shape: LinkShape) {
    this.#fds = fds;
    this.reshape(shape);
  }

  /** Applies `shape` to packets arriving from now on and restarts the counters and the random streams. */
  reshape(shape: LinkShape): void {
    this.#shape = { ...shape };
    // Loss and jitter draw from separate streams per direction, so one decision never shifts another.
    this.#rng = [0, 1, 2, 3].map((k) => new SeededRandom(shape.seed * 4 + k));
    this.counters = emptyCounters();
  }

  /** A packet read from direction `from`'s device at `now`: queued (true) or dropped or ignored (false). */
  arrive(from: 0 | 1, packet: Uint8Array, now: number): boolean {
    const proto = packet[9];
    if (packet.length < 20 || packet[0] >> 4 !== 4 || (proto !== 6 && proto !== 17)) {
      this.counters.ignored++;
      return false;
    }
    if (this.#rng[from].chance(this.#shape.lossPercent)) {
      if (proto === 6) this.counters.droppedTcp++;
      else this.counters.droppedUdp++;
      return false;
    }
    const due = now + this.#shape.delayMs + (this.#rng[2 + from].nextFloat() * 2 - 1) * this.#shape.jitterMs;
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1].due > due) i--;
    this.queue.splice(i, 0, { due, to: this.#fds[1 - from], packet });
    return true;
  }

  /** Removes and returns the packets due by `now`, in due order. */
  takeDue(now: number): InFlight[] {
    let k = 0;
    while (k < this.queue.length && this.queue[k].due <= now) k++;
    return this.queue.splice(0, k);
  }
}

function emptyCounters(): LinkCounters {
  return { forwarded: 0, droppedTcp: 0, droppedUdp: 0, ignored: 0, writeErrors: 0, cpuUs: 0 };
}

function forwarder(): void {
  const shaper = new LinkShaper([Number(process.env.UTP_TUN_CLIENT), Number(process.env.UTP_TUN_SERVER)],
    { delayMs: 20, jitterMs: 5, lossPercent: 0, seed: 1 });
  let timer: NodeJS.Timeout | null = null;
  let timerDue = Infinity;
  const release = (): void => {
    timer = null;
    timerDue = Infinity;
    // Timers fire on whole milliseconds: a packet due within a quarter of one leaves now rather than a tick late.
    for (const p of shaper.takeDue(performance.now() + 0.25)) {
      try {
        writeSync(p.to, p.packet);
        shaper.counters.forwarded++;
      } catch {
        shaper.counters.writeErrors++; // the other device is not up yet
      }
    }
    arm();
  };
  const arm = (): void => {
    const q = shaper.queue;
    if (q.length === 0 || (timer && q[0].due >= timerDue)) return;
    if (timer) clearTimeout(timer);
    timerDue = q[0].due;
    timer = setTimeout(release, Math.max(0, timerDue - performance.now()));
  };
  readPackets(Number(process.env.UTP_TUN_CLIENT), (p) => { if (shaper.arrive(0, p, performance.now())) arm(); });
  readPackets(Number(process.env.UTP_TUN_SERVER), (p) => { if (shaper.arrive(1, p, performance.now())) arm(); });

  process.on('message', (m: Msg) => {
    if (m.type === 'shape') {
      const c = process.cpuUsage();
      const done = { ...shaper.counters, cpuUs: c.user + c.system };
      shaper.reshape({ delayMs: m.delayMs as number, jitterMs: m.jitterMs as number, lossPercent: m.lossPercent as number, seed: m.seed as number });
      reply({ type: 'shaped', counters: done });
    }
  });
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
}

/**
 * Calls `onPacket` with every packet the TUN device `fd` emits (one per read). Wrapped as a stream handle, the
 * descriptor is watched by the event loop (epoll); Node's public API offers only thread-pool reads for a character
 * device, which cost about 2.5× the CPU per packet and add a thread hand-off, so those are the fallback.
 */
function readPackets(fd: number, onPacket: (packet: Buffer) => void): void {
  try {
    const { Pipe, constants } = (process as unknown as { binding(name: string): any }).binding('pipe_wrap');
    const handle = new Pipe(constants.SOCKET);
    if (handle.open(fd) === 0) {
      const stream = new Socket({ handle, readable: true, writable: false });
      stream.on('data', onPacket);
      stream.on('error', (err) => { throw err; });
      return;
    }
  } catch { /* fall back to the thread pool */ }
  const buf = Buffer.allocUnsafe(65_536);
  const next = (): void => read(fd, buf, 0, buf.length, null, (err, n) => {
    if (err) throw err;
    onPacket(Buffer.from(buf.subarray(0, n)));
    next();
  });
  next();
}

if (process.argv[1] === SELF && process.send) {
  reportChildErrors();
  forwarder();
}
