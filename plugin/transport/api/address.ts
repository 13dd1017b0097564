// Addresses as carriers and servers see them, turned into what UTP works with: numeric endpoints. Browser-safe:
// `node:dns` is loaded only when a host name has to be resolved (Node only).
import { NetworkEndpoint } from './endpoint.ts';

/** `::ffff:127.0.0.1` (a dual-stack socket's view of an IPv4 peer) → `127.0.0.1`; anything else unchanged. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The endpoint of a peer a carrier reports: numeric when the address is an IP literal, else a `Custom` one. */
export function endpointFromAddress(address: string, port: number): NetworkEndpoint {
  return NetworkEndpoint.tryParse(address, port) ?? NetworkEndpoint.custom(address, port);
}

/**
 * A numeric address for `host`: an IP literal (brackets allowed) as it is, `localhost` as 127.0.0.1, a name through
 * the system resolver, IPv4 preferred (servers bind UDP on IPv4 by default). Rejects with the resolver's error.
 */
export async function resolveHost(host: string): Promise<string> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (NetworkEndpoint.tryParse(bare, 0)) return bare;
  if (bare === 'localhost') return '127.0.0.1';
  const name = ['node', 'dns/promises'].join(':'); // computed: browser bundles never include it
  const dns = (await import(/* @vite-ignore */ name)) as typeof import('node:dns/promises');
  const all = await dns.lookup(bare, { all: true });
  return (all.find((a) => a.family === 4) ?? all[0]).address;
}
