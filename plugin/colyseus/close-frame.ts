// Close codes and the control frame that carries them: a UTP Disconnect has no reason field, so each side sends
// this frame on the reliable pipeline first. Shared by the server transport and the SDK transport.

/** Colyseus' close codes (`CloseCode` of @colyseus/shared-types), plus the WebSocket ones the transports use. */
export const CloseCodes = {
  /** 1000: a normal close. */
  NORMAL_CLOSURE: 1000,
  /** 1001: the peer is going away (WebSocket's code; utp-ts's transports do not send it). */
  GOING_AWAY: 1001,
  /** 1005: a close without a code (the SDK transport's `close()` with none sends this). */
  NO_STATUS_RECEIVED: 1005,
  /** A timeout or a UTP Disconnect without a close frame: the SDK reconnects. */
  ABNORMAL_CLOSURE: 1006,
  /** An inbound frame above the server's `maxPayload`. */
  MESSAGE_TOO_BIG: 1009,
  /** 4000: the client left on purpose (`room.leave()`); no reconnection. */
  CONSENTED: 4000,
  /** 4001: the server is shutting down. */
  SERVER_SHUTDOWN: 4001,
  /** 4002: closed because of an error. */
  WITH_ERROR: 4002,
  /** 4003: the client did not reconnect in time (`allowReconnection` gave up). */
  FAILED_TO_RECONNECT: 4003,
  /** 4010: the client may reconnect (a devMode restart, the browser going offline, a reconnection that timed out). */
  MAY_TRY_RECONNECT: 4010,
} as const;

/**
 * Control frames share pipeline 1 with Colyseus frames. Colyseus uses bits 0..4 of a frame's first byte for the
 * protocol code (0..22 today) and bits 5..7 for modifiers, so 0xFF (code 31 with every modifier bit) never
 * starts a Colyseus frame: it marks ours.
 *
 * `FF 01 <code u16 big-endian> <reason UTF-8>`: close, sent just before the UTP Disconnect.
 */
export const CONTROL_FRAME = 0xff;
export const CONTROL_CLOSE = 0x01;

/** A decoded close frame. */
export interface CloseFrame {
  /** The close code (`CloseCodes`, or any WebSocket-style code). */
  code: number;
  /** The reason text (UTF-8), often empty. */
  reason: string;
}

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
export function decodeCloseFrame(frame: Uint8Array): CloseFrame | null {
  if (frame.length < 4 || frame[0] !== CONTROL_FRAME || frame[1] !== CONTROL_CLOSE) return null;
  return { code: (frame[2] << 8) | frame[3], reason: decoder.decode(frame.subarray(4)) };
}
