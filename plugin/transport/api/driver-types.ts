import type { DataStreamWriter } from './data-stream.ts';
import type { NetworkSettings } from './settings.ts';
import type { ConnectionState, StatusCode } from './status-codes.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';
import type { StageStatistics } from '../stages/pipeline-stage.ts';
import type { NetworkDriver } from './driver.ts';

export type { DriverStatistics } from '../stack/network-stack.ts';

/** Options of `NetworkDriver.create` in object form. */
export interface NetworkDriverOptions {
  settings?: NetworkSettings;
  /** The carrier; UDP (`UDPNetworkInterface`) when omitted, as in UTP on native platforms. */
  networkInterface?: NetworkInterface;
}

/** What `beginSend` returns: one object owned by the driver, valid until `endSend` or `abortSend`. */
export interface BeginSendResult {
  status: StatusCode;
  /** Write the message here; meaningless unless `status` is `Success`. */
  writer: DataStreamWriter;
}

/** A connection's counters and, per pipeline, its stage statistics (UTP 2.7 `GetConnectionStatistics`). */
export interface ConnectionStatistics {
  state: ConnectionState;
  pathMtu: number;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** What carries the connection's packets: `'udp'`, `'websocket'`, `'webrtc'`, `'ipc'`… (the carrier's `carrierName`). */
  carrier: string;
  /** Smoothed RTT (ms) of the first reliable pipeline that has a sample; 0 if none. */
  rtt: number;
  pipelines: Array<{ id: number; stages: readonly string[] } & StageStatistics>;
}

/** Mirrors `NetworkDriver.Concurrent`: the subset of the API that is safe to hand to per-connection workers. */
export interface ConcurrentNetworkDriver {
  /** See `NetworkDriver.beginSend`. */
  beginSend: NetworkDriver['beginSend'];
  /** See `NetworkDriver.endSend`. */
  endSend: NetworkDriver['endSend'];
  /** See `NetworkDriver.abortSend`. */
  abortSend: NetworkDriver['abortSend'];
  /** See `NetworkDriver.send`. */
  send: NetworkDriver['send'];
  /** See `NetworkDriver.popEventForConnection`. */
  popEventForConnection: NetworkDriver['popEventForConnection'];
  /** See `NetworkDriver.getConnectionState`. */
  getConnectionState: NetworkDriver['getConnectionState'];
  /** See `NetworkDriver.maxHeaderSize`. */
  maxHeaderSize: NetworkDriver['maxHeaderSize'];
}
