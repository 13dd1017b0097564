// A stock Colyseus client (`new Client('ws://…')`) matchmakes over HTTP, then opens a WebSocket on the room's path,
// which UtpTransport does not serve: refuse it at once with a reason the SDK shows, rather than leave it hanging.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCodes } from '../close-frame.ts';

/**
 * What this file uses of a `ws` WebSocketServer, spelled out so that the published declarations need no `@types/ws`.
 */
export interface UpgradeRefuser {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: { close(code: number, reason: string): void }) => void): void;
}

/** The close reason a refused WebSocket gets (≤ 123 bytes); the stock SDK rejects the join with it. */
export const UPGRADE_REFUSAL_REASON = "This server runs UtpTransport: join with UtpSDK from 'utp-ts/colyseus', not a WebSocket Client";

/**
 * Answers one upgrade request that is not for the UTP tunnel. A valid WebSocket handshake is accepted and closed
 * with 4002 and `UPGRADE_REFUSAL_REASON` (browsers cannot read an HTTP error's body; the SDK reports a close
 * reason as the join error); anything else gets `400 Bad Request` with the same text.
 */
export function refuseUpgrade(wss: UpgradeRefuser, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const key = req.headers['sec-websocket-key'];
  const isWebSocket = req.method === 'GET' && typeof key === 'string' && /^[+/0-9A-Za-z]{22}==$/.test(key)
    && req.headers['sec-websocket-version'] === '13' && String(req.headers.upgrade).toLowerCase() === 'websocket';
  if (!isWebSocket) {
    const body = `${UPGRADE_REFUSAL_REASON}.\n`;
    socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => ws.close(CloseCodes.WITH_ERROR, UPGRADE_REFUSAL_REASON));
}

/** A `ws` server that only completes handshakes in order to refuse them. */
export function refusingWebSocketServer(): UpgradeRefuser {
  return new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 1024 });
}
