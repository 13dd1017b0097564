import { isIPv4, isIPv6 } from './ip.ts';
import { UtpError } from './errors.ts';

/** Mirrors `NetworkFamily` (spec §8.3). */
export const NetworkFamily = {
  /** 0: no valid address. */
  Invalid: 0,
  /** 2: an IPv4 address. */
  Ipv4: 2,
  /** 23: an IPv6 address. */
  Ipv6: 23,
  /** 255: an opaque address of a user-written carrier (WebRTC peers, Relay peers, test harnesses). */
  Custom: 255,
} as const;
export type NetworkFamily = (typeof NetworkFamily)[keyof typeof NetworkFamily];

/**
 * An address and port. Mirrors UTP's `NetworkEndpoint`: `NetworkEndpoint.parse('127.0.0.1', 7777)`,
 * `NetworkEndpoint.anyIpv4.withPort(7777)`, `NetworkEndpoint.loopbackIpv6`. Immutable.
 *
 * `Custom` endpoints carry an opaque address string for user-written carriers (WebRTC, test harnesses).
 */
export class NetworkEndpoint {
  /** `Ipv4`, `Ipv6` or `Custom` (`parse` throws rather than return `Invalid`). Mirrors `NetworkEndpoint.Family`. */
  readonly family: NetworkFamily;
  /** Textual address: dotted IPv4, compressed IPv6 (no brackets), or a custom carrier's address. */
  readonly address: string;
  /** Port number, 0..65535 (0: any, when binding). Mirrors `NetworkEndpoint.Port`. */
  readonly port: number;

  private constructor(family: NetworkFamily, address: string, port: number) {
    this.family = family;
    this.address = address;
    this.port = port;
  }

  /** Mirrors `NetworkEndpoint.AnyIpv4` (0.0.0.0:0). */
  static readonly anyIpv4 = new NetworkEndpoint(NetworkFamily.Ipv4, '0.0.0.0', 0);
  /** Mirrors `NetworkEndpoint.LoopbackIpv4` (127.0.0.1:0). */
  static readonly loopbackIpv4 = new NetworkEndpoint(NetworkFamily.Ipv4, '127.0.0.1', 0);
  /** Mirrors `NetworkEndpoint.AnyIpv6` ([::]:0). */
  static readonly anyIpv6 = new NetworkEndpoint(NetworkFamily.Ipv6, '::', 0);
  /** Mirrors `NetworkEndpoint.LoopbackIpv6` ([::1]:0). */
  static readonly loopbackIpv6 = new NetworkEndpoint(NetworkFamily.Ipv6, '::1', 0);

  /**
   * Mirrors `NetworkEndpoint.Parse(address, port, family)`. Accepts IPv4 or IPv6 literals (IPv6 with or
   * without brackets). Throws `UtpError` for anything else: UTP endpoints are numeric, never host names.
   */
  static parse(address: string, port: number, family?: NetworkFamily): NetworkEndpoint {
    const result = NetworkEndpoint.tryParse(address, port, family);
    if (!result) throw new UtpError(`not a numeric ${familyLabel(family)} address: '${address}' port ${port} (resolve host names first)`);
    return result;
  }

  /** Mirrors `NetworkEndpoint.TryParse`: like `parse`, but returns `undefined` instead of throwing. */
  static tryParse(address: string, port: number, family?: NetworkFamily): NetworkEndpoint | undefined {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
    const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    if ((family === undefined || family === NetworkFamily.Ipv4) && isIPv4(bare)) {
      return new NetworkEndpoint(NetworkFamily.Ipv4, bare, port);
    }
    if ((family === undefined || family === NetworkFamily.Ipv6) && isIPv6(bare)) {
      return new NetworkEndpoint(NetworkFamily.Ipv6, bare.toLowerCase(), port);
    }
    return undefined;
  }

  /**
   * Parses `HOST:PORT`, `[V6]:PORT` or a URL-ish `udp://HOST:PORT`. Convenience beyond UTP for command
   * lines and configuration files.
   */
  static fromString(text: string): NetworkEndpoint {
    const s = text.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
    if (!m) throw new UtpError(`expected HOST:PORT or [IPV6]:PORT, got '${text}'`);
    const host = m[1] === 'localhost' ? '127.0.0.1' : m[1];
    return NetworkEndpoint.parse(host, Number(m[2]));
  }

  /** An endpoint for a user-written carrier: any address string, family `Custom`. */
  static custom(address: string, port = 0): NetworkEndpoint {
    return new NetworkEndpoint(NetworkFamily.Custom, address, port);
  }

  /** Mirrors `NetworkEndpoint.WithPort`. */
  withPort(port: number): NetworkEndpoint {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UtpError(`port out of range 0..65535: ${port}`);
    return new NetworkEndpoint(this.family, this.address, port);
  }

  /** Mirrors `NetworkEndpoint.IsValid`. */
  get isValid(): boolean {
    return this.family !== NetworkFamily.Invalid;
  }

  /** Mirrors `NetworkEndpoint.IsAny`. */
  get isAny(): boolean {
    return this.address === '0.0.0.0' || this.address === '::';
  }

  /** Mirrors `NetworkEndpoint.IsLoopback`. */
  get isLoopback(): boolean {
    return this.address.startsWith('127.') || this.address === '::1';
  }

  /** Address without port, as UTP's `Address` property prints it. */
  get addressText(): string {
    return this.family === NetworkFamily.Ipv6 ? `[${this.address}]` : this.address;
  }

  /** Same family, address and port. */
  equals(other: NetworkEndpoint): boolean {
    return this.family === other.family && this.address === other.address && this.port === other.port;
  }

  /** `127.0.0.1:7777`, `[::1]:7777` (compressed IPv6; UTP's own text form is uncompressed, §6.2.1). */
  toString(): string {
    return `${this.addressText}:${this.port}`;
  }
}

function familyLabel(family?: NetworkFamily): string {
  return family === NetworkFamily.Ipv6 ? 'IPv6' : family === NetworkFamily.Ipv4 ? 'IPv4' : 'IPv4 or IPv6';
}
