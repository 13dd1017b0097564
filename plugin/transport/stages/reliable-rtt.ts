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
  }

  /** Effective timeout: `RTO > max ? max : max(RTO, min)` (initially 64 with the defaults). */
  get resendTimeout(): number {
    return this.rto > this.maximum ? this.maximum : Math.max(this.rto, this.minimum);
  }
}
