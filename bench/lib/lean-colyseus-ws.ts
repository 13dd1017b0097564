// The WebSocket counterpart of lean-colyseus.ts, so that a benchmark with many clients in one load process treats
// both transports alike: to a ws-transport server its clients are the stock SDK's (the same matchmaking request, the
// same WebSocket URL `/<processId>/<roomId>?sessionId=…`, the JOIN_ROOM acknowledgement), each with its own WebSocket
// from the same implementation the SDK picks in Node (the global WebSocket, else `ws`). What it saves is client-side
// only, exactly what the UTP lean client saves: matchmaking over kept-alive HTTP and frames classified by their first
// byte, so the initial state and the patches are counted but not decoded.
import NodeWebSocket from 'ws';
import { CODE_MASK, ERROR, JOIN_ACK, JOIN_ROOM, ROOM_STATE, ROOM_STATE_PATCH, joinOrCreateSeat } from './colyseus-protocol.ts';
import { KeepAliveHttp } from './keep-alive-http.ts';

/** The WebSocket class the stock SDK uses in Node (its transport/WebSocketTransport.ts). */
const WebSocketClass = (globalThis.WebSocket ?? NodeWebSocket) as typeof globalThis.WebSocket;

/** One joined client over WebSocket: counts the patches the server sends it. */
export class LeanWsRoom {
  /** State patches received. */
  patches = 0;
  readonly socket: WebSocket;

  constructor(socket: WebSocket) {
    this.socket = socket;
  }

  /** Closes the WebSocket (the benchmark ends by ending the process; no consented leave). */
  close(): void {
    this.socket.close();
  }
}

/** Many Colyseus WebSocket clients in one process, sharing kept-alive matchmaking connections. */
export class LeanColyseusWsClients {
  readonly #http = new KeepAliveHttp();

  /** `POST /matchmake/joinOrCreate/<name>` on `port`, then the WebSocket, until the initial state arrived. */
  async joinOrCreate(port: number, name: string, options: object): Promise<LeanWsRoom> {
    const seat = await joinOrCreateSeat(this.#http, port, name, options);
    const host = seat.publicAddress ?? `127.0.0.1:${port}`;
    const socket = new WebSocketClass(`ws://${host}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
    socket.binaryType = 'arraybuffer';
    const room = new LeanWsRoom(socket);
    return new Promise<LeanWsRoom>((resolve, reject) => {
      socket.onmessage = (event: MessageEvent) => {
        const code = new Uint8Array(event.data as ArrayBuffer, 0, 1)[0] & CODE_MASK;
        if (code === ROOM_STATE_PATCH) room.patches++;
        else if (code === JOIN_ROOM) socket.send(JOIN_ACK);
        else if (code === ROOM_STATE) resolve(room);
        else if (code === ERROR) reject(new Error('server error frame'));
      };
      socket.onclose = (event: CloseEvent) => reject(new Error(`closed before joining: ${event.code}`));
      socket.onerror = () => reject(new Error('WebSocket error'));
    });
  }

  /** Closes the matchmaking connections. */
  dispose(): void {
    this.#http.close();
  }
}
