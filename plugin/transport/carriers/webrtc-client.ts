import { NetworkEndpoint } from '../api/endpoint.ts';
import { UtpError } from '../api/errors.ts';
import { DisconnectReason } from '../api/status-codes.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';
import { closeWhenSent } from './webrtc-close.ts';
import { SDP_CONTENT_TYPE, UTP_CHANNEL_LABEL, WEBRTC_PACKET_PADDING } from './webrtc-signal.ts';

/** An `RTCPeerConnection` constructor: the browser's, or a polyfill in Node (`node-datachannel/polyfill`). */
export type RtcPeerConnectionConstructor = new (config: RTCConfiguration) => RTCPeerConnection;

/** Options of `WebRtcNetworkInterface`. */
export interface WebRtcNetworkInterfaceOptions {
  /** The server's signalling URL (`https://game.example.com/utp/rtc`): the offer is POSTed there. */
  signalUrl: string;
  /** STUN/TURN servers; default none (host candidates; enough when the server has a public address). */
  iceServers?: RTCIceServer[];
  /**
   * How long the data channel may take to open, from the first packet (signalling included), before the
   * carrier gives up on WebRTC and uses `fallback`. Default 3000 ms.
   */
  openTimeoutMS?: number;
  /**
   * The carrier to use when WebRTC does not open (no UDP, a firewall, a browser without WebRTC): typically a
   * `WebSocketNetworkInterface` to the same server. It is bound with this interface. Without one, a channel that
   * does not open ends the connection (`MaxConnectionAttempts`).
   */
  fallback?: NetworkInterface | null;
  /** The `RTCPeerConnection` implementation; default the global one (absent → straight to `fallback`). */
  RTCPeerConnection?: RtcPeerConnectionConstructor;
  /** Packets are dropped while more than this many bytes wait in the channel (they would be stale). Default 64 KiB. */
  maxBufferedBytes?: number;
}

/** Where the carrier stands: negotiating WebRTC, on WebRTC, on the fallback, or done. */
export type WebRtcCarrierState = 'idle' | 'connecting' | 'open' | 'fallback' | 'closed';

/** Packets waiting for the channel (the connection layer resends what matters). */
const MAX_QUEUED = 128;

/**
 * UTP over a WebRTC data channel, client side (browsers): one `RTCPeerConnection` with one channel, label
 * `utp`, `ordered: false, maxRetransmits: 0`, one UTP packet per message, byte for byte. Serves one server.
 *
 * The first packet the driver sends (its ConnectionRequest) starts the negotiation: the offer, with every ICE
 * candidate, is POSTed to `signalUrl` and the answer comes back in the response. Packets wait until the channel
 * opens. If it has not opened within `openTimeoutMS`, the carrier switches to `fallback` (a WebSocket) and
 * hands it the waiting packets; the driver sees one interface either way, and `carrierName` says which is in use.
 * A channel that closes after opening ends the connection (`ClosedByRemote`), as a WebSocket does.
 *
 * ```ts
 * const iface = new WebRtcNetworkInterface({
 *   signalUrl: 'https://game.example.com/utp/rtc',
 *   fallback: new WebSocketNetworkInterface({ url: 'wss://game.example.com/utp' }),
 * });
 * const driver = NetworkDriver.create({ networkInterface: iface });
 * const connection = driver.connect(iface.serverEndpoint);
 * ```
 */
export class WebRtcNetworkInterface implements NetworkInterface {
  /** Keeps every packet one SCTP chunk in one datagram (see `WEBRTC_MAX_PACKET`); the fallback fits too. */
  readonly packetPadding = WEBRTC_PACKET_PADDING;
  readonly #options: WebRtcNetworkInterfaceOptions;
  readonly #queue: Uint8Array[] = [];
  #state: WebRtcCarrierState = 'idle';
  #sink: PacketSink | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;
  #to: NetworkEndpoint | null = null;
  #pc: RTCPeerConnection | null = null;
  #channel: RTCDataChannel | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #onPageHide: (() => void) | null = null;
  /** Why WebRTC was given up (for logs and tests), or ''. */
  fallbackReason = '';
  /** The channel had opened and then died (not a close the connection layer asked for). */
  lost = false;

  /** A WebRTC client carrier signalling at `options.signalUrl`. Throws `UtpError` if it is not http(s)://. */
  constructor(options: WebRtcNetworkInterfaceOptions) {
    if (!/^https?:\/\//i.test(options.signalUrl)) throw new UtpError(`signalUrl must start with http:// or https://, got '${options.signalUrl}'`);
    this.#options = options;
  }

  /** The endpoint to `connect` to (family `Custom`, address = the signalling URL). */
  get serverEndpoint(): NetworkEndpoint {
    const u = new URL(this.#options.signalUrl);
    return NetworkEndpoint.custom(this.#options.signalUrl, u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);
  }

  get localEndpoint(): NetworkEndpoint { return this.#local; }

  /** Where the carrier is: `'idle'`, `'connecting'`, `'open'` (a data channel), `'fallback'` (on WebSocket) or `'closed'`. */
  get state(): WebRtcCarrierState { return this.#state; }

  /** `'webrtc'` until the carrier falls back, then the fallback's name (`'websocket'`). */
  get carrierName(): string {
    return this.#state === 'fallback' ? (this.#options.fallback?.carrierName ?? 'websocket') : 'webrtc';
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#local = endpoint;
    this.#sink = sink;
    await this.#options.fallback?.bind(endpoint, sink);
  }

  listen(): void {
    throw new UtpError('a WebRTC client cannot listen: serve browsers with WebRtcServerInterface (Node)');
  }

  connectionOpened(to: NetworkEndpoint): void {
    if (this.#state === 'idle') this.#start(to);
    else if (this.#state === 'fallback') this.#options.fallback?.connectionOpened?.(to);
  }

  connectionClosed(to: NetworkEndpoint): void {
    if (this.#state === 'fallback') { this.#options.fallback?.connectionClosed?.(to); return; }
    if (this.#state === 'closed' || this.#state === 'idle') return;
    this.#state = 'closed';
    this.#stopTimer();
    this.#close(); // the Disconnect was just handed to the channel: it leaves first
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    switch (this.#state) {
      case 'open': {
        const ch = this.#channel!;
        if (ch.readyState !== 'open') return;
        if (ch.bufferedAmount > (this.#options.maxBufferedBytes ?? 64 * 1024)) return; // stale by the time it left
        try {
          ch.send(bytes.subarray(start, end) as Uint8Array<ArrayBuffer>); // copied before send returns (WHATWG)
        } catch {
          // Closed under us (the close event may still be on its way): never throw into the driver's flush.
          const pc = this.#pc;
          if (pc) queueMicrotask(() => this.#lost(pc));
        }
        return;
      }
      case 'fallback':
        this.#options.fallback!.send(bytes, start, end, to);
        return;
      case 'idle':
      case 'connecting':
        if (this.#state === 'idle') this.#start(to);
        if (this.#queue.length < MAX_QUEUED) this.#queue.push(bytes.slice(start, end)); // waits for the channel
        return;
      default:
    }
  }

  /** Closes the peer connection once the packets of the driver's last flush (its Disconnects) have left. */
  dispose(): void {
    this.#state = 'closed';
    this.#stopTimer();
    this.#queue.length = 0;
    this.#close();
    if (this.#onPageHide) globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.#onPageHide = null;
    this.#options.fallback?.dispose();
    this.#sink = null;
  }

  /** Lets go of the peer connection, closing it once its channel has sent what it holds. */
  #close(): void {
    const pc = this.#pc;
    const channel = this.#channel;
    this.#pc = null;
    this.#channel = null;
    if (pc) closeWhenSent(channel, () => pc.close());
  }

  #start(to: NetworkEndpoint): void {
    this.#to = to;
    this.#state = 'connecting';
    const Ctor = this.#options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: RtcPeerConnectionConstructor }).RTCPeerConnection;
    if (!Ctor) { this.#giveUp('this browser has no RTCPeerConnection'); return; }
    this.#timer = setTimeout(() => this.#giveUp(`the data channel did not open within ${this.#options.openTimeoutMS ?? 3000} ms`), this.#options.openTimeoutMS ?? 3000);
    this.#negotiate(Ctor).catch((err: unknown) => this.#giveUp(`signalling failed: ${(err as Error)?.message ?? err}`));
  }

  async #negotiate(Ctor: RtcPeerConnectionConstructor): Promise<void> {
    const pc = new Ctor({ iceServers: this.#options.iceServers ?? [] });
    this.#pc = pc;
    const channel = pc.createDataChannel(UTP_CHANNEL_LABEL, { ordered: false, maxRetransmits: 0 });
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => this.#opened(pc, channel);
    channel.onmessage = (ev: MessageEvent) => {
      const d: unknown = ev.data;
      if (this.#state !== 'open' || !(d instanceof ArrayBuffer) || d.byteLength === 0) return;
      this.#sink?.receive(new Uint8Array(d), this.#to!.address, this.#to!.port);
    };
    channel.onclose = () => this.#lost(pc);
    pc.onconnectionstatechange = () => { if (pc.connectionState === 'failed' || pc.connectionState === 'closed') this.#lost(pc); };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc);
    if (this.#pc !== pc) return;
    const res = await fetch(this.#options.signalUrl, {
      method: 'POST', headers: { 'Content-Type': SDP_CONTENT_TYPE }, body: pc.localDescription!.sdp,
    });
    if (!res.ok) throw new Error(`${this.#options.signalUrl} answered ${res.status}`);
    const sdp = await res.text();
    if (this.#pc !== pc) return;
    await pc.setRemoteDescription({ type: 'answer', sdp });
  }

  #opened(pc: RTCPeerConnection, channel: RTCDataChannel): void {
    if (this.#pc !== pc || this.#state !== 'connecting') return;
    this.#stopTimer();
    this.#state = 'open';
    this.#channel = channel;
    try {
      for (const p of this.#queue) channel.send(p as Uint8Array<ArrayBuffer>);
    } catch { /* closed at once: the close event follows */ }
    this.#queue.length = 0;
    // A closing tab says goodbye at once; otherwise the server learns of it only from ICE consent (~30 s).
    if (typeof globalThis.addEventListener === 'function') {
      this.#onPageHide = () => this.#pc?.close();
      globalThis.addEventListener('pagehide', this.#onPageHide);
    }
  }

  /** The channel or the peer connection ended: before opening, fall back; after, the connection is gone. */
  #lost(pc: RTCPeerConnection): void {
    if (this.#pc !== pc) return;
    if (this.#state === 'connecting') { this.#giveUp(`the peer connection ${pc.connectionState === 'failed' ? 'failed' : 'closed'}`); return; }
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.lost = true;
    this.#pc = null;
    this.#channel = null;
    pc.close();
    const to = this.#to!;
    this.#sink?.closed?.(to.address, to.port, DisconnectReason.ClosedByRemote);
  }

  /** WebRTC did not open: continue on the fallback with the packets that waited, or end the connection. */
  #giveUp(reason: string): void {
    if (this.#state !== 'connecting') return;
    this.#stopTimer();
    this.fallbackReason = reason;
    const pc = this.#pc;
    this.#pc = null;
    this.#channel = null;
    try { pc?.close(); } catch { /* already closed */ }
    const fallback = this.#options.fallback;
    const to = this.#to!;
    if (!fallback) {
      this.#state = 'closed';
      this.#queue.length = 0;
      this.#sink?.closed?.(to.address, to.port, DisconnectReason.MaxConnectionAttempts);
      return;
    }
    this.#state = 'fallback';
    fallback.connectionOpened?.(to);
    for (const p of this.#queue) fallback.send(p, 0, p.length, to);
    this.#queue.length = 0;
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** Resolves once ICE gathering is complete (the offer then holds every candidate), or after 2 s with what there is. */
function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
    });
  });
}
