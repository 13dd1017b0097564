import { NetworkFamily, type NetworkEndpoint } from '../../transport/api/endpoint.ts';
import type { NetworkInterface, PacketSink } from '../../transport/carriers/network-interface.ts';
import { WebRtcNetworkInterface, type RtcPeerConnectionConstructor, type WebRtcCarrierState } from '../../transport/carriers/webrtc-client.ts';
import { DEFAULT_SIGNAL_PATH, WEBRTC_PACKET_PADDING } from '../../transport/carriers/webrtc-signal.ts';
import { wsPackageWebSocket, type WebSocketConstructor } from '../../transport/carriers/websocket-client.ts';
import { RelayWebSocketInterface } from './websocket.ts';

/** Options of `RelayWebRtcInterface`. */
export interface RelayWebRtcInterfaceOptions {
  /** Use a WebSocket to the same Relay endpoint when the data channel does not open. Default true; false forces WebRTC. */
  fallback?: boolean;
  /** Path of the Relay server's signalling on its WebSocket port (`RelayServer.listenWebRtc`). Default `/utp/rtc`. */
  signalPath?: string;
  /** STUN/TURN servers; default none (host candidates). */
  iceServers?: RTCIceServer[];
  /** How long the data channel may take to open before the WebSocket is used. Default 3000 ms. */
  openTimeoutMS?: number;
  /** The `RTCPeerConnection` implementation; default the global one (absent → straight to the WebSocket). */
  RTCPeerConnection?: RtcPeerConnectionConstructor;
  /** The WebSocket implementation of the fallback; default the global one, else the `ws` package (Node). */
  WebSocket?: WebSocketConstructor;
}

/**
 * The carrier to a Relay server over a WebRTC data channel (browsers), for "ws"/"wss" Relay data: the offer goes to
 * `/utp/rtc` on the Relay endpoint's host and port (`ws://relay:2569/` → `http://relay:2569/utp/rtc`), where
 * `RelayServer.listenWebRtc` answers; then one Relay message per unordered, unretransmitted message, so RELAY
 * traffic has UDP's delivery. If the channel does not open within `openTimeoutMS` (no UDP, a firewall, a relay
 * without WebRTC, a browser without it), the messages go over a WebSocket to the same endpoint instead
 * (`RelayWebSocketInterface`); `carrierName` says which is in use.
 *
 * As with `RelayWebSocketInterface`, the link lives as long as the allocation, not as the connections above it: it
 * opens with the first message (a BIND), and once it is lost the next message (the Relay layer's re-BIND, spec §7.3
 * rule 8) negotiates a new channel.
 *
 * ```ts
 * const data = RelayServerData.fromAllocation(allocation, 'ws');
 * const driver = createRelayDriver(withRelayParameters(new NetworkSettings(), data), { carrier: new RelayWebRtcInterface() });
 * ```
 */
export class RelayWebRtcInterface implements NetworkInterface {
  /** Keeps every packet one SCTP chunk in one datagram (`WEBRTC_MAX_PACKET`); the WebSocket fallback fits too. */
  readonly packetPadding = WEBRTC_PACKET_PADDING;
  readonly #options: RelayWebRtcInterfaceOptions;
  #sink: PacketSink | null = null;
  #local: NetworkEndpoint | null = null;
  #WebSocket: WebSocketConstructor | null = null;
  #inner: WebRtcNetworkInterface | null = null;

  /** A WebRTC carrier to a Relay server; nothing happens before the first message. */
  constructor(options: RelayWebRtcInterfaceOptions = {}) {
    this.#options = options;
  }

  get localEndpoint(): NetworkEndpoint { return this.#inner?.localEndpoint ?? this.#local!; }

  /** `'webrtc'` while negotiating or on the channel, `'websocket'` once it fell back. */
  get carrierName(): string { return this.#inner?.carrierName ?? 'webrtc'; }

  /** Where the current link stands (`'idle'` before the first message). */
  get state(): WebRtcCarrierState { return this.#inner?.state ?? 'idle'; }

  /** Why the last attempt gave WebRTC up ('' if it did not). */
  get fallbackReason(): string { return this.#inner?.fallbackReason ?? ''; }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#local = endpoint;
    this.#sink = sink;
    if (this.#options.fallback === false) return;
    this.#WebSocket = this.#options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined) ?? await wsPackageWebSocket();
  }

  /** The Relay client never listens: hosting goes through the Relay server. */
  listen(): void {}

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    if (!this.#sink) return;
    let inner = this.#inner;
    if (!inner || inner.state === 'closed') inner = this.#open(to);
    inner.send(bytes, start, end, to);
  }

  dispose(): void {
    const inner = this.#inner;
    this.#inner = null;
    this.#sink = null; // nothing reaches the disposed driver any more (see the sink in #open)
    inner?.dispose(); // its peer connection closes once the driver's last packets (its Disconnects) have left
  }

  /** A new link to the Relay at `to`: a WebRTC carrier with the WebSocket as its fallback. */
  #open(to: NetworkEndpoint): WebRtcNetworkInterface {
    this.#inner?.dispose();
    const o = this.#options;
    const Ws = this.#WebSocket;
    const inner = new WebRtcNetworkInterface({
      signalUrl: relaySignalUrl(to, o.signalPath ?? DEFAULT_SIGNAL_PATH),
      fallback: Ws ? new RelayWebSocketInterface({ WebSocket: Ws }) : null,
      iceServers: o.iceServers, openTimeoutMS: o.openTimeoutMS, RTCPeerConnection: o.RTCPeerConnection,
    });
    this.#inner = inner;
    // Through this carrier's sink, so that a link closing after `dispose` reports nothing.
    const sink: PacketSink = {
      receive: (bytes, address, port) => this.#sink?.receive(bytes, address, port),
      error: (err) => this.#sink?.error(err),
      closed: (address, port, reason) => this.#sink?.closed?.(address, port, reason),
    };
    // With the WebSocket constructor at hand this completes before it returns (no await is reached): the send
    // that follows finds the carrier bound.
    inner.bind(this.#local!, sink).catch((err: unknown) => this.#sink?.error(err as Error));
    return inner;
  }
}

/** The signalling URL of a Relay endpoint: `ws(s)://host:port/…` → `http(s)://host:port` + `path`. */
export function relaySignalUrl(to: NetworkEndpoint, path: string): string {
  if (to.family !== NetworkFamily.Custom) return `http://${to.addressText}:${to.port}${path}`;
  const u = new URL(to.address);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}${path}`;
}
