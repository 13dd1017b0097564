// Where each carrier goes for a seat. A seat's room URL (`utp[s]://<publicAddress or endpoint>/<processId>/<roomId>?…`)
// names the process that hosts the room; every carrier derives its own endpoint from it here, so that a seat
// handed out by any process of a cluster leads to the host on every carrier. A new carrier (WebRTC) adds its
// endpoint to `SeatEndpoints` and derives it in `seatEndpoints`.
import { DEFAULT_SIGNAL_PATH } from '../../transport/carriers/webrtc-signal.ts';
import { DEFAULT_WEBSOCKET_PATH } from '../protocol.ts';

/** The carrier options `seatEndpoints` reads (a subset of `UtpClientOptions`). */
export interface SeatEndpointOptions {
  /** Path of the server's UTP WebSocket tunnel (`UtpTransport`'s `webSocket.path`). Default `/utp`. */
  webSocketPath?: string;
  /**
   * The tunnel URL instead of `ws(s)://<seat host:port><webSocketPath>`: a fixed URL (one server behind a proxy), or
   * a function of the room URL for a cluster whose proxy routes each process by path, e.g.
   * `(room) => \`wss://game.example.com/p${room.port}/utp\``.
   */
  webSocketUrl?: string | ((room: URL) => string);
  /** Path of the server's WebRTC signalling (`UtpTransport`'s `webRtc.path`). Default `/utp/rtc`. */
  webRtcPath?: string;
}

/** Each carrier's endpoint for one seat. */
export interface SeatEndpoints {
  /** UTP over UDP: straight to the seat's host and port (a name is resolved when connecting). */
  udp: {
    /** The seat's host name or IP address. */
    host: string;
    /** The seat's UDP port. */
    port: number;
  };
  /** UTP over WebSocket: the tunnel URL. */
  webSocket: string;
  /** UTP over WebRTC: the signalling URL the offer is POSTed to (ICE then finds the host's UDP port). */
  webRtc: string;
}

/** The endpoints of the seat whose room URL is `room` (`utps:` = secure: `wss` for the tunnel). */
export function seatEndpoints(room: URL, options: SeatEndpointOptions = {}): SeatEndpoints {
  const secure = room.protocol.endsWith('s:');
  return {
    udp: { host: room.hostname.replace(/^\[|\]$/g, ''), port: room.port ? Number(room.port) : secure ? 443 : 80 },
    webSocket: tunnelUrl(room, secure, options),
    webRtc: signalUrl(room, secure, options),
  };
}

/** The tunnel URL for a room URL: same host and port, `ws`/`wss`, the endpoint's path prefix + `webSocketPath`. */
export function tunnelUrl(url: URL, secure: boolean, options: SeatEndpointOptions): string {
  if (typeof options.webSocketUrl === 'function') return options.webSocketUrl(url);
  if (options.webSocketUrl) return options.webSocketUrl;
  return `${secure ? 'wss' : 'ws'}://${url.host}${pathPrefix(url)}${options.webSocketPath ?? DEFAULT_WEBSOCKET_PATH}`;
}

/** The WebRTC signalling URL for a room URL: same host and port, `http`/`https`, path prefix + `webRtcPath`. */
export function signalUrl(url: URL, secure: boolean, options: SeatEndpointOptions): string {
  return `${secure ? 'https' : 'http'}://${url.host}${pathPrefix(url)}${options.webRtcPath ?? DEFAULT_SIGNAL_PATH}`;
}

/** The endpoint's own path: a room URL ends with /<processId>/<roomId>, and what comes before is it. */
function pathPrefix(url: URL): string {
  let prefix = url.pathname;
  if (url.searchParams.has('sessionId')) prefix = prefix.replace(/\/[^/]+\/[^/]+$/, '');
  return prefix.replace(/\/+$/, '');
}
