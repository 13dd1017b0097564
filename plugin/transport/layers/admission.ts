import type { AdmissionParameters } from '../api/settings.ts';
import type { ConnectionRecord } from './connection-list.ts';

/** Counters of the admission rules: `driver.getStatistics().admission`. */
export interface AdmissionStatistics {
  /** Half-open server connections now (accepted, nothing but requests heard since). */
  halfOpen: number;
  /** Half-open connections whose peer then sent something else. */
  proven: number;
  /** Half-open connections released to make room for a newer request. */
  evicted: number;
  /** Half-open connections released after `halfOpenTimeoutMS` of silence. */
  expired: number;
  /** Accepts sent without the accept payload, which would have made them larger than the request. */
  acceptPayloadsWithheld: number;
  /** Packets not sent to a half-open peer because it had not sent as many bytes (a Disconnect, mostly). */
  packetsWithheld: number;
  /** Messages `send` refused (−5) for half-open peers: the held-bytes limits were reached. */
  heldRefused: number;
}

export function createAdmissionStatistics(): AdmissionStatistics {
  return { halfOpen: 0, proven: 0, evicted: 0, expired: 0, acceptPayloadsWithheld: 0, packetsWithheld: 0, heldRefused: 0 };
}

/**
 * The bookkeeping of half-open connections (utp-ts only, no bytes of its own): who they are, oldest first, in total
 * and per source address, and which one gives way when a limit is reached. The connection layer applies the rules
 * that decide bytes (one accept per request, never more than received, nothing else until proven).
 */
export class Admission {
  readonly stats: AdmissionStatistics;
  readonly #params: AdmissionParameters;
  /** Half-open records in the order they were created (a Set iterates in insertion order). */
  readonly #all = new Set<ConnectionRecord>();
  readonly #byAddress = new Map<string, Set<ConnectionRecord>>();

  constructor(params: AdmissionParameters, stats: AdmissionStatistics) {
    this.#params = params;
    this.stats = stats;
  }

  get halfOpen(): number { return this.#all.size; }

  /**
   * Makes room for a new connection from `address`: when a limit is reached, the oldest half-open connection that
   * blocks it is handed to `evict` if it is at least `halfOpenEvictAfterMS` old (so a real client keeps its chance to
   * speak), else the request is refused (false; the caller counts it). `live` is the number of server connections
   * not being released.
   */
  admit(address: string, now: number, live: () => number, evict: (rec: ConnectionRecord) => void): boolean {
    const p = this.#params;
    const mine = this.#byAddress.get(address);
    if (mine && mine.size >= p.maxHalfOpenPerAddress && !this.#giveWay(first(mine), now, evict)) return false;
    if (this.#all.size >= p.maxHalfOpen && !this.#giveWay(first(this.#all), now, evict)) return false;
    if (live() >= p.maxConnections && !this.#giveWay(first(this.#all), now, evict)) return false;
    return live() < p.maxConnections;
  }

  /** Starts tracking a new half-open connection. */
  add(rec: ConnectionRecord): void {
    this.#all.add(rec);
    let mine = this.#byAddress.get(rec.address);
    if (!mine) this.#byAddress.set(rec.address, (mine = new Set()));
    mine.add(rec);
    this.stats.halfOpen = this.#all.size;
  }

  /** Stops tracking `rec` (proven, closed or released); a no-op for records never tracked. */
  remove(rec: ConnectionRecord): void {
    if (!this.#all.delete(rec)) return;
    const mine = this.#byAddress.get(rec.address);
    if (mine) {
      mine.delete(rec);
      if (mine.size === 0) this.#byAddress.delete(rec.address);
    }
    this.stats.halfOpen = this.#all.size;
  }

  #giveWay(oldest: ConnectionRecord | undefined, now: number, evict: (rec: ConnectionRecord) => void): boolean {
    if (!oldest?.halfOpen || now - oldest.halfOpen.openedAt < this.#params.halfOpenEvictAfterMS) return false;
    this.remove(oldest);
    this.stats.evicted++;
    evict(oldest);
    return true;
  }
}

function first(set: Set<ConnectionRecord>): ConnectionRecord | undefined {
  return set.values().next().value;
}
