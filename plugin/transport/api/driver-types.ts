import type { DataStreamWriter } from './data-stream.ts';
import type { NetworkSettings } from './settings.ts';
import type { ConnectionState, StatusCode } from './status-codes.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';
import type { StageStatistics } from '../stages/pipeline-stage.ts';
import type { NetworkDriver } from './driver.ts';

export type { DriverStatistics } from '../stack/statistics.ts';

/** Options of `NetworkDriver.create` in object form. */
export interface NetworkDriverOptions {
  /** The driver's settings; `new NetworkSettings()` (UTP's defaults) when omitted. */
  settings?: NetworkSettings;
  /** The carrier; UDP (`UDPNetworkInterface`) when omitted, as in UTP on native platforms. */
  networkInterface?: NetworkInterface;
}

/** What `beginSend` returns: one object owned by the driver, valid until `endSend` or `abortSend`. */
export interface BeginSendResult {
  /** `Success`, or why no message can be written (`NetworkStateMismatch`, `NetworkPacketOverflow`, …). */
  status: StatusCode;
  /** Write the message here; meaningless unless `status` is `Success`. */
  writer: DataStreamWriter;
}

/** A connection's counters and, per pipeline, its stage statistics (UTP 2.7 `GetConnectionStatistics`). */
export interface ConnectionStatistics {
  /** The connection's state, as `getConnectionState` returns it. */
  state: ConnectionState;
  /** Largest datagram to this peer in bytes: `maxMessageSize`, or less after path-MTU discovery. */
  pathMtu: number;
  /** Datagrams the connection layer sent on this connection, handshakes and heartbeats included. */
  packetsSent: number;
  /** Datagrams the connection layer accepted for this connection. */
  packetsReceived: number;
  /** Bytes of those datagrams sent, connection header included (not the headers of layers below, e.g. Relay). */
  bytesSent: number;
  /** Bytes of those datagrams received, connection header included. */
  bytesReceived: number;
  /** What carries the connection's packets: `'udp'`, `'websocket'`, `'webrtc'`, `'ipc'`… (the carrier's `carrierName`). */
  carrier: string;
  /** Smoothed RTT (ms) of the first reliable pipeline that has a sample; 0 if none. */
  rtt: number;
  /** Per pipeline the connection has used: its id, its stage names and its `StageStatistics`. */
  pipelines: Array<{
    /** The pipeline id (1..255). */
    id: number;
    /** Its stages' names, in list order. */
    stages: readonly string[];
  } & StageStatistics>;
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

/** `driver.toConcurrent()`: the driver's own methods, bound to it. */
export function concurrentView(d: NetworkDriver): ConcurrentNetworkDriver {
  return {
    beginSend: d.beginSend.bind(d), endSend: d.endSend.bind(d), abortSend: d.abortSend.bind(d), send: d.send.bind(d),
    popEventForConnection: d.popEventForConnection.bind(d), getConnectionState: d.getConnectionState.bind(d),
    maxHeaderSize: d.maxHeaderSize.bind(d),
  };
}
