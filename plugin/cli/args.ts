import { lookup } from 'node:dns/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { NetworkEndpoint } from '../transport/endpoint.ts';

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

/** Message of `ws://` / `wss://` targets until the WebSocket interface exists. */
export const WS_NOT_AVAILABLE = 'ws:// needs the WebSocket interface (not yet available)';

/**
 * Parses `HOST:PORT`, `[V6]:PORT` or `udp://HOST:PORT` (host names are resolved with the system resolver).
 * `what` names the argument in error messages. `ws://` and `wss://` are refused until the WebSocket
 * interface exists; other schemes are usage errors.
 */
export async function resolveUdpEndpoint(text: string, what: string): Promise<NetworkEndpoint> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1].toLowerCase();
  if (scheme === 'ws' || scheme === 'wss') throw new UsageError(WS_NOT_AVAILABLE.replace('ws://', `${scheme}://`), false);
  if (scheme !== undefined && scheme !== 'udp') throw new UsageError(`${what}: unsupported scheme '${scheme}://' in '${text}' (use udp://HOST:PORT)`);
  const rest = text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/$/, '');
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(rest) ?? /^([^:/[\]]+):(\d+)$/.exec(rest);
  if (!m) throw new UsageError(`${what}: expected HOST:PORT, [IPV6]:PORT or udp://HOST:PORT, got '${text}'`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`${what}: port out of range 0..65535 in '${text}'`);
  const host = m[1] === 'localhost' ? '127.0.0.1' : m[1];
  const direct = NetworkEndpoint.tryParse(host, port);
  if (direct) return direct;
  try {
    const { address } = await lookup(host);
    return NetworkEndpoint.parse(address, port);
  } catch (err) {
    throw new Error(`${what}: cannot resolve host '${host}': ${(err as Error).message}`);
  }
}

/** `udp://127.0.0.1:7777`, `udp://[::1]:7777`. */
export function udpUrl(endpoint: NetworkEndpoint): string {
  return `udp://${endpoint}`;
}
