import type { RtcChannel } from './webrtc-library.ts';

/**
 * Longest wait for a closing channel's queue to drain before its peer connection is closed anyway: a live peer
 * drains it in a few round trips, one that is gone may never, and must not keep a carrier open.
 */
export const WEBRTC_CLOSE_TIMEOUT_MS = 1000;

/**
 * Time left, once `bufferedAmount` reads 0, for the SCTP stack to put its last messages on the wire. libdatachannel
 * counts in `bufferedAmount` only what its SCTP stack (usrsctp) refused: a burst still waiting there for the
 * congestion window reads 0 and is discarded by an immediate close (measured: 22 of 60 1,000-byte messages lost
 * on loopback, while 50 ms after the drain lost none). Whether Chromium's count covers its SCTP queue is not
 * measured here; the linger covers either stack for the few small packets of a goodbye.
 */
export const WEBRTC_CLOSE_LINGER_MS = 50;

/**
 * Calls `closePeer` once `channel` has sent what it holds: its `bufferedAmount` has reached 0 (`bufferedamountlow`
 * with a threshold of 0) and `lingerMS` more have passed; sooner if the channel closes, at once without an open
 * channel, and after `timeoutMS` at the latest. Closing a peer connection discards what its channel still queues
 * (libdatachannel and Chromium both do), and the last packets before a close are the Disconnects. Takes the
 * browser's `RTCDataChannel` (client carrier) or node-datachannel's channel (server carrier).
 */
export function closeWhenSent(
  channel: RTCDataChannel | RtcChannel | null, closePeer: () => void,
  timeoutMS = WEBRTC_CLOSE_TIMEOUT_MS, lingerMS = WEBRTC_CLOSE_LINGER_MS,
): void {
  let done = false;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  const later = (ms: number): void => {
    const t = setTimeout(finish, ms);
    (t as { unref?: () => void }).unref?.(); // never keeps a process alive on its own
    timers.push(t);
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    for (const t of timers) clearTimeout(t);
    closePeer();
  };
  const drained = (): void => { if (!done && queued(channel!) === 0) later(lingerMS); };
  try {
    if (!channel || !isOpen(channel)) { finish(); return; }
    later(timeoutMS);
    if (queued(channel) === 0) { later(lingerMS); return; }
    if (isW3c(channel)) {
      channel.bufferedAmountLowThreshold = 0;
      channel.addEventListener('bufferedamountlow', drained);
      channel.addEventListener('close', finish);
    } else {
      channel.setBufferedAmountLowThreshold(0);
      channel.onBufferedAmountLow(drained); // (its onClosed stays the carrier's, which closes the peer itself)
    }
    drained(); // it may have drained while the listener was being set
  } catch {
    finish(); // closed under us: nothing left to wait for
  }
}

function isW3c(channel: RTCDataChannel | RtcChannel): channel is RTCDataChannel {
  return typeof (channel as RTCDataChannel).readyState === 'string';
}

function isOpen(channel: RTCDataChannel | RtcChannel): boolean {
  return isW3c(channel) ? channel.readyState === 'open' : channel.isOpen();
}

function queued(channel: RTCDataChannel | RtcChannel): number {
  if (!isOpen(channel)) return 0;
  return isW3c(channel) ? channel.bufferedAmount : channel.bufferedAmount();
}
