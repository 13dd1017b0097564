import { NetworkConnection } from '../api/connection.ts';
import type { NetworkEndpoint } from '../api/endpoint.ts';
import { ConnectionState } from '../api/status-codes.ts';
import { TokenTable } from './token-table.ts';
import { tokenHigh, tokenLow, TOKEN_SIZE } from './simple-connection.ts';

/** Internal SCL connection states (spec §3.5); the public `ConnectionState` is derived from these. */
export const SclState = {
  Default: 0,
  AwaitingAccept: 1,
  PathMtuDiscovery: 2,
  PathMtuDiscoveryStageTwo: 3,
  Established: 4,
  Disconnected: 5,
} as const;
export type SclState = (typeof SclState)[keyof typeof SclState];

/** The public state of a connection (UTP's `GetConnectionState`); a closing or missing record is `Disconnected`. */
export function connectionState(rec: ConnectionRecord | undefined): ConnectionState {
  if (!rec || rec.closeRequested || rec.state === SclState.Disconnected) return ConnectionState.Disconnected;
  return rec.state === SclState.Established ? ConnectionState.Connected : ConnectionState.Connecting;
}

/** A half-open server connection's admission state (admission.ts); its record drops it once the peer is proven. */
export interface HalfOpen {
  /** Bytes the peer sent that we have not yet answered; what we send to it never exceeds this. */
  credit: number;
  /** Driver time the connection was created (half-open eviction goes by age). */
  readonly openedAt: number;
}

/** Messages `send` accepted that wait to leave, oldest first, and their bytes (top-layer.ts). */
export interface HeldMessages {
  readonly messages: Array<{ pipe: number; buffer: Uint8Array; start: number }>;
  bytes: number;
}

/** The connection layer's state of one connection (spec §3.5). */
export class ConnectionRecord {
  readonly id: number;
  readonly version: number;
  readonly handle: NetworkConnection;
  /** True for connections this driver initiated with `connect`. */
  readonly isClient: boolean;
  readonly token = new Uint8Array(TOKEN_SIZE);
  tokenLo = 0;
  tokenHi = 0;
  state: SclState = SclState.Default;
  /** `disconnect()` was called: send one Disconnect at the next update, then release. */
  closeRequested = false;
  /** Release the record (and its token) at the next update. */
  releasePending = false;
  endpoint: NetworkEndpoint;
  address: string;
  port: number;
  lastSendTime = 0;
  lastReceiveTime = 0;
  lastMtuSendTime = 0;
  connectAttempts = 0;
  pathMtu: number;
  mtuAckReceived = false;
  /** Client: the payload sent with every request. Server: the payload of the latest request (§3.2). */
  connectPayload: Uint8Array | null = null;
  /** Client: the accept payload received (2.7). */
  acceptPayload: Uint8Array | null = null;
  /** Server: returned by `accept()` yet. Events of unaccepted connections are discarded (UTP). */
  accepted = false;
  /** Server: bound but not listening when the request came (§3.7): close at the next update. */
  closeWhenNotListening = false;
  /** The layers below were told this connection opened (so they are told when it is released). */
  announced = false;
  /**
   * Server: set from the accept until the peer sends something other than a ConnectionRequest, which proves its
   * address is its own (admission.ts); null from then on. Client connections, and peers a layer below proved, never
   * have one. Kept apart so that a proven connection carries one empty field for it.
   */
  halfOpen: HalfOpen | null = null;
  /** Client: the accept arrived and nothing was sent since; a heartbeat leaves at the next update (heartbeatOnAccept). */
  heartbeatDue = false;
  /** Messages `send` accepted that wait: the peer is half-open, or a full reliable window is ahead of them. */
  held: HeldMessages | null = null;
  packetsSent = 0;
  packetsReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;

  constructor(id: number, version: number, isClient: boolean, endpoint: NetworkEndpoint, pathMtu: number) {
    this.id = id;
    this.version = version;
    this.handle = new NetworkConnection(id, version);
    this.isClient = isClient;
    this.endpoint = endpoint;
    this.address = endpoint.address;
    this.port = endpoint.port;
    this.pathMtu = pathMtu;
  }

  /** The peer's address is proven: the connection is not half-open. */
  get proven(): boolean { return this.halfOpen === null; }

  setToken(bytes: Uint8Array, at = 0): void {
    this.token.set(bytes.subarray(at, at + TOKEN_SIZE));
    this.tokenLo = tokenLow(this.token, 0);
    this.tokenHi = tokenHigh(this.token, 0);
  }
}

/** Mirrors UTP's `ConnectionList`: ids with versions, reused after release, and the token index. */
export class ConnectionList {
  readonly #records: (ConnectionRecord | undefined)[] = [];
  readonly #versions: number[] = [];
  readonly #free: number[] = [];
  readonly tokens = new TokenTable();
  #live = 0;

  get count(): number { return this.#live; }

  create(isClient: boolean, endpoint: NetworkEndpoint, pathMtu: number): ConnectionRecord {
    const id = this.#free.length ? this.#free.pop()! : this.#records.length;
    const version = (this.#versions[id] ?? 0) + 1;
    this.#versions[id] = version;
    const rec = new ConnectionRecord(id, version, isClient, endpoint, pathMtu);
    this.#records[id] = rec;
    this.#live++;
    return rec;
  }

  /** Indexes the record under its token. Returns false if another live record already has that token. */
  index(rec: ConnectionRecord): boolean {
    if (this.tokens.get(rec.tokenLo, rec.tokenHi) >= 0) return false;
    this.tokens.set(rec.tokenLo, rec.tokenHi, rec.id);
    return true;
  }

  release(rec: ConnectionRecord): void {
    if (this.#records[rec.id] !== rec) return;
    if (this.tokens.get(rec.tokenLo, rec.tokenHi) === rec.id) this.tokens.delete(rec.tokenLo, rec.tokenHi);
    this.#records[rec.id] = undefined;
    this.#free.push(rec.id);
    this.#live--;
  }

  get(id: number): ConnectionRecord | undefined {
    return this.#records[id];
  }

  byToken(lo: number, hi: number): ConnectionRecord | undefined {
    const id = this.tokens.get(lo, hi);
    return id >= 0 ? this.#records[id] : undefined;
  }

  /** The record behind `conn` if the handle is current, else undefined (ids never issued, stale handles). */
  live(conn: NetworkConnection): ConnectionRecord | undefined {
    return this.check(conn) === 0 ? this.#records[conn.id] : undefined;
  }

  /** -1 (NetworkIdMismatch) for ids never issued, -2 (NetworkVersionMismatch) for stale handles, else 0. */
  check(conn: NetworkConnection): number {
    if (!conn || conn.id < 0 || conn.id >= this.#versions.length) return -1;
    const rec = this.#records[conn.id];
    return rec && rec.version === conn.version ? 0 : -2;
  }

  /** Number of ids ever issued (upper bound for `get`). */
  get capacity(): number { return this.#records.length; }
}
