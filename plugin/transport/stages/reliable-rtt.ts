/**
 * Round-trip estimate and resend timeout of the reliable stage (spec §5.3.5), mirroring the RTT fields of
 * UTP's `ReliableUtility` (LastRtt, SRTT, RTTVAR, RTO). Float math, as UTP does; only the RTO is truncated.
 */
export class RttEstimator {
  /** Smoothed RTT, ms. Initial 50. */
  srtt = 50;
  /** RTT variance, ms. Initial 5. */
  rttVariance = 5;
  /** trunc(SRTT + 4·RTTVAR) before clamping. Initial 50. */
  rto = 50;
  /** Latest sample, ms. Initial 50. */
  lastRtt = 50;
  /**
   * utp-ts only: smoothed ProcessingTime the peer reports, i.e. how long its acks wait for its next update.
   * Samples exclude it, so UTP's timeout fires before an ack from a slowly updating peer can arrive.
   */
  ackDelay = 0;
  /** utp-ts only: smoothed interval between our own updates (acks are only read at updates). */
  updateInterval = 0;
  /**
   * utp-ts only: smoothed interval between acks that advance while packets stay in flight, i.e. the peer's
   * ack cadence. UTP samples only the newest acknowledged sequence, so older packets of one batch wait up to
   * this much longer than the sample says.
   */
  ackInterval = 0;
  #sampled = false;
  #lastUpdate = -1;
  #lastAck = -1;
  #inFlightAtLastAck = false;
  readonly minimum: number;
  readonly maximum: number;

  constructor(minimumResendTime: number, maximumResendTime: number) {
    this.minimum = minimumResendTime;
    this.maximum = maximumResendTime;
  }

  /**
   * One sample for a packet first sent at `firstSendTime` and named by the peer's AckedSequenceId field
   * after `peerProcessingTime` ms of delay on its side. Resends do not restart the sample (no Karn rule).
   */
  sample(now: number, firstSendTime: number, peerProcessingTime: number): void {
    const rtt = Math.max(now - firstSendTime - peerProcessingTime, 1);
    const delta = rtt - this.srtt;
    this.lastRtt = rtt;
    this.srtt += delta / 8;
    this.rttVariance += (Math.abs(delta) - this.rttVariance) / 4;
    this.rto = Math.trunc(this.srtt + 4 * this.rttVariance);
    this.ackDelay += (peerProcessingTime - this.ackDelay) / 8;
    this.#sampled = true;
  }

  /** Whether a sample was taken (utp-ts only: `ackDelay` waits only once the path's round trip is known). */
  get sampled(): boolean {
    return this.#sampled;
  }

  /** The clock granularity G of RFC 6298 as seen here: the coarser of our update and the peer's ack cadence. */
  get granularity(): number {
    return Math.max(this.updateInterval, this.ackInterval);
  }

  /**
   * Effective timeout: UTP's `RTO > max ? max : max(RTO, min)` (initially 64 with the defaults), computed as
   * RFC 6298 does, `SRTT + max(G, 4·RTTVAR)`, plus the peer's smoothed ack delay. Local only: it removes
   * spurious resends at low frame rates and on very steady links, and never changes a packet's bytes; with a
   * 1 ms update loop and instant acks it is UTP's value.
   */
  get resendTimeout(): number {
    const t = this.#sampled ? Math.trunc(this.srtt + Math.max(this.granularity, 4 * this.rttVariance) + this.ackDelay) : this.rto;
    return t > this.maximum ? this.maximum : Math.max(t, this.minimum);
  }

  /** Called at every stage update with the driver clock: tracks the update interval (granularity). */
  noteUpdate(now: number): void {
    if (this.#lastUpdate >= 0 && now > this.#lastUpdate) this.updateInterval += (now - this.#lastUpdate - this.updateInterval) / 8;
    this.#lastUpdate = now;
  }

  /** Called when a received ack advances; `stillInFlight` says whether unacknowledged packets remain. */
  noteAckAdvance(now: number, stillInFlight: boolean): void {
    if (this.#inFlightAtLastAck && now > this.#lastAck) this.ackInterval += (now - this.#lastAck - this.ackInterval) / 8;
    this.#lastAck = now;
    this.#inFlightAtLastAck = stillInFlight;
  }
}
