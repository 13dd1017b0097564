import { NetworkEndpoint } from '../transport/api/endpoint.ts';
import { WebRtcNetworkInterface } from '../transport/carriers/webrtc-client.ts';
import { DEFAULT_SIGNAL_PATH } from '../transport/carriers/webrtc-signal.ts';
import { WebSocketNetworkInterface } from '../transport/carriers/websocket-client.ts';
import type { NetCarrier, NetTarget } from './options.ts';

/**
 * The carrier used when the plugin creates the driver and no `networkInterface` option is given: UTP over
 * WebSocket, as in Unity's WebGL builds (Phaser always runs on a page, where UDP does not exist). A `url`
 * (`wss://game.example.com/utp`) is connected to as is; a bare `endpoint` becomes `ws://ADDR:PORT/`.
 * With `carrier: 'webrtc'` it is a `WebRtcNetworkInterface` with that WebSocket as fallback.
 * For UDP (a Node bot on headless Phaser), pass `networkInterface: new UDPNetworkInterface()`.
 */
export function defaultNetworkInterface(target: NetTarget): NetCarrier {
  const ws = target.url !== undefined ? new WebSocketNetworkInterface({ url: target.url }) : new WebSocketNetworkInterface();
  const to = target.url !== undefined ? ws.serverEndpoint : target.endpoint;
  if (target.carrier !== 'webrtc' || !to) return { networkInterface: ws, endpoint: to };
  // WebRTC first, on the same host and port: ws(s)://host:port/… → http(s)://host:port/utp/rtc.
  const base = target.url !== undefined ? new URL(target.url) : null;
  const origin = base
    ? `${base.protocol === 'wss:' || base.protocol === 'https:' ? 'https' : 'http'}://${base.host}`
    : `http://${to.family === NetworkEndpoint.anyIpv6.family ? `[${to.address}]` : to.address}:${to.port}`;
  const networkInterface = new WebRtcNetworkInterface({
    signalUrl: `${origin}${target.webRtcPath ?? DEFAULT_SIGNAL_PATH}`, fallback: ws,
    iceServers: target.iceServers, openTimeoutMS: target.webRtcTimeoutMS,
  });
  // The fallback reports packets from the endpoint it was handed: the WebSocket's own for a numeric target.
  return { networkInterface, endpoint: to };
}
