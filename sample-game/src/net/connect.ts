// Joining: quick play, a new private room, or a room code; and what to tell the player when it fails.
import type { Room } from '@colyseus/sdk';
import { UtpSDK } from '../../../plugin/colyseus/index.ts';
import { ROOM_NAME } from '../../shared/constants.ts';
import type { ArenaView, JoinOptions } from '../../shared/messages.ts';
import { clientSettings, type NetParams } from './params.ts';

export type JoinRequest = { kind: 'quick' } | { kind: 'create' } | { kind: 'code'; code: string };

export interface Profile {
  name: string;
  color: number;
}

/**
 * The SDK for this page's server (the page is served by the game server, or proxied to it by Vite): UTP over a
 * WebRTC data channel, falling back to the WebSocket; `?carrier=websocket` forces the WebSocket.
 */
export function makeSdk(endpoint: string, params: NetParams | null, carrier: 'webrtc' | 'websocket' = 'webrtc'): UtpSDK {
  return new UtpSDK(endpoint, { utp: { settings: clientSettings(params), carrier } });
}

export async function joinArena(sdk: UtpSDK, request: JoinRequest, profile: Profile): Promise<Room<any, ArenaView>> {
  const options: JoinOptions = { name: profile.name, color: profile.color };
  if (request.kind === 'code') return sdk.joinById<ArenaView>(request.code, options);
  if (request.kind === 'create') return sdk.create<ArenaView>(ROOM_NAME, { ...options, private: true });
  return sdk.joinOrCreate<ArenaView>(ROOM_NAME, options);
}

/** A player-facing sentence for a failed join. */
export function describeJoinError(err: unknown, request: JoinRequest, server: string): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const code = request.kind === 'code' ? request.code : '';
  if (e?.code === 522 && /locked/.test(message)) return `Room ${code} is full (16 players). Try another code or quick play.`;
  if (e?.code === 522) return `There is no room with code ${code}. Check the code, or create a room.`;
  // No answer at all, or a proxy (Vite's dev server) that cannot reach the game server.
  if (/fetch|network|ECONNREFUSED|Load failed/i.test(message) || [500, 502, 503, 504].includes(e?.code as number)) {
    return `Can't reach the game server at ${server}. Is it running? (npm start)`;
  }
  if (/could not connect|MaxConnectionAttempts|UTP connection failed/i.test(message)) {
    return 'Found the room but could not open the game connection (UTP over WebRTC or WebSocket). A proxy or firewall may block it.';
  }
  if (/full/i.test(message)) return 'That room is full (16 players).';
  return `Could not join: ${message}`;
}
