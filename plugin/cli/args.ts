import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveHost } from '../transport/api/address.ts';
import { NetworkEndpoint } from '../transport/api/endpoint.ts';

/** Exit codes shared by every `utp` subcommand (documented in `utp --help`). */
export const ExitCode = {
  /** Success, or a clean stop on Ctrl-C / SIGTERM. */
  Ok: 0,
  /** A runtime failure: cannot bind, no answer, disconnected, no reply at all. */
  Failure: 1,
  /** Bad command line, or a feature that is not available yet. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command-line mistake: printed as `utp CMD: message` plus a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** Whether to add "Try 'utp CMD --help'." (not for "not available yet" messages). */
  readonly hint: boolean;
  constructor(message: string, hint = true) {
    super(message);
    this.hint = hint;
  }
}

/** Where a subcommand writes; tests and embedders can pass their own. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Output = {
  out: (line) => { process.stdout.write(line + '\n'); },
  err: (line) => { process.stderr.write(line + '\n'); },
};

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** `node:util` parseArgs in strict mode, with its errors turned into `UsageError`s. */
export function parse(argv: string[], options: Options, allowPositionals = false): Parsed {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as Parsed['values'], positionals: r.positionals };
  } catch (err) {
    // parseArgs messages are already readable ("Unknown option '--x'…"); drop its own hints about `--`.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** Reads an integer option in `min..max`, or `fallback` when absent. */
export function intOption(values: Parsed['values'], name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`;
    throw new UsageError(`--${name} must be ${range}, got '${text}'`);
  }
  return n;
}

/** Reads a string option, or `fallback` when absent. */
export function stringOption(values: Parsed['values'], name: string): string | undefined;
export function stringOption(values: Parsed['values'], name: string, fallback: string): string;
export function stringOption(values: Parsed['values'], name: string, fallback?: string): string | undefined {
  const raw = values[name];
  return raw === undefined ? fallback : String(raw);
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The lower-case scheme of `scheme://…`, or undefined when `text` has none. */
export function urlScheme(text: string): string | undefined {
  return SCHEME.exec(text)?.[1].toLowerCase();
}

/**
 * Parses `HOST:PORT`, `[V6]:PORT` or `udp://HOST:PORT` (host names are resolved with the system resolver).
 * `what` names the argument in error messages; other schemes are usage errors.
 */
export async function resolveUdpEndpoint(text: string, what: string): Promise<NetworkEndpoint> {
  const scheme = urlScheme(text);
  if (scheme !== undefined && scheme !== 'udp') {
    const hint = scheme === 'ws' || scheme === 'wss' ? 'WebSocket listeners take --ws' : 'use udp://HOST:PORT';
    throw new UsageError(`${what}: unsupported scheme '${scheme}://' in '${text}' (${hint})`);
  }
  const rest = text.replace(SCHEME, '').replace(/\/$/, '');
  return resolveHostPort(rest, text, what, 'HOST:PORT, [IPV6]:PORT or udp://HOST:PORT');
}

/** A WebSocket listener of `utp echo --ws`: where to bind and the path clients upgrade on. */
export interface WsListener {
  endpoint: NetworkEndpoint;
  /** Begins with `/`; `/` by default, like UTP's `WebSocketParameters`. */
  path: string;
}

/** Parses `HOST:PORT[/PATH]`, `[V6]:PORT[/PATH]` or `ws://HOST:PORT[/PATH]`; `wss://` is refused (no TLS options). */
export async function resolveWsListener(text: string, what: string): Promise<WsListener> {
  const scheme = urlScheme(text);
  if (scheme === 'wss') {
    throw new UsageError(`${what}: wss:// is not supported: utp echo serves ws:// (put a TLS proxy in front for wss://)`);
  }
  if (scheme !== undefined && scheme !== 'ws') throw new UsageError(`${what}: unsupported scheme '${scheme}://' in '${text}' (use ws://HOST:PORT[/PATH])`);
  const rest = text.replace(SCHEME, '');
  const slash = rest.indexOf('/', rest.startsWith('[') ? Math.max(0, rest.indexOf(']')) : 0);
  const path = slash < 0 ? '/' : rest.slice(slash);
  const endpoint = await resolveHostPort(slash < 0 ? rest : rest.slice(0, slash), text, what, 'HOST:PORT[/PATH], [IPV6]:PORT[/PATH] or ws://HOST:PORT[/PATH]');
  return { endpoint, path };
}

/** A `ws://` or `wss://` URL for `utp ping`: the URL to open and its form for output lines. */
export interface WsTarget {
  href: string;
  /** `ws://127.0.0.1:7777` (a bare `/` path left out), `wss://game.example.com/utp`. */
  display: string;
}

/** Parses the `ws://` / `wss://` URL of `utp ping` (the server's path included; host names stay names). */
export function parseWsUrl(text: string, what: string): WsTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`${what}: not a valid URL: '${text}'`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new UsageError(`${what}: expected ws:// or wss://, got '${text}'`);
  if (u.hash) throw new UsageError(`${what}: a WebSocket URL cannot have a #fragment: '${text}'`);
  const path = u.pathname + u.search;
  return { href: u.href, display: `${u.protocol}//${u.host}${path === '/' ? '' : path}` };
}

/** `HOST:PORT` or `[V6]:PORT` (no scheme, no path) to a numeric endpoint. */
async function resolveHostPort(hostPort: string, text: string, what: string, expected: string): Promise<NetworkEndpoint> {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(hostPort) ?? /^([^:/[\]]+):(\d+)$/.exec(hostPort);
  if (!m) throw new UsageError(`${what}: expected ${expected}, got '${text}'`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`${what}: port out of range 0..65535 in '${text}'`);
  const host = m[1];
  try {
    return NetworkEndpoint.parse(await resolveHost(host), port);
  } catch (err) {
    throw new Error(`${what}: cannot resolve host '${host}': ${(err as Error).message}`);
  }
}

/** `udp://127.0.0.1:7777`, `udp://[::1]:7777`. */
export function udpUrl(endpoint: NetworkEndpoint): string {
  return `udp://${endpoint}`;
}

/** `ws://127.0.0.1:7777` (path `/` left out), `ws://[::1]:7777/utp`. */
export function wsUrl(endpoint: NetworkEndpoint, path = '/'): string {
  return `ws://${endpoint}${path === '/' ? '' : path}`;
}
