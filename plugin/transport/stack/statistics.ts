import type { ConnectionStatistics } from '../api/driver-types.ts';
import type { ConnectionState } from '../api/status-codes.ts';
import { createAdmissionStatistics, type AdmissionStatistics } from '../layers/admission.ts';
import type { ConnectionRecord } from '../layers/connection-list.ts';
import type { PipelineInstance } from '../stages/pipeline.ts';
import type { DropReason } from './layer.ts';

/** Driver-wide counters (UTP 2.7's `GetStatistics`, plus drop reasons). */
export interface DriverStatistics {
  /** Datagrams the connection layer sent, all connections. */
  packetsSent: number;
  /** Datagrams handed to the connection layer (before its checks), all connections. */
  packetsReceived: number;
  /** Bytes of the datagrams sent, connection header included. */
  bytesSent: number;
  /** Bytes of the datagrams received, connection header included. */
  bytesReceived: number;
  /** Incoming packets dropped, by reason (`simulated`: the network simulator's receive loss). Bad input never throws. */
  dropped: Record<DropReason, number> & Record<string, number>;
  /** Connections the driver holds now, half-open ones included (counted when `getStatistics` is called). */
  connections: number;
  /** Half-open connections, evictions, expiries and what was withheld from strangers (`AdmissionParameters`). */
  admission: AdmissionStatistics;
  /** Bytes per second sent over the last complete second of driver time. */
  sendBandwidth: number;
  /** Bytes per second received over the last complete second of driver time. */
  receiveBandwidth: number;
}

const dropReasons: DropReason[] = [
  'malformed', 'badVersion', 'unknownToken', 'wrongState', 'unknownType', 'badPipeline', 'oversize', 'queueFull',
  'addressMismatch', 'simulated', 'internalError', 'refused', 'reassemblyLimit',
];

/** Zeroed driver statistics, every drop reason present. */
export function createDriverStatistics(): DriverStatistics {
  return {
    packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, connections: 0, sendBandwidth: 0, receiveBandwidth: 0,
    admission: createAdmissionStatistics(),
    dropped: Object.fromEntries(dropReasons.map((r) => [r, 0])) as DriverStatistics['dropped'],
  };
}

/** Adds `s` into `total`, counter by counter (several drivers of one server). */
export function addStatistics(total: DriverStatistics, s: DriverStatistics): void {
  for (const k of ['packetsSent', 'packetsReceived', 'bytesSent', 'bytesReceived', 'connections', 'sendBandwidth', 'receiveBandwidth'] as const) total[k] += s[k];
  for (const [k, v] of Object.entries(s.dropped)) total.dropped[k] = (total.dropped[k] ?? 0) + v;
  for (const k of Object.keys(s.admission) as Array<keyof AdmissionStatistics>) total.admission[k] += s.admission[k];
}

/** Sets `sendBandwidth` / `receiveBandwidth` once per complete second of driver time, from the byte counters. */
export class BandwidthMeter {
  #start = 0;
  #sent = 0;
  #received = 0;

  measure(s: DriverStatistics, now: number): void {
    const elapsed = now - this.#start;
    if (elapsed < 1000) return;
    s.sendBandwidth = Math.round(((s.bytesSent - this.#sent) * 1000) / elapsed);
    s.receiveBandwidth = Math.round(((s.bytesReceived - this.#received) * 1000) / elapsed);
    this.#start = now;
    this.#sent = s.bytesSent;
    this.#received = s.bytesReceived;
  }
}

/** A connection's counters and per-pipeline statistics (UTP 2.7 `GetConnectionStatistics`). */
export function connectionStatistics(
  rec: ConnectionRecord, state: ConnectionState, carrier: string, instances: ReadonlyArray<PipelineInstance | undefined>,
): ConnectionStatistics {
  const pipelines = [];
  let rtt = 0;
  for (const inst of instances) {
    if (!inst) continue;
    pipelines.push({ id: inst.definition.id, stages: inst.definition.infos[0]?.stageNames ?? [], ...inst.stats });
    if (!rtt && inst.stats.rtt) rtt = inst.stats.rtt;
  }
  return {
    state, carrier, pathMtu: rec.pathMtu, packetsSent: rec.packetsSent, packetsReceived: rec.packetsReceived,
    bytesSent: rec.bytesSent, bytesReceived: rec.bytesReceived, rtt, pipelines,
  };
}
