import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NetworkEndpoint } from '../../transport/api/endpoint.ts';
import { UtpSocketError } from '../../transport/api/errors.ts';
import type { AllocationStore, RelayAllocation } from './allocations.ts';
import { bytesToUuid, toBase64, uuidBytes, type RelayAllocationJson, type RelayServerEndpointJson } from '../client/server-data.ts';
import { allocationIdHex } from '../wire/messages.ts';
import { plainAddress } from '../../transport/api/address.ts';
import { RateLimiter } from '../../transport/api/rate-limiter.ts';

/** Options of `AllocationApi`. */
export interface AllocationApiOptions {
  /** The allocations (share the relay server's `store`). */
  store: AllocationStore;
  /** The relay's `serverEndpoints` (asked per request, so the relay may bind after the API). */
  serverEndpoints: () => RelayServerEndpointJson[];
  /** The `region` reported in allocations. Default `'local'`. */
  region?: string;
  /** `maxConnections` when a request gives none. Default 10. */
  defaultMaxConnections?: number;
  /** Largest `maxConnections` accepted. Default 100 (Unity's limit). */
  maxConnectionsLimit?: number;
  /** Live allocations beyond which `allocate` answers 503. Default 10 000. */
  maxAllocations?: number;
  /** Milliseconds clock for creation times; must match the relay server's. Default `performance.now`. */
  clock?: () => number;
  /** Served as JSON on `GET /v1/load` when given (e.g. `() => relay.load`). */
  load?: () => unknown;
  /**
   * Allocations created (`allocate` and `join`) per client address (the socket's, never a header's): default 2 per
   * second, bursts of 32, beyond it 429. Pass one limiter to several `AllocationApi`s to share it; null disables.
   */
  limiter?: RateLimiter | null;
  /** Largest request body; a larger one is answered 413 and its connection closed without reading it. Default 16 KiB. */
  maxBodyBytes?: number;
  /** `listen()`'s own server: a client that has not sent its headers within this many ms gets 408. Default 10 000 (Node's 60 s). */
  headersTimeoutMS?: number;
  /** `listen()`'s own server: a client that has not sent its whole request within this many ms gets 408. Default 30 000. */
  requestTimeoutMS?: number;
}

/** An API failure: HTTP status and a message, sent as `{ status, title, detail }`. */
export class AllocationApiError extends Error {
  /** The HTTP status answered (400, 404, 413, 503…). */
  readonly status: number;
  /** An error answered with HTTP `status` and `detail` as its message. */
  constructor(status: number, detail: string) {
    super(detail);
    this.status = status;
  }
}

/** Default rate of `AllocationApiOptions.limiter`: allocations per second per client address. */
export const DEFAULT_ALLOCATIONS_PER_SECOND = 2;
/** Default burst of `AllocationApiOptions.limiter`: allocations one client address may create at once. */
export const DEFAULT_ALLOCATION_BURST = 32;

/**
 * The allocation service of a self-hosted relay, shaped like Unity's Relay allocations API so that the
 * same client code works against either:
 *
 * - `POST /v1/allocate` `{ maxConnections, region? }` → 201 `{ data: { allocation } }`
 * - `POST /v1/joincode` `{ allocationId }` → 200 `{ data: { joinCode } }` (the same code on every call)
 * - `POST /v1/join` `{ joinCode }` → 200 `{ data: { allocation } }` with `hostConnectionData`; 404 for an
 *   unknown or expired code (codes die with their host allocation)
 * - `GET /v1/load` → the relay's load, when configured
 *
 * Allocations carry `allocationId` (UUID), `allocationIdBytes`, `key`, `connectionData` (base64) and
 * `serverEndpoints[]`, so `RelayServerData.fromAllocation(json.data.allocation, 'udp')` builds relay data
 * from either service. No authentication: put it behind your own gateway if the relay is public.
 */
export class AllocationApi {
  readonly #o: Required<Omit<AllocationApiOptions, 'load' | 'limiter'>> & { load?: () => unknown };
  /** The per-address allocation limit (its `refused` counts the 429s); null when disabled. */
  readonly limiter: RateLimiter | null;
  #server: Server | null = null;

  /** The allocation API over `options.store`; `listen` serves it over HTTP, or call `allocate`/`join` directly. */
  constructor(options: AllocationApiOptions) {
    this.#o = {
      region: 'local', defaultMaxConnections: 10, maxConnectionsLimit: 100, maxAllocations: 10_000,
      clock: () => performance.now(), maxBodyBytes: 16 * 1024, headersTimeoutMS: 10_000, requestTimeoutMS: 30_000, ...options,
    };
    this.limiter = options.limiter === undefined ? new RateLimiter(DEFAULT_ALLOCATIONS_PER_SECOND, DEFAULT_ALLOCATION_BURST) : options.limiter;
  }

  /** Serves the API on its own HTTP server; resolves with the bound endpoint's port. */
  async listen(endpoint: NetworkEndpoint): Promise<number> {
    const { headersTimeoutMS, requestTimeoutMS } = this.#o;
    const server = createServer({
      headersTimeout: headersTimeoutMS, requestTimeout: requestTimeoutMS,
      connectionsCheckingInterval: Math.min(1000, headersTimeoutMS),
    }, (req, res) => { void this.handle(req, res); });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(new UtpSocketError(`cannot bind HTTP ${endpoint}: ${err.message}`, err));
      server.once('error', onError);
      server.listen(endpoint.port, endpoint.address, () => { server.off('error', onError); resolve(); });
    });
    this.#server = server;
    const a = server.address();
    return typeof a === 'object' && a ? a.port : endpoint.port;
  }

  /** Stops listening. */
  close(): void {
    const s = this.#server;
    this.#server = null;
    if (s) { s.close(); s.closeAllConnections(); }
  }

  /** Handles one request (mount it on an existing server with `server.on('request', …)`). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Access-Control-Allow-Origin', '*'); // browsers host and join through Relay (§2.3)
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    try {
      const path = (req.url ?? '/').replace(/\?.*$/, '');
      if (req.method === 'OPTIONS') { res.writeHead(204).end(); return; }
      if (path === '/v1/load' && req.method === 'GET' && this.#o.load) return send(res, 200, this.#o.load());
      const routes: Record<string, 'allocate' | 'joincode' | 'join'> = { '/v1/allocate': 'allocate', '/v1/joincode': 'joincode', '/v1/join': 'join' };
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      if (!route) throw new AllocationApiError(404, `no such endpoint: ${path}`);
      if (req.method !== 'POST') throw new AllocationApiError(405, `${path} takes POST`);
      if (route !== 'joincode' && this.limiter && !this.limiter.allow(plainAddress(req.socket?.remoteAddress ?? ''), this.#o.clock())) {
        throw new AllocationApiError(429, 'too many allocations from this address: try again in a few seconds');
      }
      const body = await readJson(req, this.#o.maxBodyBytes);
      if (route === 'allocate') {
        return send(res, 201, { meta: {}, data: { allocation: this.allocate(body.maxConnections as number | undefined, body.region as string | undefined) } });
      }
      if (route === 'joincode') return send(res, 200, { meta: {}, data: { joinCode: this.createJoinCode(body.allocationId as string) } });
      return send(res, 200, { meta: {}, data: { allocation: this.join(body.joinCode as string) } });
    } catch (err) {
      const e = err instanceof AllocationApiError ? err : new AllocationApiError(500, 'internal error');
      send(res, e.status, { status: e.status, title: statusTitle(e.status), detail: e.message });
    }
  }

  /** Creates a host allocation (`POST /v1/allocate`). */
  allocate(maxConnections?: number, region?: string): RelayAllocationJson {
    const max = maxConnections ?? this.#o.defaultMaxConnections;
    if (!Number.isInteger(max) || max < 1 || max > this.#o.maxConnectionsLimit) {
      throw new AllocationApiError(400, `maxConnections must be an integer in 1..${this.#o.maxConnectionsLimit}`);
    }
    if (region !== undefined && typeof region !== 'string') throw new AllocationApiError(400, 'region must be a string');
    const a = this.#create(max, null);
    return this.#json(a);
  }

  /** The join code of a host allocation (`POST /v1/joincode`). */
  createJoinCode(allocationId: string): string {
    let key: string;
    try { key = allocationIdHex(uuidBytes(allocationId)); } catch { throw new AllocationApiError(400, 'allocationId must be a UUID'); }
    const a = this.#o.store.byIdKey(key);
    if (!a) throw new AllocationApiError(404, 'allocation not found (expired?)');
    return this.#o.store.joinCodeFor(a);
  }

  /** A join allocation for a join code (`POST /v1/join`). */
  join(joinCode: string): RelayAllocationJson {
    if (typeof joinCode !== 'string' || !joinCode.trim()) throw new AllocationApiError(400, 'joinCode is required');
    const host = this.#o.store.resolveJoinCode(joinCode);
    if (!host) throw new AllocationApiError(404, 'join code not found (expired?)');
    return this.#json(this.#create(this.#o.defaultMaxConnections, host.connectionData), host);
  }

  #create(maxConnections: number, hostConnectionData: Uint8Array | null): RelayAllocation {
    if (this.#o.store.size >= this.#o.maxAllocations) throw new AllocationApiError(503, 'the relay is full');
    return this.#o.store.create({ maxConnections, hostConnectionData, region: this.#o.region, now: this.#o.clock() });
  }

  #json(a: RelayAllocation, host?: RelayAllocation): RelayAllocationJson {
    const endpoints = this.#o.serverEndpoints();
    const udp = endpoints.find((e) => e.connectionType === 'udp');
    return {
      allocationId: bytesToUuid(a.id),
      allocationIdBytes: toBase64(a.id),
      serverEndpoints: endpoints,
      ...(udp ? { relayServer: { ipV4: udp.host, port: udp.port } } : {}),
      key: toBase64(a.key),
      connectionData: toBase64(a.connectionData),
      ...(host ? { hostConnectionData: toBase64(host.connectionData) } : {}),
      region: a.region,
    };
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // A refused body is left unread: closing the connection (after the answer) is the only way to be rid of it.
  const close = status === 413 ? { Connection: 'close' } : {};
  res.writeHead(status, { 'Content-Type': 'application/json', ...close }).end(JSON.stringify(body));
}

/** The request's JSON object; 413 as soon as the body (announced or received) exceeds `limit`, 400 if not JSON. */
async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const tooLarge = () => new AllocationApiError(413, `request body over ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) { chunks.push(chunk); return; }
      req.off('data', onData).pause();
      reject(tooLarge());
    };
    req.on('data', onData).once('end', resolve).once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let v: unknown;
  try { v = JSON.parse(text); } catch { throw new AllocationApiError(400, 'request body is not JSON'); }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AllocationApiError(400, 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

function statusTitle(status: number): string {
  return ({ 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 429: 'Too Many Requests', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Internal Server Error';
}
