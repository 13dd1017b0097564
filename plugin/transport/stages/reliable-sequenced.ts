import type { PipelineStage, StageContext } from './pipeline-stage.ts';
import { StatusCode } from '../api/status-codes.ts';
import { copyBytes } from './bytes.ts';
import {
  ReliableFixedHeaderSize, ReliablePacketType, maskOr, maskTrimmedLength, readReliableHeader, reliableMaskBytes,
  writeReliableHeader, type ReliableHeaderFields,
} from './reliable-header.ts';
import { ReliableState, reliableWindowSize, type ReliableSnapshot } from './reliable-state.ts';

export { ReliableState, reliableWindowSize, type ReliableSnapshot } from './reliable-state.ts';

type Ctx = StageContext<ReliableState>;

/**
 * Writes a header carrying the current receive state so that it ends at `payloadStart` and returns where
 * it starts. Windows > 64 trim the mask once the peer acknowledged anything (§5.3.2).
 */
function writeHeader(ctx: Ctx, buffer: Uint8Array, payloadStart: number, type: number, seq16: number): number {
  const s = ctx.state;
  const r = s.recv;
  const maskLength = s.wide && s.send.peerAcked >= 0 ? maskTrimmedLength(r.mask) : s.maskBytes;
  const at = payloadStart - ReliableFixedHeaderSize - maskLength;
  const acked16 = r.newest < 0 ? 0xffff : r.newest % 65536;
  // ProcessingTime: how long the acked sequence waited here before this header (§5.3.1), saturated to u16.
  const processing = r.newest < 0 ? 0 : Math.min(Math.max(Math.trunc(ctx.now - r.newestTime), 0), 0xffff);
  writeReliableHeader(buffer, at, type, processing, seq16, acked16, r.mask, maskLength, s.wide);
  return at;
}

/** Doublings beyond which the timeout is at `maximumResendTime` anyway (64 · 2^12 ms is over 4 minutes). */
const MAX_BACKOFF = 12;

/** A packet's timeout after `resends` timed resends: 1×, 2×, 4×… `timeout`, at most `maximum` (RFC 6298 §5.5). */
function backedOff(timeout: number, resends: number, maximum: number): number {
  return Math.min(timeout * 2 ** resends, Math.max(timeout, maximum));
}

/** Every transmitted header counts as an ack (`UpdateContextAfterPacketSend`, §5.3.4). */
function noteAckSent(s: ReliableState): void {
  s.recv.ackedSent = s.recv.newest;
  s.recv.maskChanged = false;
  s.recv.duplicates = 0;
  s.recv.owedSince = -1;
}

/**
 * `ackDelay` (utp-ts only): whether the owed ack may wait for a later update. Only data received in order with no
 * duplicate waits (a hole or a resend is news the peer acts on), only once a round trip was measured, and only while
 * the next packet (expected one arrival interval after the last) and one more update interval still come before
 * min(ackDelay, minimumResendTime − latest RTT − 1) ms have passed since the first unacknowledged packet arrived: the
 * ack then leaves with that arrival's update (in step with the peer's sending, so a server's acks still come in one
 * burst), and reaches a peer before a resend timeout of at least minimumResendTime (spec §5.3.5) can fire.
 */
function ackMayWait(s: ReliableState, now: number): boolean {
  const r = s.recv;
  if (s.ackDelay <= 0 || r.owedSince < 0 || r.duplicates > 0 || r.lastDelivered !== r.newest || !s.rtt.sampled) return false;
  if (r.arrivalInterval <= 0) return false;
  const deadline = r.owedSince + Math.min(s.ackDelay, s.rtt.minimum - s.rtt.lastRtt - 1);
  const nextArrival = Math.max(r.lastArrival + r.arrivalInterval, now);
  return nextArrival + s.rtt.updateInterval < deadline;
}

/** `resend`'s answer when `maxResendsPerSecond` holds the packet back (negative like a refusal: the callers stop). */
const HELD = -1;

/** `maxResendsPerSecond`: refills the bucket (at most one second's worth) and takes a token if there is one. */
function takeResendToken(s: ReliableState, now: number): boolean {
  if (now > s.resendTokensAt) {
    s.resendTokens = Math.min(s.resendRate, s.resendTokens + ((now - s.resendTokensAt) * s.resendRate) / 1000);
    s.resendTokensAt = now;
  }
  if (s.resendTokens < 1) return false;
  s.resendTokens--;
  return true;
}

/**
 * Resends a stored packet with a fresh header (§5.3.4). Returns the downstream status. The stored copy may still be
 * the carrier's (its first transmission left without a copy), so the resend is built in a scratch buffer.
 */
function resend(ctx: Ctx, slot: number): number {
  const s = ctx.state;
  if (s.resendRate > 0 && !takeResendToken(s, ctx.now)) {
    ctx.stats.resendsHeld++;
    return HELD;
  }
  const w = s.send;
  const off = w.offset[slot];
  const end = off + w.length[slot];
  let buf = s.resendBuffer;
  if (!buf || buf.length < end) buf = s.resendBuffer = new Uint8Array(w.buffers[slot]!.length);
  copyBytes(buf, off, w.buffers[slot]!, off, end);
  const at = writeHeader(ctx, buf, off, ReliablePacketType.Payload, w.seq[slot] % 65536);
  const rc = ctx.forward(buf, at, end);
  if (rc < 0) return rc; // not transmitted: the timer stays due and retries next update
  w.markSent(slot, ctx.now);
  noteAckSent(s);
  ctx.stats.packetsResent++;
  return rc;
}

/**
 * Stores a copy and transmits a new packet from that copy, which is never written again while stored (resends
 * are built elsewhere): so the carrier may send it as it is, and the send queue needs no copy of its own. A
 * downstream failure undoes everything: the sequence is not consumed and the caller sees the status.
 */
function sendNew(ctx: Ctx, src: Uint8Array, start: number, end: number): number {
  const s = ctx.state;
  const w = s.send;
  const room = ctx.headroom + s.headerCapacity;
  const slot = w.store(src, start, end, room, Math.max(ctx.pathMtu - room, 0));
  const buf = w.buffers[slot]!;
  const rc = ctx.forwardKept(buf, writeHeader(ctx, buf, room, ReliablePacketType.Payload, w.nextSequence % 65536), room + (end - start));
  if (rc < 0) return rc;
  w.commit(slot, ctx.now);
  noteAckSent(s);
  return StatusCode.Success;
}

/** Sends queued messages, oldest first, while the window has room (opt-in send queue). */
function drainQueue(ctx: Ctx): void {
  const s = ctx.state;
  const q = s.queue;
  while (q.count > 0 && s.send.canSend()) {
    if (sendNew(ctx, q.peekBuffer(), 0, q.peekLength()) < 0) break;
    q.shift();
  }
  ctx.stats.queuedMessages = q.count;
}

/** Ack-only packet: header with Type 1 and SequenceId 0, then one 00 filler byte (§5.3.7, TV-10). */
function sendAckOnly(ctx: Ctx): void {
  const s = ctx.state;
  const room = ctx.headroom + s.headerCapacity;
  let buf = s.ackBuffer;
  if (!buf || buf.length < room + 1) buf = s.ackBuffer = new Uint8Array(room + 1);
  buf[room] = 0;
  if (ctx.forward(buf, writeHeader(ctx, buf, room, ReliablePacketType.Ack, 0), room + 1) < 0) return;
  noteAckSent(s);
  ctx.stats.acksSent++;
}

function publishRtt(ctx: Ctx): void {
  const r = ctx.state.rtt;
  ctx.stats.rtt = r.srtt;
  ctx.stats.rttVariance = r.rttVariance;
  ctx.stats.resendTimeout = r.resendTimeout;
}

/**
 * Piggy-backed ack fields (`ReadAckPacket`, §5.3.6 step 5): older than known ⇒ ignored, equal ⇒ masks
 * ORed, newer ⇒ replaced. Samples the RTT for AckedSequenceId (first report only, §5.3.5), releases what
 * the ack covers and, when the ack advanced, fast-retransmits holes (utp-ts only).
 */
function processAck(ctx: Ctx, h: ReliableHeaderFields): void {
  const s = ctx.state;
  const w = s.send;
  const acked = w.reconstructAcked(h.ackedSequence);
  if (acked < 0 || acked < w.peerAcked) return;
  const slot = acked % w.size;
  if (w.timerSeq[slot] === acked && w.sampled[slot] === 0) {
    w.sampled[slot] = 1;
    s.rtt.sample(ctx.now, w.firstSendTime[slot], h.processingTime);
    publishRtt(ctx);
  }
  const advanced = acked > w.peerAcked;
  if (advanced) {
    w.peerAcked = acked;
    w.peerMask.set(s.peerMask);
  } else {
    maskOr(w.peerMask, s.peerMask);
  }
  w.releaseAcknowledged();
  if (advanced) {
    if (s.resendBackoff) { // the peer is answering again: back to the plain timeout
      w.backoff.fill(0);
      w.resendGate = 0;
      w.gateBackoff = 0;
    }
    s.rtt.noteAckAdvance(ctx.now, w.inFlight > 0);
    fastRetransmit(ctx, acked);
  }
}

/**
 * utp-ts only, same bytes as a timed resend: the peer has `acked`, so a still-stored older packet whose
 * latest transmission happened before `acked` was first sent is very likely lost — resend it now instead
 * of waiting for the RTO. A packet resent this way is only resent again by a later ack for a packet
 * first sent after that resend, so repeated acks cannot cause a storm.
 */
function fastRetransmit(ctx: Ctx, acked: number): void {
  const w = ctx.state.send;
  const anchor = acked % w.size;
  if (w.timerSeq[anchor] !== acked) return;
  const anchorTx = w.firstTx[anchor];
  for (let q = w.oldest; q < acked; q++) {
    const slot = q % w.size;
    if (w.seq[slot] === q && w.lastTx[slot] < anchorTx && resend(ctx, slot) < 0) return;
  }
}

/**
 * Timed resends, lowest sequence first (§5.3.4). UTP resends every due packet at a constant interval; with the
 * local `resendBackoff` / `maxResendsPerUpdate` / `maxResendsPerSecond` settings only the timing changes, never a
 * byte. With back-off the connection also has one timer, as RFC 6298's single retransmission timer: after a
 * round of timed resends the next round waits 1×, 2×, 4×… the timeout (capped) unless an ack advances, so a peer
 * that stopped answering costs at most `maxResendsPerUpdate` datagrams per timeout, however many are in flight. While an ack
 * advances at least once per timeout the timing is UTP's (test/transport/stages/reliable-backoff-link.test.ts); a
 * first round outside the connection's timer would keep it so for longer, but let an overloaded 500-client server
 * resend whole windows (bench/README.md, colyseus-cpu-500).
 */
function resendDue(ctx: Ctx, now: number): void {
  const s = ctx.state;
  const w = s.send;
  if (s.resendBackoff && now < w.resendGate) return;
  const timeout = s.rtt.resendTimeout;
  let budget = s.maxResendsPerUpdate;
  let resent = 0;
  for (let q = w.oldest; q < w.nextSequence && budget > 0; q++) {
    const slot = q % w.size;
    if (w.seq[slot] !== q) continue;
    const due = s.resendBackoff ? backedOff(timeout, w.backoff[slot], s.rtt.maximum) : timeout;
    if (now <= w.sendTime[slot] + due) continue;
    if (resend(ctx, slot) < 0) break;
    if (w.backoff[slot] < MAX_BACKOFF) w.backoff[slot]++;
    budget--;
    resent++;
  }
  if (s.resendBackoff && resent > 0) {
    w.resendGate = now + backedOff(timeout, w.gateBackoff, s.rtt.maximum);
    if (w.gateBackoff < MAX_BACKOFF) w.gateBackoff++;
  }
}

/** Delivers `seq` and every buffered successor, strictly in order (§5.3.6 step 6). */
function deliverInOrder(ctx: Ctx, buffer: Uint8Array, start: number, end: number): void {
  const r = ctx.state.recv;
  r.lastDelivered++;
  ctx.deliver(buffer, start, end);
  for (let slot = r.nextHeld(); slot >= 0; slot = r.nextHeld()) {
    const buf = r.buffers[slot]!;
    const from = r.start[slot];
    const to = r.end[slot];
    r.take(slot);
    r.lastDelivered++;
    ctx.deliver(buf, from, to);
  }
}

/**
 * Mirrors UTP's `ReliableSequencedPipelineStage` (spec §5.3): sequenced, acknowledged, resent after
 * clamp(SRTT + 4·RTTVAR, min, max) ms, delivered exactly once and in order. A full window makes `send`
 * return −5 `NetworkSendQueueFull` and transmit nothing, unless the pipeline was created with `sendQueue`
 * (utp-ts only), in which case messages wait in a local queue and leave from `update` as slots free.
 */
export const ReliableSequencedPipelineStage: PipelineStage<ReliableState> = {
  name: 'ReliableSequenced',
  headerCapacity: (settings) => ReliableFixedHeaderSize + reliableMaskBytes(reliableWindowSize(settings)),
  createState: (settings, info) => new ReliableState(settings, info),

  send(ctx, buffer, start, end) {
    const s = ctx.state;
    if (s.queue.count > 0) drainQueue(ctx); // acks may have freed slots since the last update
    if (s.queue.count === 0 && s.send.canSend()) return sendNew(ctx, buffer, start, end);
    // Window full (or older messages still queued, which must leave first).
    if (!s.queue.push(buffer, start, end)) return StatusCode.NetworkSendQueueFull;
    ctx.stats.queuedMessages = s.queue.count;
    return StatusCode.Success;
  },

  // Queued messages take free slots first, so either way the room is free slots + free queue places.
  room: (ctx) => ctx.state.send.freeSlots() + ctx.state.queue.room,

  receive(ctx, buffer, start, end) {
    const s = ctx.state;
    const h = s.header;
    if (!readReliableHeader(buffer, start, end, s.windowSize, h, s.peerMask)) {
      ctx.stats.packetsDropped++;
      return;
    }
    // Ack-only: ack fields only; it never enters the receive window and its filler is ignored (§5.3.6 step 1).
    if (h.type === ReliablePacketType.Ack) {
      processAck(ctx, h);
      return;
    }
    const r = s.recv;
    const seq = r.reconstruct(h.sequence);
    if (seq < 0) {
      ctx.stats.packetsDropped++;
      return;
    }
    if (seq > r.newest) {
      // More than a window ahead: the peer cannot have sent it (§5.3.6 step 3); nor could we hold it.
      if (seq - r.newest > s.windowSize || seq > r.lastDelivered + s.windowSize) {
        ctx.stats.packetsDropped++;
        return;
      }
      ctx.stats.packetsLost += seq - r.newest - 1; // skipped sequences: lost (or reordered), resent later
      r.advance(seq, ctx.now);
    } else if (r.newest - seq >= s.windowSize) {
      ctx.stats.packetsDropped++; // stale
      return;
    } else if (!r.markOlder(seq)) {
      // Duplicate: payload dropped, ack fields still processed (§5.3.6 step 4).
      ctx.stats.packetsDuplicated++;
      r.duplicates++;
      processAck(ctx, h);
      return;
    }
    processAck(ctx, h);
    const payload = start + h.size;
    if (seq === r.lastDelivered + 1) {
      deliverInOrder(ctx, buffer, payload, end);
    } else {
      r.hold(seq, buffer, payload, end);
      ctx.stats.packetsOutOfOrder++;
    }
  },

  update(ctx) {
    const s = ctx.state;
    const w = s.send;
    const now = ctx.now;
    s.rtt.noteUpdate(now);
    // Servers update every connection after each burst of datagrams: most calls find nothing in flight.
    if (w.inFlight > 0) resendDue(ctx, now);
    if (s.queue.count > 0) drainQueue(ctx);
    // At most one ack-only per update, only if no header sent above already carried the news (§5.3.7).
    if (s.recv.needsAck() && !ackMayWait(s, now)) sendAckOnly(ctx);
    publishRtt(ctx);
  },

  dispose(ctx) {
    const s = ctx.state;
    s.send.clear();
    s.recv.clear();
    s.queue.clear();
    s.ackBuffer = null;
    ctx.stats.queuedMessages = 0;
  },

  inspect(s): ReliableSnapshot {
    return {
      windowSize: s.windowSize,
      headerCapacity: s.headerCapacity,
      nextSendSequence: s.send.nextSequence,
      peerAckedSequence: s.send.peerAcked,
      inFlight: s.send.inFlight,
      receivedSequence: s.recv.newest,
      lastDeliveredSequence: s.recv.lastDelivered,
      bufferedOutOfOrder: s.recv.buffered,
      queuedMessages: s.queue.count,
      srtt: s.rtt.srtt,
      rttVariance: s.rtt.rttVariance,
      lastRtt: s.rtt.lastRtt,
      resendTimeout: s.rtt.resendTimeout,
    };
  },
};
