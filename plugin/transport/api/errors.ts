import { statusCodeName, type StatusCode } from './status-codes.ts';

/**
 * Thrown on API misuse (bad settings, calls in the wrong order, a value out of range). Runtime conditions
 * that UTP reports with a status code (window full, stale handle, …) are returned, not thrown.
 */
export class UtpError extends Error {
  /** The closest UTP status code, when one applies. */
  readonly code: StatusCode | undefined;

  /** `message` says what to do; with `code`, the status code's name and value are appended to it. */
  constructor(message: string, code?: StatusCode, options?: { cause?: unknown }) {
    super(code === undefined ? message : `${message} (${statusCodeName(code)} ${code})`, options);
    this.name = 'UtpError';
    this.code = code;
  }
}

/** A setting outside the range UTP accepts; the message names the parameter and the range. */
export class UtpSettingsError extends UtpError {
  /** `message` names the parameter and what it must be (its range, or the missing companion), with the value given where there is one. */
  constructor(message: string) {
    super(message);
    this.name = 'UtpSettingsError';
  }
}

/** The socket or carrier failed (bind refused, address in use, …). Mirrors `NetworkSocketError` (-11). */
export class UtpSocketError extends UtpError {
  /** `message` says what failed; `cause` is the underlying error (e.g. Node's `EADDRINUSE`). Its `code` is -11. */
  constructor(message: string, cause?: unknown) {
    super(message, -11, { cause });
    this.name = 'UtpSocketError';
  }
}
