import { allocationIdHex, ALLOCATION_ID_SIZE, sameAllocationId } from '../wire/messages.ts';

/**
 * A relay-level connection (UTP's RelayLayer keeps one per peer allocation, spec §7.3): the peer's
 * allocation id and the address the driver sees for it.
 */
export interface RelayPeer {
  readonly id: Uint8Array;
  readonly address: string;
  readonly port: number;
  /** Driver time of the last packet to or from it. */
  lastActive: number;
}

/**
 * The peers of one Relay client, found by allocation id on receive (a byte compare against the last hit,
 * then a scan: no allocation per packet) and by driver address on send (one map lookup).
 */
export class RelayPeerTable {
  readonly #peers: RelayPeer[] = [];
  readonly #byAddress = new Map<string, RelayPeer>();
  #last: RelayPeer | null = null;

  get size(): number { return this.#peers.length; }

  /** The peer the driver addresses as `address:port`. */
  byAddress(address: string, port: number): RelayPeer | undefined {
    const p = this.#byAddress.get(address);
    return p !== undefined && p.port === port ? p : undefined;
  }

  /** The peer whose id is at `bytes[at]`. */
  byId(bytes: Uint8Array, at: number): RelayPeer | undefined {
    const last = this.#last;
    if (last !== null && sameAllocationId(bytes, at, last.id)) return last;
    for (const p of this.#peers) if (sameAllocationId(bytes, at, p.id)) return (this.#last = p);
    return undefined;
  }

  /**
   * Adds a peer for the id at `bytes[at]`, seen by the driver at `address:port` — by default the id's hex
   * and port 0, the address of a joiner of our hosted allocation.
   */
  add(bytes: Uint8Array, at: number, now: number, address?: string, port = 0): RelayPeer {
    const id = bytes.slice(at, at + ALLOCATION_ID_SIZE);
    const p: RelayPeer = { id, address: address ?? allocationIdHex(id), port, lastActive: now };
    this.#peers.push(p);
    this.#byAddress.set(p.address, p);
    this.#last = p;
    return p;
  }

  remove(p: RelayPeer): void {
    const i = this.#peers.indexOf(p);
    if (i >= 0) this.#peers.splice(i, 1);
    if (this.#byAddress.get(p.address) === p) this.#byAddress.delete(p.address);
    if (this.#last === p) this.#last = null;
  }

  /** Peers idle for more than `idleMs` at `now`, except `keep`. */
  idle(now: number, idleMs: number, keep: RelayPeer | null): RelayPeer[] {
    return this.#peers.filter((p) => p !== keep && now - p.lastActive > idleMs);
  }

  clear(): void {
    this.#peers.length = 0;
    this.#byAddress.clear();
    this.#last = null;
  }
}
