// Limits on Colyseus's HTTP matchmaking routes (issue 13): a body size, and how many rooms one client address may
// create. Core serves `/matchmake/*` itself, so UtpTransport wraps core's request listener with
// `refuseMatchmaking`, which answers (and counts) what it refuses before core reads a byte of the body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchMaker } from '@colyseus/core';
import { plainAddress } from '../../transport/api/address.ts';
import { RateLimiter } from '../../transport/api/rate-limiter.ts';

/** Options of `UtpTransportOptions.matchmaking`. */
export interface MatchmakingLimits {
  /**
   * Largest matchmaking request body (JSON room options). A larger `Content-Length` is answered 413, a body
   * without one (chunked) 411, and the connection is closed unread. Default 64 KiB.
   */
  maxBodyBytes?: number;
  /**
   * Rooms created per client address (the socket's, not `X-Forwarded-For`), per second and in a burst; beyond it
   * 429. Counted: every `create`, and a `joinOrCreate` when no open room (public, unlocked) of that name exists, so
   * it will create one (room `filterBy` options are not looked at). Behind a reverse proxy every request has the
   * proxy's address: raise it, or limit at the proxy. Default 2 per second, bursts of 32; false disables.
   */
  roomCreation?: false | {
    /** Rooms per second an address earns back. Default 2. */
    perSecond?: number;
    /** Rooms an address may create at once. Default 32. */
    burst?: number;
  };
}

/** Default of `MatchmakingLimits.maxBodyBytes`. */
export const DEFAULT_MATCHMAKING_BODY_BYTES = 64 * 1024;
/** Default rate of `MatchmakingLimits.roomCreation`: rooms per second per client address. */
export const DEFAULT_ROOMS_PER_SECOND = 2;
/** Default burst of `MatchmakingLimits.roomCreation`: rooms one client address may create at once. */
export const DEFAULT_ROOM_BURST = 32;

/** Counters of the refusals (`UtpTransport.stats`). */
export interface MatchmakingRefusals {
  refusedRoomCreation: number;
  refusedMatchmakingBody: number;
}

/** The methods that may create a room. */
const CREATING = new Set(['create', 'joinOrCreate']);

/** The room-creation limiter for `limits`, or null when disabled. */
export function roomCreationLimiter(limits: MatchmakingLimits | undefined): RateLimiter | null {
  const rc = limits?.roomCreation;
  if (rc === false) return null;
  return new RateLimiter(rc?.perSecond ?? DEFAULT_ROOMS_PER_SECOND, rc?.burst ?? DEFAULT_ROOM_BURST);
}

/**
 * Answers a matchmaking request that breaks a limit (true), or leaves it to core (false). Refusals carry core's
 * CORS headers (a page's SDK reads the status) and Colyseus's error body `{ code, error }`.
 */
export async function refuseMatchmaking(
  req: IncomingMessage, res: ServerResponse, limits: MatchmakingLimits | undefined, limiter: RateLimiter | null,
  counts: MatchmakingRefusals,
): Promise<boolean> {
  const url = (req.url ?? '').split('?')[0];
  if (req.method !== 'POST' || !url.startsWith('/matchmake/')) return false;
  const max = limits?.maxBodyBytes ?? DEFAULT_MATCHMAKING_BODY_BYTES;
  const length = req.headers['content-length'];
  if (length === undefined && req.headers['transfer-encoding'] !== undefined) {
    counts.refusedMatchmakingBody++;
    return refuse(req, res, 411, `matchmaking requests need a Content-Length (at most ${max} bytes)`);
  }
  if (Number(length ?? 0) > max) {
    counts.refusedMatchmakingBody++;
    return refuse(req, res, 413, `matchmaking request body over ${max} bytes`);
  }
  const [method, roomName] = url.slice('/matchmake/'.length).split('/');
  if (!limiter || !CREATING.has(method) || (method === 'joinOrCreate' && await hasOpenRoom(roomName))) return false;
  if (!limiter.allow(plainAddress(req.socket.remoteAddress ?? ''), performance.now())) {
    counts.refusedRoomCreation++;
    return refuse(req, res, 429, 'too many rooms created from this address: try again in a few seconds');
  }
  return false;
}

/** Whether a `joinOrCreate` for `roomName` finds a room to join (what core's `findOneRoomAvailable` looks for). */
async function hasOpenRoom(roomName: string | undefined): Promise<boolean> {
  try {
    const name = decodeURIComponent(roomName ?? '');
    return (await matchMaker.query({ name, locked: false, private: false })).length > 0;
  } catch {
    return false; // a name core will refuse anyway, or a driver error: count it
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): true {
  const cors = { ...matchMaker.controller.DEFAULT_CORS_HEADERS, ...matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>)) };
  // 411/413: the body is left unread, so the connection is closed after the answer.
  const close = status === 429 ? {} : { Connection: 'close' };
  res.writeHead(status, { ...cors, ...close, 'Content-Type': 'application/json' }).end(JSON.stringify({ code: status, error }));
  return true;
}
