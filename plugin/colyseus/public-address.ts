// Where a seat sends its client: Colyseus' `publicAddress` (a process's own address in every seat it hands out,
// Redis-shared rooms included), and what each carrier makes of it. UDP cannot be routed by path the way a reverse
// proxy routes HTTP and WebSocket, so with UDP on, the address must be `host:port` and reach this very process.
import { UtpError } from '../transport/index.ts';

/** A `publicAddress` split into host (brackets removed from IPv6) and port. */
export interface PublicAddress {
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
  /** Port number. */
  port: number;
}

/**
 * Reads `host:port` or `[ipv6]:port`. Throws a `UtpError` saying what to write instead for a scheme
 * (`http://…`), a path (`host/2567`, Colyseus Cloud's form, which a proxy routes by path and UDP cannot follow),
 * a missing port, or a port out of range.
 */
export function parsePublicAddress(text: string): PublicAddress {
  const hint = `write each process's own address as host:port, e.g. publicAddress: 'game.example.com:2568'`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new UtpError(`publicAddress '${text}' has a scheme: ${hint}`);
  if (text.includes('/')) {
    throw new UtpError(`publicAddress '${text}' has a path: a proxy can route that for HTTP and WebSocket, but UDP goes straight to one host and port; ${hint}`);
  }
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!m) throw new UtpError(`publicAddress '${text}' has no port: UDP needs one; ${hint}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UtpError(`publicAddress '${text}': port out of range 1..65535`);
  return { host: m[1], port };
}
