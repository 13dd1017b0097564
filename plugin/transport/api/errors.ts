import { statusCodeName, type StatusCode } from './status-codes.ts';

/**
 * Thrown on API misuse (bad settings, calls in the wrong order, a value out of range). Runtime conditions
 * that UTP reports with a status code (window full, stale handle, …) are returned, not thrown.
 */
export class UtpError extends Error {
  /** The closest UTP status code, when one applies. */
  readonly code: StatusCode | undefined;

  constructor(message: string, code?: StatusCode, options?: { cause?: unknown }) {
    super(code === undefined ? message : `${message} (${statusCodeName(code)} ${code})`, options);
    this.name = 'UtpError';
    this.code = code;
  }
}

/** A setting outside the range UTP accepts; the message names the parameter and the range. */
export class UtpSettingsError extends UtpError {
  constructor(message: string) {
    super(message);
    this.name = 'UtpSettingsError';
  }
}

/** The socket or carrier failed (bind refused, address in use, …). Mirrors `NetworkSocketError` (-11). */
export class UtpSocketError extends UtpError {
  constructor(message: string, cause?: unknown) {
    super(message, -11, { cause });
    this.name = 'UtpSocketError';
  }
}
