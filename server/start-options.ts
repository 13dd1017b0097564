// The options `npm start` (server/main.ts) and `npm run dev` (server/dev.ts) share, and the one line either
// prints when it cannot start. Defaults suit a laptop: this computer only (127.0.0.1); `--host 0.0.0.0` serves
// the LAN. The relay of relay.html sits at --port + 2 unless told otherwise, so moving the game moves the relay.
import { parseArgs } from 'node:util';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export const DEFAULT_PORT = 2567;
export const DEFAULT_HOST = '127.0.0.1';
/** The relay's port is the game's plus this, unless `--relay-port` says otherwise. */
export const RELAY_PORT_OFFSET = 2;

export interface StartOptions {
  /** HTTP, WebSocket and UDP of the game (0 = any free port). */
  port: number;
  /** Address to listen on, as given; undefined for the default (`DEFAULT_HOST`, shown as localhost). */
  host: string | undefined;
  /** Round length in seconds, when given. */
  roundSeconds?: number;
  /** The relay's port (UDP and WebSocket), or null with `--no-relay`. */
  relayPort: number | null;
  /** Whether `relayPort` came from `--relay-port` (else it follows `port`). */
  relayPortGiven: boolean;
  /** Serve the relay's allocation API (no authentication) to other machines too. */
  publicRelayApi: boolean;
}

export const START_USAGE = `options:
  --port N              game port: HTTP, WebSocket and UDP (default ${DEFAULT_PORT}, or PORT)
  --host ADDR           address to listen on (default ${DEFAULT_HOST}: this computer only; 0.0.0.0 serves your LAN)
  --round SECONDS       round length (default 120)
  --relay-port N        relay demo's port, UDP and WebSocket (default: game port + ${RELAY_PORT_OFFSET})
  --no-relay            no relay demo
  --public-relay-api    let other machines use the relay's allocation API (it has no authentication;
                        without this it answers this computer only)`;

/** A bad command line: print the message and the usage, exit 2. */
export class StartUsageError extends Error {}

/** Parses `argv` (without node and the script); returns null for `--help`. */
export function parseStartOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): StartOptions | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        round: { type: 'string' },
        'relay-port': { type: 'string' },
        'no-relay': { type: 'boolean' },
        'public-relay-api': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new StartUsageError((err as Error).message);
  }
  if (values.help) return null;
  const port = portNumber(values.port ?? env.PORT ?? String(DEFAULT_PORT), '--port');
  const host = values.host;
  if (host === '') throw new StartUsageError('--host needs an address, e.g. --host 0.0.0.0');
  const relayPortGiven = values['relay-port'] !== undefined;
  let relayPort: number | null = null;
  if (!values['no-relay']) {
    relayPort = relayPortGiven ? portNumber(values['relay-port']!, '--relay-port') : port === 0 ? 0 : port + RELAY_PORT_OFFSET;
    if (relayPort > 65535) throw new StartUsageError(`--port ${port} leaves no room for the relay at ${relayPort}: give --relay-port, or --no-relay`);
    if (relayPort !== 0 && relayPort === port) throw new StartUsageError(`--relay-port must differ from --port (${port})`);
  }
  let roundSeconds: number | undefined;
  if (values.round !== undefined) {
    roundSeconds = Number(values.round);
    if (!Number.isInteger(roundSeconds) || roundSeconds < 5) throw new StartUsageError(`--round takes whole seconds, at least 5; got '${values.round}'`);
  }
  return { port, host, roundSeconds, relayPort, relayPortGiven, publicRelayApi: values['public-relay-api'] === true };
}

function portNumber(text: string, name: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 65535) throw new StartUsageError(`${name} takes a port number 0..65535, got '${text}'`);
  return n;
}

/** Whether listening on `host` (undefined: the default) keeps the server on this computer. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host === undefined || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Which part of the server failed to start, and why (see `startGameServer`). */
export class StartError extends Error {
  readonly part: 'game' | 'relay';
  override readonly cause: unknown;
  constructor(part: 'game' | 'relay', cause: unknown) {
    super(`${part}: ${(cause as Error)?.message ?? cause}`);
    this.part = part;
    this.cause = cause;
  }
}

/** Whether `err` (or what it wraps) is a port already in use. */
export function isPortInUse(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(String(e.message))) return true;
  }
  return false;
}

/**
 * The one line to print when the server could not start. For a port in use it names a free port to try
 * instead (the game's and, when it follows, the relay's are both checked), so following the hint works.
 */
export async function describeStartError(err: unknown, o: StartOptions, name = 'utp-ts arena'): Promise<string> {
  const part = err instanceof StartError ? err.part : 'game';
  const cause = err instanceof StartError ? err.cause : err;
  const message = String((cause as Error)?.message ?? cause).split('\n')[0];
  const host = o.host ?? DEFAULT_HOST;
  if (!isPortInUse(cause)) return `${name}: cannot start the ${part === 'relay' ? 'relay demo' : 'server'} on ${host}: ${message}`;
  if (part === 'relay' && o.relayPortGiven) {
    const free = await findFreePort(host, o.relayPort! + 1, [], [o.port]);
    return `${name}: the relay demo's port ${o.relayPort} is in use; try ${free === null ? 'another --relay-port' : `--relay-port ${free}`}, or --no-relay`;
  }
  const offsets = o.relayPort !== null && !o.relayPortGiven ? [RELAY_PORT_OFFSET] : [];
  const free = await findFreePort(host, o.port + 1, offsets, o.relayPortGiven && o.relayPort !== null ? [o.relayPort] : []);
  const what = part === 'relay' ? `the relay demo's port ${o.relayPort} (--port + ${RELAY_PORT_OFFSET})` : `port ${o.port}`;
  return `${name}: ${what} is in use (is another server running?); try ${free === null ? 'another --port' : `--port ${free}`}${part === 'relay' ? ', or --no-relay' : ''}`;
}

/**
 * The first port from `from` (at most 50 tried) where TCP and UDP are free on `host`, and also at `port + k` for
 * each k of `alsoOffsets`, avoiding `avoid`; null when none is.
 */
export async function findFreePort(host: string, from: number, alsoOffsets: number[] = [], avoid: number[] = []): Promise<number | null> {
  for (let p = from; p < from + 50 && p + Math.max(0, ...alsoOffsets) <= 65535; p++) {
    const ports = [p, ...alsoOffsets.map((k) => p + k)];
    if (ports.some((q) => avoid.includes(q))) continue;
    let ok = true;
    for (const q of ports) if (!(ok = await portFree(host, q))) break;
    if (ok) return p;
  }
  return null;
}

/** Whether TCP and UDP can both bind `host:port` right now (both are released at once). */
async function portFree(host: string, port: number): Promise<boolean> {
  const tcp = createServer();
  const tcpOk = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen(port, host, () => resolve(true));
  });
  if (tcpOk) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  if (!tcpOk) return false;
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const udpOk = await new Promise<boolean>((resolve) => {
    udp.once('error', () => resolve(false));
    udp.bind(port, host === 'localhost' ? '127.0.0.1' : host, () => resolve(true));
  });
  await new Promise<void>((resolve) => { try { udp.close(() => resolve()); } catch { resolve(); } });
  return udpOk;
}
