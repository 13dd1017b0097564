// What the Colyseus server transport (`utp-ts/colyseus/server`) and the SDK transport (`utp-ts/colyseus`) agree
// on: pipeline ids and parameters, the tunnel path, default settings (close codes: close-frame.ts). Browser-safe.
import {
  FragmentationPipelineStage, NetworkSettings, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  type NetworkPipeline, type PipelineOptions, type PipelineStage,
} from '../transport/index.ts';

/**
 * Pipeline 1: every Colyseus frame (JOIN, state, patches, messages, errors) and the close frame, in order.
 * [Fragmentation, ReliableSequenced], with utp-ts's send queue so a large state never fails with −5.
 */
export const RELIABLE_PIPELINE = 1;
/** Pipeline 2: `rawUnreliable` frames and `room.sendUnreliable`; [UnreliableSequenced], one datagram each. */
export const UNRELIABLE_PIPELINE = 2;

/** Reliable window of pipeline 1 (packets in flight). Wire-relevant: both peers must use the same value. */
export const DEFAULT_RELIABLE_WINDOW = 128;
/**
 * Largest Colyseus frame pipeline 1 carries (the Fragmentation stage's `payloadCapacity`), each way: 1 MiB.
 * A full state or a chat history of tens of KB is ordinary; ~760 datagrams of 1400 bytes at this size.
 */
export const DEFAULT_MAX_FRAME_SIZE = 1 << 20;
/** Fragments waiting for the reliable window per connection before the connection is dropped (≈ 11 MB). */
export const DEFAULT_SEND_QUEUE_LIMIT = 8192;
/** Interval of the driver's timer update (resends, heartbeats, timeouts); packets trigger updates at once. */
export const DEFAULT_UPDATE_INTERVAL_MS = 10;
/** WebSocket path of the UTP tunnel on the matchmaking HTTP server. */
export const DEFAULT_WEBSOCKET_PATH = '/utp';

/** Pipeline parameters both sides derive from their options. */
export interface ColyseusPipelineOptions {
  /** Reliable window of pipeline 1; both peers must agree. Default 128. */
  reliableWindowSize?: number;
  /** Largest frame on pipeline 1 (Fragmentation `payloadCapacity`). Default 1 MiB. */
  maxFrameSize?: number;
  /** Fragments queued for the reliable window before sends fail. Default 8192. */
  sendQueueLimit?: number;
}

/** Anything with UTP's `createPipeline`: a `NetworkDriver` or a `MultiNetworkDriver`. */
interface PipelineFactory {
  createPipeline(...args: Array<PipelineStage<any> | PipelineOptions>): NetworkPipeline;
}

/**
 * Creates pipelines 1 (reliable, fragmented, send queue) and 2 (unreliable sequenced) on `driver`, with resend
 * timing (and back-off / per-update bound) from `base`. Call it before any connection exists, in this order on both peers.
 */
export function createColyseusPipelines(driver: PipelineFactory, base: NetworkSettings, options: ColyseusPipelineOptions = {}): void {
  const reliableSettings = new NetworkSettings()
    .withReliableStageParameters({ ...base.reliableStage, windowSize: options.reliableWindowSize ?? DEFAULT_RELIABLE_WINDOW })
    .withFragmentationStageParameters({ payloadCapacity: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE });
  const reliable = driver.createPipeline(
    { settings: reliableSettings, sendQueue: options.sendQueueLimit ?? DEFAULT_SEND_QUEUE_LIMIT },
    FragmentationPipelineStage, ReliableSequencedPipelineStage,
  );
  const unreliable = driver.createPipeline(UnreliableSequencedPipelineStage);
  if (reliable.id !== RELIABLE_PIPELINE || unreliable.id !== UNRELIABLE_PIPELINE) {
    throw new Error(`createColyseusPipelines: the driver already had pipelines (got ids ${reliable.id}, ${unreliable.id})`);
  }
}
