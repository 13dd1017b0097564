import type { NetworkConnection } from '../transport/api/connection.ts';
import type { ConnectionStatistics, NetworkDriver } from '../transport/api/driver.ts';

/** Connection health for HUDs and the `NetGraph`, from the driver's statistics. */
export interface NetStats {
  /** Smoothed round-trip time in ms, measured by the reliable pipeline; 0 until the first sample. */
  rtt: number;
  /** Round-trip time variance in ms. */
  rttVariance: number;
  /**
   * Packet loss in %: the share of the peer's packets on sequenced pipelines (reliable and unreliable-sequenced)
   * that did not arrive during the last complete second of driver time — the gaps in their sequence numbers. It
   * counts lost packets only: resends (`resends`) also follow late acknowledgements, which are not loss.
   */
  loss: number;
  /** Reliable resends since the connection opened. */
  resends: number;
  /** Bytes per second received, over the driver's last complete second, headers included. */
  bandwidthIn: number;
  /** Bytes per second sent, over the driver's last complete second, headers included. */
  bandwidthOut: number;
  /** Datagrams of this connection sent since it opened. */
  packetsSent: number;
  /** Datagrams of this connection received since it opened. */
  packetsReceived: number;
  /** Packets the pipelines refused: stale, duplicated, out of window. */
  packetsDropped: number;
  /** What carries the connection: `'webrtc'`, `'websocket'`, `'udp'`…; '' without a connection. */
  carrier: string;
}

/** A snapshot of zeros, for a session without a live connection (written into `out` when given). */
export function emptyStats(out?: NetStats): NetStats {
  const zeros = { rtt: 0, rttVariance: 0, loss: 0, resends: 0, bandwidthIn: 0, bandwidthOut: 0, packetsSent: 0, packetsReceived: 0, packetsDropped: 0, carrier: '' };
  return out ? Object.assign(out, zeros) : zeros;
}

/** Packets received and lost (sequence gaps) on the connection's sequenced pipelines, since it opened. */
function sequencedTotals(cs: ConnectionStatistics): { received: number; lost: number } {
  let received = 0;
  let lost = 0;
  for (const p of cs.pipelines) {
    if (!p.stages.includes('ReliableSequenced') && !p.stages.includes('UnreliableSequenced')) continue;
    received += p.packetsReceived;
    lost += p.packetsLost;
  }
  return { received, lost };
}

/**
 * Turns the driver's cumulative counters into `NetStats`. `tick` runs every update and costs one comparison
 * except once per second of driver time, when it closes the loss window.
 */
export class StatsTracker {
  #windowStart = 0;
  #received = 0;
  #lost = 0;
  #loss = 0;

  /** Called after each driver update. */
  tick(driver: NetworkDriver, connection: NetworkConnection): void {
    const now = driver.lastUpdateTime;
    if (now - this.#windowStart < 1000) return;
    const cs = driver.getConnectionStatistics(connection);
    const t = cs ? sequencedTotals(cs) : { received: 0, lost: 0 };
    const received = t.received - this.#received;
    const lost = t.lost - this.#lost;
    this.#loss = received + lost > 0 ? (lost * 100) / (received + lost) : 0;
    this.#windowStart = now;
    this.#received = t.received;
    this.#lost = t.lost;
  }

  /** Current statistics, written into `out` (a fresh object when omitted). */
  read(driver: NetworkDriver, connection: NetworkConnection, out: NetStats = emptyStats()): NetStats {
    const ds = driver.getStatistics();
    const cs = driver.getConnectionStatistics(connection);
    out.bandwidthIn = ds.receiveBandwidth;
    out.bandwidthOut = ds.sendBandwidth;
    out.loss = this.#loss;
    out.rtt = cs?.rtt ?? 0;
    out.rttVariance = 0;
    out.resends = 0;
    out.packetsDropped = 0;
    out.packetsSent = cs?.packetsSent ?? 0;
    out.packetsReceived = cs?.packetsReceived ?? 0;
    out.carrier = cs?.carrier ?? '';
    let measured = false;
    for (const p of cs?.pipelines ?? []) {
      if (!measured && p.rtt) { out.rttVariance = p.rttVariance; measured = true; }
      out.resends += p.packetsResent;
      out.packetsDropped += p.packetsDropped;
    }
    return out;
  }
}
