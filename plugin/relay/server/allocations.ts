import type { NetworkEndpoint } from '../../transport/api/endpoint.ts';
import { allocationIdHex, ALLOCATION_ID_SIZE, HMAC_KEY_SIZE } from '../wire/messages.ts';

/** One allocation of the self-hosted relay: its credentials, the client bound to it and its joins. */
export class RelayAllocation {
  /** 16 bytes, used in every Relay message. */
  readonly id: Uint8Array;
  /** `id` in lower-case hex (map key, logs). */
  readonly idKey: string;
  /** The 64-byte BIND HMAC key. */
  readonly key: Uint8Array;
  /** Opaque connection data (a random blob here; encrypted by Unity's service). */
  readonly connectionData: Uint8Array;
  /** Join allocations: the host's connection data, as the allocation service hands it out. */
  readonly hostConnectionData: Uint8Array | null;
  /** Most joiners this allocation accepts as a host (`maxConnections` of the allocation request). */
  readonly maxConnections: number;
  /** The region named in its allocation JSON. */
  readonly region: string;
  /** Creation time, in ms on the store's clock. */
  readonly createdAt: number;
  /** Last valid message from the bound client (or creation time): drives expiry. */
  lastSeen: number;
  /** The carrier the bound client talks over; null until a BIND is accepted. */
  carrier: unknown = null;
  /** The bound client's endpoint as the carrier reports it. */
  endpoint: NetworkEndpoint | null = null;
  /** The bound client's IP address ('' until bound). */
  address = '';
  /** The bound client's port (0 until bound). */
  port = 0;
  /** Nonce of the last accepted BIND, -1 before the first. */
  nonce = -1;
  /** The host this allocation joined with CONNECT_REQUEST + ACCEPTED. */
  host: RelayAllocation | null = null;
  /** Allocations joined to this one as their host. */
  readonly joiners = new Set<RelayAllocation>();
  /** The join code handed out for this allocation as a host, null until asked for. */
  joinCode: string | null = null;
  /** When the server last answered this allocation's mismatched client with ERROR 3 (throttled). */
  lastMismatchAt = -Infinity;

  /** A new allocation with a random id, key and connection data; `AllocationStore.create` makes these. */
  constructor(init: { maxConnections: number; hostConnectionData: Uint8Array | null; region: string; now: number }) {
    this.id = randomBytes(ALLOCATION_ID_SIZE);
    this.idKey = allocationIdHex(this.id);
    this.key = randomBytes(HMAC_KEY_SIZE);
    this.connectionData = randomBytes(CONNECTION_DATA_LENGTH);
    this.hostConnectionData = init.hostConnectionData;
    this.maxConnections = init.maxConnections;
    this.region = init.region;
    this.createdAt = init.now;
    this.lastSeen = init.now;
  }

  /** Whether the allocation has bound (its endpoint is known). */
  get bound(): boolean { return this.endpoint !== null; }

  /** Whether a message from `carrier`/`address`/`port` comes from the client bound to this allocation. */
  boundAt(carrier: unknown, address: string, port: number): boolean {
    return this.carrier === carrier && this.port === port && this.address === address && this.endpoint !== null;
  }

  /** The relay-level link between two allocations: one joined the other (spec §7.3 rule 2). */
  linkedTo(other: RelayAllocation): boolean {
    return this.host === other || other.host === this;
  }
}

/** Bytes of connection data we issue; clients zero-pad it to 255 on the wire (spec §7.2). */
const CONNECTION_DATA_LENGTH = 64;
/** Join codes: six characters without look-alikes (0/O, 1/I). */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

/**
 * The allocations of a self-hosted relay, shared by the `RelayServer` (which binds and links them) and the
 * `AllocationApi` (which creates them and issues join codes). Outlives a server instance, so a relay can
 * restart without losing its allocations. Expired ids are remembered for a while, so a late client hears
 * "timed out" (ERROR 1) rather than "not found" (ERROR 4).
 */
export class AllocationStore {
  readonly #byId = new Map<string, RelayAllocation>();
  readonly #byData = new Map<string, RelayAllocation>();
  readonly #codes = new Map<string, RelayAllocation>();
  /** Expired ids and connection-data keys, with expiry time. */
  readonly #tombstones = new Map<string, number>();

  /** Live allocations. */
  get size(): number { return this.#byId.size; }

  /** The live allocations. */
  [Symbol.iterator](): IterableIterator<RelayAllocation> { return this.#byId.values(); }

  /** A new allocation with fresh id, key and connection data. */
  create(init: { maxConnections: number; hostConnectionData?: Uint8Array | null; region?: string; now: number }): RelayAllocation {
    const a = new RelayAllocation({ maxConnections: init.maxConnections, hostConnectionData: init.hostConnectionData ?? null, region: init.region ?? 'local', now: init.now });
    this.#byId.set(a.idKey, a);
    this.#byData.set(dataKey(a.connectionData), a);
    return a;
  }

  /** The allocation whose id is at `bytes[at]`. */
  get(bytes: Uint8Array, at = 0): RelayAllocation | undefined {
    return this.#byId.get(allocationIdHex(bytes, at));
  }

  /** By id in hex (as the API's `allocationIdBytes` decode to). */
  byIdKey(key: string): RelayAllocation | undefined {
    return this.#byId.get(key);
  }

  /** The allocation owning `connectionData` (255 zero-padded bytes from a BIND or CONNECT_REQUEST). */
  byConnectionData(connectionData: Uint8Array): RelayAllocation | undefined {
    return this.#byData.get(dataKey(connectionData));
  }

  /** Whether the id at `bytes[at]` (or the connection data, with `isData`) belonged to an expired allocation. */
  wasExpired(bytes: Uint8Array, at = 0, isData = false): boolean {
    return this.#tombstones.has(isData ? dataKey(bytes) : allocationIdHex(bytes, at));
  }

  /** The allocation's join code, created on first request (the same code afterwards). */
  joinCodeFor(a: RelayAllocation): string {
    if (a.joinCode) return a.joinCode;
    let code: string;
    do {
      const r = randomBytes(CODE_LENGTH);
      code = Array.from(r, (x) => CODE_ALPHABET[x % CODE_ALPHABET.length]).join('');
    } while (this.#codes.has(code));
    a.joinCode = code;
    this.#codes.set(code, a);
    return code;
  }

  /** The host allocation behind a join code (case-insensitive), if it is still alive. */
  resolveJoinCode(code: string): RelayAllocation | undefined {
    return this.#codes.get(code.trim().toUpperCase());
  }

  /** Joins `joiner` to `host` (leaving any previous host). */
  link(joiner: RelayAllocation, host: RelayAllocation): void {
    joiner.host?.joiners.delete(joiner);
    joiner.host = host;
    host.joiners.add(joiner);
  }

  /** Dissolves the link between `a` and `b`, whichever joined whom. */
  unlink(a: RelayAllocation, b: RelayAllocation): void {
    if (a.host === b) { a.host = null; b.joiners.delete(a); }
    if (b.host === a) { b.host = null; a.joiners.delete(b); }
  }

  /** Removes an allocation and its links and join code, remembering it until `now + rememberMs`. */
  remove(a: RelayAllocation, now: number, rememberMs = 600_000): void {
    for (const j of a.joiners) j.host = null;
    a.joiners.clear();
    a.host?.joiners.delete(a);
    a.host = null;
    if (a.joinCode) this.#codes.delete(a.joinCode);
    this.#byId.delete(a.idKey);
    this.#byData.delete(dataKey(a.connectionData));
    this.#tombstones.set(a.idKey, now + rememberMs);
    this.#tombstones.set(dataKey(a.connectionData), now + rememberMs);
  }

  /** Forgets tombstones older than their time. */
  sweep(now: number): void {
    for (const [k, until] of this.#tombstones) if (until <= now) this.#tombstones.delete(k);
  }
}

/** Map key of connection data: hex without the zero padding, so raw and padded forms match. */
function dataKey(data: Uint8Array): string {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return allocationIdHex(data, 0, end);
}

function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
