// What the lean load generators (lean-colyseus.ts over UTP, lean-colyseus-ws.ts over WebSocket) share of Colyseus'
// client protocol: the message codes they read or send and the matchmaking request.
import type { KeepAliveHttp } from './keep-alive-http.ts';

/** Colyseus protocol codes (`Protocol` of @colyseus/shared-types); a frame's code is the low 5 bits of byte 0. */
export const JOIN_ROOM = 10;
export const ERROR = 11;
export const LEAVE_ROOM = 12;
export const ROOM_STATE = 14;
export const ROOM_STATE_PATCH = 15;
export const CODE_MASK = 0x1f;
export const JOIN_ACK = new Uint8Array([JOIN_ROOM]);

/** The seat reservation `/matchmake/joinOrCreate` answers (`ISeatReservation`). */
export interface Seat { name: string; sessionId: string; roomId: string; processId: string; publicAddress?: string }

/** `POST /matchmake/joinOrCreate/<name>` on `port`, as the SDK sends it; rejects with the server's error. */
export async function joinOrCreateSeat(http: KeepAliveHttp, port: number, name: string, options: object): Promise<Seat> {
  const res = await http.post(port, `/matchmake/joinOrCreate/${name}`, JSON.stringify(options));
  const json = JSON.parse(res.body);
  if (res.status !== 200) throw new Error(`matchmake ${res.status}: ${json.error ?? ''}`);
  return json as Seat;
}
