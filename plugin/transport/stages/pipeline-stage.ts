import type { NetworkSettings } from '../api/settings.ts';
import type { NetworkConnection } from '../api/connection.ts';

/**
 * The contract every pipeline stage implements — ours (reliable, unreliable-sequenced, fragmentation,
 * simulator, null) and users' own (compression, encryption…). Mirrors UTP's `INetworkPipelineStage`:
 * a stage is a stateless description plus one state object per connection.
 *
 * Byte layout (spec §4.2): stages run in list order on send and reverse order on receive, and each stage
 * writes its header *in front of* what it was given, so the last stage's header is outermost:
 *
 *   pipeline [S0, S1]  =>  01 | token | id | hdr(S1) | hdr(S0) | payload
 *
 * Buffers: on send, `buffer[start, end)` is the packet so far and at least `ctx.headroom` bytes before
 * `start` are free for this stage's header and everything after it. The send buffer is reused by the
 * driver once `send` returns, so a stage that keeps a packet (for resends, delays) must copy it. On receive,
 * buffers are never reused, so a stage may keep a reference instead of copying.
 */
export interface PipelineStage<S = unknown> {
  /** Name shown in errors and `getPipelineBuffers`, e.g. `'ReliableSequenced'`. */
  readonly name: string;
  /** Bytes reserved for this stage's header (UTP's `HeaderCapacity`). The budget, not the per-packet size. */
  headerCapacity(settings: NetworkSettings): number;
  /** When defined, the largest message this pipeline accepts (Fragmentation: `payloadCapacity`). */
  payloadCapacity?(settings: NetworkSettings): number;
  /** Called once per connection and pipeline when the connection is created. */
  createState(settings: NetworkSettings, info: StageInfo): S;
  /**
   * Outbound. Typically writes a header at `start - size` and returns `ctx.forward(buffer, start - size, end)`.
   * May also forward several packets (fragmentation), none (held for later: simulator), or copy for resends.
   * Returns `StatusCode.Success` (0) or a negative status code (e.g. -5 window full, -4 too large).
   */
  send(ctx: StageContext<S>, buffer: Uint8Array, start: number, end: number): number;
  /** Inbound: reads its header at `start` and calls `ctx.deliver` zero or more times with the inner bytes. */
  receive(ctx: StageContext<S>, buffer: Uint8Array, start: number, end: number): void;
  /**
   * utp-ts only: how many packets `send` would accept right now (Reliable: free window slots plus send-queue room);
   * absent means no limit. Lets an earlier stage refuse a whole message rather than send part of it.
   */
  room?(ctx: StageContext<S>): number;
  /**
   * Called once per driver update, before that update's received packets (UTP's order, spec §5.3.7).
   * Packets forwarded here (resends, ack-only, delayed packets) run only the stages after this one (§4.3).
   */
  update?(ctx: StageContext<S>): void;
  /** Called when the connection closes, to release resources. */
  dispose?(ctx: StageContext<S>): void;
  /** Read-only snapshot of the state for debugging (UTP's `GetPipelineBuffers`). */
  inspect?(state: S): unknown;
}

/** Where a stage sits in its pipeline; fixed for the pipeline's life. */
export interface StageInfo {
  /** Index of this stage in the pipeline's list. */
  readonly stageIndex: number;
  /** Names of all stages in the pipeline, in list order. */
  readonly stageNames: readonly string[];
  /** Sum of the header capacities of every stage in the pipeline. */
  readonly pipelineHeaderCapacity: number;
  /** Sum of the header capacities of the stages before this one. */
  readonly headerCapacityBefore: number;
  /** Sum of the header capacities of the stages after this one. */
  readonly headerCapacityAfter: number;
  /**
   * utp-ts only: the pipeline's opt-in send queue limit from `PipelineOptions.sendQueue` (0 = off,
   * `Infinity` = unbounded). Read by the reliable stage; absent means off.
   */
  readonly sendQueue?: number;
}

/** Per-connection, per-pipeline counters that stages update (see `PipelineStatistics`). */
export interface StageStatistics {
  /** Packets handed to the wire by this pipeline (first transmissions and resends). */
  packetsSent: number;
  /** Packets that arrived for this pipeline. */
  packetsReceived: number;
  /** Reliable resends. */
  packetsResent: number;
  /** Resends the reliable stage's `maxResendsPerSecond` held back for a later update (they stayed due). */
  resendsHeld: number;
  /** Packets a stage refused: stale, malformed, out of window, simulated loss. */
  packetsDropped: number;
  /** Reliable duplicates (payload dropped, ack processed). */
  packetsDuplicated: number;
  /** Packets that arrived ahead of a missing one. */
  packetsOutOfOrder: number;
  /**
   * Packets of the peer that did not arrive in sequence: the gaps sequenced stages see in the sequence numbers when a
   * newer packet arrives (a reliable one may still come later, resent). Loss as the receiver observes it.
   */
  packetsLost: number;
  /** Ack-only packets sent by the reliable stage. */
  acksSent: number;
  /** Smoothed RTT in ms (reliable stage; 0 if the pipeline has none). */
  rtt: number;
  /** RTT variance in ms (reliable stage). */
  rttVariance: number;
  /** Current resend timeout in ms (reliable stage). */
  resendTimeout: number;
  /** Messages waiting in the opt-in send queue. */
  queuedMessages: number;
  /** Bytes of this pipeline's datagrams sent, headers included (counted by the driver). */
  bytesSent: number;
  /** Bytes of this pipeline's datagrams received, headers included (counted by the driver). */
  bytesReceived: number;
}

/** What a stage may do and know while it runs. One object per connection, pipeline and stage. */
export interface StageContext<S = unknown> {
  /** This stage's state for this connection. */
  readonly state: S;
  /** Where the stage sits in its pipeline: its index, the stage names and their header capacities. */
  readonly info: StageInfo;
  /** The driver's clock in ms, as of the current update (spec §1 "Time"). */
  readonly now: number;
  /** The connection this stage instance serves. */
  readonly connection: NetworkConnection;
  /** The driver's settings (stage parameters included). */
  readonly settings: NetworkSettings;
  /** Current path MTU: `maxMessageSize` unless discovery lowered it. */
  readonly pathMtu: number;
  /** Bytes of every layer below the pipeline stages: lower layers + SCL header (9) + pipeline id (1). */
  readonly packetPadding: number;
  /** Free bytes a packet created by this stage must leave before its start (later stages + packetPadding). */
  readonly headroom: number;
  /** The pipeline's statistics, which the stage updates (`getConnectionStatistics` reports them). */
  readonly stats: StageStatistics;
  /** Passes a packet to the next stage, or to the wire after the last. Returns a status code. */
  forward(buffer: Uint8Array, start: number, end: number): number;
  /**
   * utp-ts: `forward` of bytes the stage never writes into again (nor anything in front of `start` that later stages
   * fill), so the send queue may hand this very array to the carrier instead of copying it.
   */
  forwardKept(buffer: Uint8Array, start: number, end: number): number;
  /** How many packets `forward` accepts right now: the least `room` of the stages after this one (Infinity: no limit). */
  forwardRoom(): number;
  /** Passes inner bytes toward the application (the previous stage, or a Data event after the first). */
  deliver(buffer: Uint8Array, start: number, end: number): void;
  /**
   * utp-ts: bytes a stage may keep for reassembly, shared by every connection of the driver
   * (`AdmissionParameters.maxReassemblyBytes`), so many peers sending partial messages cannot exhaust memory.
   */
  readonly reassemblyBudget?: ByteBudget;
}

/** A byte allowance shared by many holders: `take` fails (and is counted) once it is spent; `give` returns bytes. */
export interface ByteBudget {
  /** Reserves `bytes`; `false` (and a counted refusal) when the allowance is spent. */
  take(bytes: number): boolean;
  /** Returns `bytes` reserved earlier (a message completed or its connection closed). */
  give(bytes: number): void;
}

/** Counters for a fresh pipeline instance. */
export function createStageStatistics(): StageStatistics {
  return {
    packetsSent: 0, packetsReceived: 0, packetsResent: 0, resendsHeld: 0, packetsDropped: 0, packetsDuplicated: 0,
    packetsOutOfOrder: 0, packetsLost: 0, acksSent: 0, rtt: 0, rttVariance: 0, resendTimeout: 0, queuedMessages: 0,
    bytesSent: 0, bytesReceived: 0,
  };
}
