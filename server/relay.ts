// The relay behind relay.html ("Host in this tab"): an in-process RelayServer on UDP, WebSocket and WebRTC (the
// game's port + 2 with `npm start`; WebRTC's signalling on the WebSocket's port, its ICE on the next UDP port) and
// its allocation API, served by the game's HTTP server under /relay/v1/ (same origin
// as the page, so no CORS and no second HTTP port). The API has no authentication, so by default it answers
// requests from this computer only, even when the game listens on the LAN.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';
import { NetworkEndpoint } from '../plugin/transport/api/endpoint.ts';
import { UtpSocketError } from '../plugin/transport/api/errors.ts';
import { AllocationApi, DEFAULT_ALLOCATION_BURST, DEFAULT_ALLOCATIONS_PER_SECOND, RateLimiter, RelayServer, type RelayServerEndpointJson } from '../plugin/relay/node.ts';

/** Where the allocation API is mounted on the game's HTTP server. */
export const RELAY_API_PREFIX = '/relay';

export interface DemoRelayOptions {
  /** Port of the relay, UDP and WebSocket (TCP) alike; 0 picks free ports. Default 2569. */
  port?: number;
  /**
   * Serve browsers over WebRTC data channels: signalling on the WebSocket port, ICE and DTLS on the UDP port
   * `icePort`. Default true; without the node-datachannel package the relay logs one line and serves WebSocket only.
   */
  webRtc?: boolean;
  /** UDP port of WebRTC's ICE (every peer shares it); default `port` + 1 (2570), or an ephemeral one with port 0. */
  icePort?: number;
  /** Address to bind (numeric, or `localhost`); default 127.0.0.1; `::` binds all IPv4 interfaces. */
  host?: string;
  /**
   * Answer allocation requests from other machines too. Default false: only requests from a loopback address
   * (and, through a local proxy such as Vite's, whose last `X-Forwarded-For` hop is one) are served; others get 403.
   */
  publicApi?: boolean;
  /**
   * Host put in allocations' endpoints. Default: the host name the page was loaded from (the request's Host
   * header), so the WebSocket endpoint is one the browser can reach (`localhost`, a LAN address…).
   */
  publicHost?: string;
}

export interface DemoRelay {
  readonly relay: RelayServer;
  readonly udpPort: number;
  readonly wsPort: number;
  /** UDP port of WebRTC's ICE (0: an ephemeral port per peer), or null when the relay has no WebRTC. */
  readonly icePort: number | null;
  /** The per-address allocation limit of the API (its `refused` counts the 429s). */
  readonly allocationLimiter: RateLimiter;
  /** Serves `/relay/v1/*` (the allocation API); false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  close(): void;
}

export async function startDemoRelay(options: DemoRelayOptions = {}): Promise<DemoRelay> {
  const host = options.host === undefined || options.host === 'localhost' ? '127.0.0.1' : options.host === '::' ? '0.0.0.0' : options.host;
  const at = NetworkEndpoint.tryParse(host, options.port ?? 2569);
  if (!at) throw new Error(`the relay binds to a numeric address, not '${options.host}'`);
  const relay = new RelayServer();
  let udpPort: number, wsPort: number;
  let icePort: number | null = null;
  try {
    udpPort = (await relay.listenUdp(at)).port;
    wsPort = (await relay.listenWebSocket(at)).port;
    if (options.webRtc !== false) icePort = await listenWebRtc(relay, at, options.icePort ?? (at.port ? at.port + 1 : 0));
  } catch (err) {
    relay.dispose();
    throw err;
  }
  relay.start(250);
  const load = (): unknown => relay.load;
  // One limit for every request (each gets an AllocationApi naming the host the page was loaded from).
  const limiter = new RateLimiter(DEFAULT_ALLOCATIONS_PER_SECOND, DEFAULT_ALLOCATION_BURST);
  return {
    relay,
    udpPort,
    wsPort,
    icePort,
    allocationLimiter: limiter,
    handle(req, res) {
      const url = req.url ?? '/';
      if (!url.startsWith(`${RELAY_API_PREFIX}/v1/`)) return false;
      if (!options.publicApi && !fromThisComputer(req)) {
        res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 403, title: 'Forbidden', detail: LOCAL_ONLY }));
        return true;
      }
      req.url = url.slice(RELAY_API_PREFIX.length);
      const host = options.publicHost ?? requestHost(req);
      const api = new AllocationApi({ store: relay.store, serverEndpoints: () => endpointsFor(relay, host), load, limiter });
      void api.handle(req, res);
      return true;
    },
    close() {
      relay.dispose();
    },
  };
}

/** WebRTC on `relay`'s WebSocket port, ICE on `icePort` at the relay's address; null without node-datachannel. */
async function listenWebRtc(relay: RelayServer, at: NetworkEndpoint, icePort: number): Promise<number | null> {
  try {
    await relay.listenWebRtc({ icePort, iceAddress: at.isAny ? undefined : at.address });
    return icePort;
  } catch (err) {
    if (!(err instanceof UtpSocketError)) throw err;
    console.info(`relay demo: WebRTC is off (${err.message}); pages use the WebSocket`);
    return null;
  }
}

const LOCAL_ONLY = 'this relay hands out allocations to its own computer only: start the server with '
  + '--public-relay-api to let other machines host and join (the allocation API has no authentication)';

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.trim().replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/**
 * Whether a request comes from this computer: its socket's peer is a loopback address and, if a proxy on this
 * computer forwarded it, the hop that proxy added (the last of `X-Forwarded-For`; earlier ones are the client's
 * word) is one too.
 */
export function fromThisComputer(req: IncomingMessage): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  const forwarded = req.headers['x-forwarded-for'];
  if (forwarded === undefined) return true;
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded).split(',');
  return isLoopbackAddress(hops[hops.length - 1]);
}

/** The host name of the request's Host header (`localhost` of `localhost:2567`), if it is a usable one. */
function requestHost(req: IncomingMessage): string | undefined {
  try {
    const name = new URL(`http://${req.headers.host ?? ''}`).hostname;
    return name && !name.startsWith('[') ? name : undefined; // IPv6 literals: keep the relay's own address
  } catch {
    return undefined;
  }
}

/**
 * The relay's endpoints with `host` in them: WebSocket takes any host name; UDP needs a numeric address, so it
 * takes `host` only when it is an IPv4 address and otherwise keeps the bound one (127.0.0.1 for 0.0.0.0).
 */
export function endpointsFor(relay: RelayServer, host: string | undefined): RelayServerEndpointJson[] {
  return relay.serverEndpoints().map((e) => {
    if (host === undefined) return e;
    if (e.connectionType === 'ws') return { ...e, host };
    return isIPv4(host) ? { ...e, host } : e;
  });
}
