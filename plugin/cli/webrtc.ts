// `utp echo --webrtc` and `utp ping --webrtc`: the HTTP port that WebSocket and WebRTC signalling share (as
// UtpTransport shares its HTTP server), and the Node side of a WebRTC client (node-datachannel's RTCPeerConnection).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer, type ServerOptions } from 'node:https';
import type { NetworkEndpoint } from '../transport/api/endpoint.ts';
import { UtpSocketError } from '../transport/api/errors.ts';
import type { RtcPeerConnectionConstructor } from '../transport/carriers/webrtc-client.ts';
import { DEFAULT_SIGNAL_PATH } from '../transport/carriers/webrtc-signal.ts';
import { UPGRADE_NOT_FOUND } from '../transport/carriers/websocket-constants.ts';
import { UsageError } from './args.ts';

/**
 * The HTTP(S) server of `utp echo --ws … --webrtc`, listening on `endpoint`: the WebSocket carrier takes upgrades
 * on `wsPath`, the WebRTC carrier the signalling POSTs; anything else gets what a WebSocket-only port answers
 * (426 for requests, 404 for upgrades on another path, spec §6.2.2).
 */
export async function listenSharedHttp(endpoint: NetworkEndpoint, wsPath: string, tls?: ServerOptions): Promise<HttpServer | HttpsServer> {
  const server = tls ? createHttpsServer(tls) : createHttpServer();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' }).end('UTP over WebSocket: upgrade required\n');
  });
  server.on('upgrade', (req, socket) => { if (req.url !== wsPath) socket.end(UPGRADE_NOT_FOUND); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new UtpSocketError(`cannot bind WebSocket ${endpoint}: ${err.message}`, err)));
    server.listen(endpoint.port, endpoint.address, () => resolve());
  });
  return server;
}

/**
 * The signalling URL of `utp ping --webrtc URL`: `http(s)://HOST:PORT[/PATH]` (a bare `/` means the default
 * `/utp/rtc`), or the `ws(s)://HOST:PORT` of the server's WebSocket, whose HTTP port answers signalling too.
 */
export function rtcSignalUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`URL: not a valid URL: '${text}'`);
  }
  const scheme = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }[u.protocol];
  if (!scheme) throw new UsageError(`--webrtc: expected http(s)://HOST:PORT[/PATH] (the signalling URL) or ws(s)://HOST:PORT, got '${text}'`);
  const ws = u.protocol.startsWith('ws');
  const path = ws || u.pathname === '/' ? DEFAULT_SIGNAL_PATH : u.pathname;
  return `${scheme}//${u.host}${path}`;
}

/** The W3C `RTCPeerConnection` of node-datachannel, and its `cleanup` (its threads keep Node alive until then). */
export async function nodeRtc(): Promise<{ RTCPeerConnection: RtcPeerConnectionConstructor; cleanup(): void }> {
  try {
    const [polyfill, lib] = await Promise.all([import('node-datachannel/polyfill'), import('node-datachannel')]);
    const cleanup = (lib as { default?: { cleanup(): void }; cleanup?: () => void }).default?.cleanup ?? lib.cleanup;
    return { RTCPeerConnection: polyfill.RTCPeerConnection as unknown as RtcPeerConnectionConstructor, cleanup };
  } catch (err) {
    throw new Error('--webrtc needs the node-datachannel package (npm install node-datachannel)', { cause: err });
  }
}
