import type { NetworkSettings } from '../api/settings.ts';
import { MaxReliableWindowSize } from '../api/settings.ts';
import type { StageInfo } from './pipeline-stage.ts';
import {
  ReliableFixedHeaderSize, ReliableNarrowWindowLimit, createReliableHeaderFields, reliableMaskBytes,
  type ReliableHeaderFields,
} from './reliable-header.ts';
import { MessageQueue } from './reliable-queue.ts';
import { RttEstimator } from './reliable-rtt.ts';
import { ReceiveWindow, SendWindow } from './reliable-window.ts';

/** Window as UTP 2.6+ uses it: a multiple of 8 in 8..2040 (§5.3.3). */
export function reliableWindowSize(settings: NetworkSettings): number {
  const w = Math.ceil(settings.reliableStage.windowSize / 8) * 8;
  return Math.min(Math.max(w, 8), MaxReliableWindowSize);
}

/** Per connection and pipeline state of `ReliableSequencedPipelineStage`. */
export class ReliableState {
  readonly windowSize: number;
  readonly maskBytes: number;
  /** Header capacity reserved in front of every stored payload. */
  readonly headerCapacity: number;
  /** Window > 64: explicit AckMaskLength and mask trimming (2.6+, §5.3.1). */
  readonly wide: boolean;
  readonly send: SendWindow;
  readonly recv: ReceiveWindow;
  readonly rtt: RttEstimator;
  readonly queue: MessageQueue;
  /** utp-ts only, local timing (settings `resendBackoff`, `maxResendsPerUpdate`; 0 = no bound). */
  readonly resendBackoff: boolean;
  readonly maxResendsPerUpdate: number;
  /** utp-ts only (setting `maxResendsPerSecond`; 0 = none): the resend token bucket, its rate and when it was filled. */
  readonly resendRate: number;
  resendTokens: number;
  resendTokensAt = 0;
  /** utp-ts only (setting `ackDelay`): how long an ack-only packet for in-order data may wait, ms; 0 = none. */
  readonly ackDelay: number;
  // Preallocated scratch: parsed header, peer mask, ack-only packet.
  readonly header: ReliableHeaderFields = createReliableHeaderFields();
  readonly peerMask: Uint8Array;
  ackBuffer: Uint8Array | null = null;
  /** A resend is built here: the stored copy may still be in the carrier's hands (see `sendNew`). */
  resendBuffer: Uint8Array | null = null;

  constructor(settings: NetworkSettings, info: StageInfo) {
    const w = reliableWindowSize(settings);
    this.windowSize = w;
    this.maskBytes = reliableMaskBytes(w);
    this.headerCapacity = ReliableFixedHeaderSize + this.maskBytes;
    this.wide = w > ReliableNarrowWindowLimit;
    this.send = new SendWindow(w, this.maskBytes);
    this.recv = new ReceiveWindow(w, this.maskBytes);
    this.rtt = new RttEstimator(settings.reliableStage.minimumResendTime, settings.reliableStage.maximumResendTime);
    this.queue = new MessageQueue(info.sendQueue ?? 0);
    this.resendBackoff = settings.reliableStage.resendBackoff ?? false;
    this.maxResendsPerUpdate = settings.reliableStage.maxResendsPerUpdate || Infinity;
    this.resendRate = settings.reliableStage.maxResendsPerSecond ?? 0;
    this.resendTokens = this.resendRate;
    this.ackDelay = settings.reliableStage.ackDelay ?? 0;
    this.peerMask = new Uint8Array(this.maskBytes);
  }
}

/** Read-only view returned by `inspect` (UTP's `GetPipelineBuffers` debugging use). */
export interface ReliableSnapshot {
  /** Packets in flight allowed per direction (`ReliableStageParameters.windowSize`, rounded up to a multiple of 8). */
  windowSize: number;
  /** Bytes reserved for this stage's header: 8 fixed plus the ack mask (4, 8, or window/8 bytes; spec §5.3.1). */
  headerCapacity: number;
  /** Next sequence we will send (64-bit counter). */
  nextSendSequence: number;
  /** Our newest sequence the peer acknowledged, -1 if none. */
  peerAckedSequence: number;
  /** Unacknowledged packets held for resend. */
  inFlight: number;
  /** Newest sequence received from the peer, -1 if none. */
  receivedSequence: number;
  /** Newest peer sequence handed to the application in order, -1 if none. */
  lastDeliveredSequence: number;
  /** Early packets waiting for a missing one. */
  bufferedOutOfOrder: number;
  /** Messages waiting in the opt-in send queue for room in the window. */
  queuedMessages: number;
  /** Smoothed round-trip time in ms (UTP's `SRTT`; 50 before the first sample). */
  srtt: number;
  /** Round-trip time variance in ms (UTP's `RTTVAR`; 5 before the first sample). */
  rttVariance: number;
  /** The latest round-trip sample in ms (UTP's `LastRtt`; 50 before the first). */
  lastRtt: number;
  /** Current resend timeout in ms, within `minimumResendTime`..`maximumResendTime`. */
  resendTimeout: number;
}
