// What the Colyseus server transport (`utp-ts/colyseus/server`) and the SDK transport (`utp-ts/colyseus`) agree
// on: pipeline ids and parameters, the control frame that carries close codes, and default settings. Browser-safe
// (no Node built-ins).
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
/** How long a closing side keeps its connection for the close frame to be acknowledged. */
export const DEFAULT_LINGER_MS = 1000;
/** Interval of the driver's timer update (resends, heartbeats, timeouts); packets trigger updates at once. */
export const DEFAULT_UPDATE_INTERVAL_MS = 10;
/** WebSocket path of the UTP tunnel on the matchmaking HTTP server. */
export const DEFAULT_WEBSOCKET_PATH = '/utp';

/** Colyseus' close codes (`CloseCode` of @colyseus/shared-types), plus the WebSocket ones the transports use. */
export const CloseCodes = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  NO_STATUS_RECEIVED: 1005,
  /** A timeout or a UTP Disconnect without a close frame: the SDK reconnects. */
  ABNORMAL_CLOSURE: 1006,
  /** An inbound frame above the server's `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  CONSENTED: 4000,
  SERVER_SHUTDOWN: 4001,
  WITH_ERROR: 4002,
  FAILED_TO_RECONNECT: 4003,
  MAY_TRY_RECONNECT: 4010,
} as const;

/**
 * Control frames share pipeline 1 with Colyseus frames. Colyseus uses bits 0..4 of a frame's first byte for the
 * protocol code (0..22 today) and bits 5..7 for modifiers, so 0xFF (code 31 with every modifier bit) never
 * starts a Colyseus frame: it marks ours.
 *
 * `FF 01 <code u16 big-endian> <reason UTF-8>`: close, sent just before the UTP Disconnect, which has no reason.
 */
export const CONTROL_FRAME = 0xff;
export const CONTROL_CLOSE = 0x01;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The close frame for `code` (0..65535) and an optional reason (truncated to 123 bytes, as WebSocket does). */
export function encodeCloseFrame(code: number, reason = ''): Uint8Array {
  const text = reason ? encoder.encode(reason).subarray(0, 123) : new Uint8Array(0);
  const out = new Uint8Array(4 + text.length);
  out[0] = CONTROL_FRAME;
  out[1] = CONTROL_CLOSE;
  out[2] = (code >>> 8) & 0xff;
  out[3] = code & 0xff;
  out.set(text, 4);
  return out;
}

/** True when `frame` is one of ours (control) rather than a Colyseus frame. */
export function isControlFrame(frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0] === CONTROL_FRAME;
}

/** Reads a close frame; null for anything else (unknown control frames are ignored by both sides). */
export function decodeCloseFrame(frame: Uint8Array): { code: number; reason: string } | null {
  if (frame.length < 4 || frame[0] !== CONTROL_FRAME || frame[1] !== CONTROL_CLOSE) return null;
  return { code: (frame[2] << 8) | frame[3], reason: decoder.decode(frame.subarray(4)) };
}

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
 * timing from `base`. Call it before any connection exists, in this order on both peers.
 */
export function createColyseusPipelines(driver: PipelineFactory, base: NetworkSettings, options: ColyseusPipelineOptions = {}): void {
  const reliableSettings = new NetworkSettings()
    .withReliableStageParameters({
      windowSize: options.reliableWindowSize ?? DEFAULT_RELIABLE_WINDOW,
      minimumResendTime: base.reliableStage.minimumResendTime,
      maximumResendTime: base.reliableStage.maximumResendTime,
    })
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

/** How the reliable pipeline stands for one connection: what `getPipelineBuffers` reports. */
export interface ReliableBacklog {
  inFlight: number;
  queuedMessages: number;
}

