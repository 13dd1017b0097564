// What the browser and the server carriers of UTP over WebRTC agree on: the signalling request, the channel, and
// the size budget. Browser-safe: no Node built-in.

/** Path of the signalling request on the server's HTTP port: `POST` an SDP offer, get the SDP answer back. */
export const DEFAULT_SIGNAL_PATH = '/utp/rtc';

/** Label of the one data channel that carries UTP; channels with another label are refused. */
export const UTP_CHANNEL_LABEL = 'utp';

/** Media type of the offer and of the answer (the whole SDP, candidates included: no trickle). */
export const SDP_CONTENT_TYPE = 'application/sdp';

/** Largest offer the server reads; a browser's offer with a dozen candidates is 1–3 KB. */
export const DEFAULT_MAX_OFFER_BYTES = 16 * 1024;

/**
 * Largest UTP packet that stays one SCTP DATA chunk in one UDP datagram in both directions. Chromium's SCTP
 * and libdatachannel size their packets for the 1280-byte IPv6 minimum path MTU, not for 1500: measured, a
 * 1160-byte message from Chromium and a 1150-byte one from node-datachannel arrive in one datagram; one byte
 * more and SCTP splits it in two, so losing either loses the packet. Per datagram the overhead is
 * SCTP 28 B (common header 12 + DATA chunk header 16, padded to 4) + DTLS 1.2 record 37 B (header 13,
 * AES-GCM explicit nonce 8 and tag 16) + UDP/IPv4 28 B (IPv6 48): 93–113 B, so 1150 B of UTP is 1243–1263 B
 * on the wire, well inside a 1500-byte path.
 */
export const WEBRTC_MAX_PACKET = 1150;

/**
 * Bytes the WebRTC carriers reserve in front of every packet in UTP's header budget (spec §2.4), as the
 * WebSocket carrier reserves its 14: with UTP's default 1400-byte `maxMessageSize` every packet is then at most
 * `WEBRTC_MAX_PACKET` bytes, and the largest message on pipeline 0 is 1140 (1400 − 250 − 10).
 */
export const WEBRTC_PACKET_PADDING = 1400 - WEBRTC_MAX_PACKET;

/**
 * A cheap shape check of an SDP offer before it reaches the WebRTC library: SDP version line first, a data
 * (`m=application`) section, ICE credentials and a DTLS fingerprint. Garbage is refused with 400 without
 * creating a peer.
 */
export function looksLikeDataChannelOffer(sdp: string): boolean {
  return sdp.startsWith('v=0') && /\r?\nm=application /.test(sdp) && /\r?\na=ice-ufrag:/.test(sdp) &&
    /\r?\na=ice-pwd:/.test(sdp) && /\r?\na=fingerprint:/.test(sdp);
}
