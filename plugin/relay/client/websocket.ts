import { NetworkEndpoint, NetworkFamily } from '../../transport/api/endpoint.ts';
import type { NetworkInterface, PacketSink } from '../../transport/carriers/network-interface.ts';
import { wsPackageWebSocket, type WebSocketConstructor, type WebSocketLike } from '../../transport/carriers/websocket-client.ts';
import { DisconnectReason } from '../../transport/api/status-codes.ts';
import { WEBSOCKET_HEADER_RESERVE, WebSocketCloseCode } from '../../transport/carriers/websocket-constants.ts';

/** Options of `RelayWebSocketInterface`. */
export interface RelayWebSocketInterfaceOptions {
  /** The WebSocket implementation; default the global one, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
}

/** Messages waiting for the socket to open; beyond this the newest are dropped (the Relay layer retries). */
const MAX_QUEUED = 64;
const OPEN = 1;

/**
 * The carrier under the `RelayLayer` for "ws"/"wss" Relay endpoints (spec §2.2 "WS/WSS + Relay",
 * §6.3): one WebSocket to the Relay server, one Relay message per binary message, in browsers (the Relay is
 * how a browser hosts, §2.3) and in Node. Unlike `WebSocketNetworkInterface`, whose sockets open for an SCL
 * ConnectionRequest and close after the SCL Disconnect, this socket lives as long as the allocation: it
 * opens on the first message (a BIND) and, after a close, reopens on the next one — the Relay layer's
 * re-BIND after a link loss (§7.3 rule 8). A close is reported through `PacketSink.closed`.
 */
export class RelayWebSocketInterface implements NetworkInterface {
  /** The frame header UTP reserves for WebSocket, counted in the header budget (§2.1, §2.4). */
  readonly packetPadding = WEBSOCKET_HEADER_RESERVE;
  readonly carrierName = 'websocket';
  readonly #options: RelayWebSocketInterfaceOptions;
  #Ctor: WebSocketConstructor | null = null;
  #sink: PacketSink | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;
  #socket: WebSocketLike | null = null;
  #to: NetworkEndpoint | null = null;
  #opened = false;
  #queue: Uint8Array[] = [];

  /** A carrier for a ws/wss Relay endpoint; the socket opens with the first message. */
  constructor(options: RelayWebSocketInterfaceOptions = {}) {
    this.#options = options;
  }

  get localEndpoint(): NetworkEndpoint { return this.#local; }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#Ctor = this.#options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined) ?? await wsPackageWebSocket();
    this.#local = endpoint;
    this.#sink = sink;
  }

  /** The Relay client never listens: hosting goes through the Relay server. */
  listen(): void {}

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    if (this.#socket === null && !this.#open(to)) return;
    if (this.#opened) {
      // WebSocket.send copies before returning (WHATWG; `ws` without compression): a view is enough.
      if (this.#socket!.readyState === OPEN) this.#socket!.send(bytes.subarray(start, end));
    } else if (this.#queue.length < MAX_QUEUED) {
      this.#queue.push(bytes.slice(start, end));
    }
  }

  dispose(): void {
    const s = this.#socket;
    this.#socket = null;
    this.#sink = null;
    this.#queue = [];
    if (s) try { s.close(WebSocketCloseCode.Normal); } catch { /* already closing */ }
  }

  #open(to: NetworkEndpoint): boolean {
    const sink = this.#sink, Ctor = this.#Ctor;
    if (!sink || !Ctor) return false;
    const url = to.family === NetworkFamily.Custom ? to.address : `ws://${to.addressText}:${to.port}/`;
    let socket: WebSocketLike;
    try {
      socket = new Ctor(url);
    } catch (err) {
      sink.error(err as Error);
      return false;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#to = to;
    this.#opened = false;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#opened = true;
      for (const p of this.#queue) socket.send(p);
      this.#queue = [];
    };
    socket.onmessage = (ev) => {
      if (this.#socket !== socket || !(ev.data instanceof ArrayBuffer) || ev.data.byteLength === 0) return;
      sink.receive(new Uint8Array(ev.data), to.address, to.port);
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = () => {
      if (this.#socket !== socket) return; // disposed or replaced
      const wasOpen = this.#opened;
      this.#socket = null;
      this.#opened = false;
      this.#queue = [];
      sink.closed?.(to.address, to.port, wasOpen ? DisconnectReason.ClosedByRemote : DisconnectReason.MaxConnectionAttempts);
    };
    return true;
  }

  /** The Relay endpoint of the current socket (for diagnostics). */
  get target(): NetworkEndpoint | null { return this.#to; }
}
