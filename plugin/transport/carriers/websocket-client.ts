import { NetworkEndpoint, NetworkFamily } from '../api/endpoint.ts';
import { UtpError, UtpSocketError } from '../api/errors.ts';
import { DisconnectReason } from '../api/status-codes.ts';
import { WEBSOCKET_HEADER_RESERVE, WebSocketCloseCode } from './websocket-constants.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';

/** The part of the WHATWG `WebSocket` this interface uses: browsers, Node ≥ 22's global, and `ws`. */
export interface WebSocketLike {
  /** Set to `'arraybuffer'` by the interface, so messages arrive as bytes. */
  binaryType: string;
  /** WHATWG ready state: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Set by the interface: the socket opened. */
  onopen: ((ev: unknown) => void) | null;
  /** Set by the interface: one binary message (one UTP packet). */
  onmessage: ((ev: { data: unknown }) => void) | null;
  /** Set by the interface: the socket closed. */
  onclose: ((ev: unknown) => void) | null;
  /** Set by the interface: the socket failed. */
  onerror: ((ev: unknown) => void) | null;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Closes the socket. */
  close(code?: number): void;
}

/** A `WebSocket` constructor: `globalThis.WebSocket` or an equivalent. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of `WebSocketNetworkInterface`. */
export interface WebSocketNetworkInterfaceOptions {
  /**
   * Full URL of the server, for host names and `wss://` (`wss://game.example.com/utp`). Every connection goes
   * there whatever endpoint `connect` gets; pass `iface.serverEndpoint` to `connect`.
   */
  url?: string;
  /** Path appended to numeric endpoints (`ws://ADDR:PORT/path`); default `/` (UTP's WebSocket path, §6.2.1). */
  path?: string;
  /** `wss://` instead of `ws://` for numeric endpoints. */
  secure?: boolean;
  /** The WebSocket implementation; default the global one, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
}

/** Packets waiting for a socket to open; beyond this the newest are dropped (the SCL retries what matters). */
const MAX_QUEUED = 128;
const CONNECTING = 0;
const OPEN = 1;

/** One socket to one server endpoint. */
class Link {
  readonly socket: WebSocketLike;
  /** The endpoint the driver uses for this server; received packets are reported as coming from it. */
  readonly address: string;
  readonly port: number;
  readonly queue: Uint8Array[] = [];
  /** UTP connections using this socket (`connectionOpened` − `connectionClosed`): it closes with the last one. */
  connections = 0;
  opened = false;
  /** We closed it (after an SCL Disconnect, or dispose): nothing to report. */
  quiet = false;

  constructor(socket: WebSocketLike, address: string, port: number) {
    this.socket = socket;
    this.address = address;
    this.port = port;
  }
}

/**
 * Mirrors UTP's `WebSocketNetworkInterface` as a WebGL client (spec §6.3): UTP over the platform's WebSocket,
 * one UTP packet per binary message, no subprotocol, `binaryType = 'arraybuffer'`. Works in browsers and in
 * Node (global `WebSocket` on Node ≥ 22, the `ws` package on Node 20, loaded only there).
 *
 * The socket opens when a connection to an endpoint starts, queues packets until it is open, and is shared by
 * every connection to that endpoint; it closes (1000) when the last one is released, after its Disconnect.
 * A socket that fails before opening ends its connection with `MaxConnectionAttempts`; one that closes later
 * with `ClosedByRemote` (§6.3). Clients cannot listen (UTP throws on WebGL too, §2.3).
 *
 * ```ts
 * const iface = new WebSocketNetworkInterface({ url: 'wss://game.example.com/utp' });
 * const driver = NetworkDriver.create({ networkInterface: iface });
 * const connection = driver.connect(iface.serverEndpoint);
 * ```
 */
export class WebSocketNetworkInterface implements NetworkInterface {
  /** Unity reserves the frame header even though the browser frames the data, so limits match native WS (§6.3). */
  readonly packetPadding = WEBSOCKET_HEADER_RESERVE;
  readonly carrierName = 'websocket';
  readonly #options: WebSocketNetworkInterfaceOptions;
  readonly #links = new Map<string, Map<number, Link>>();
  #WebSocket: WebSocketConstructor | null = null;
  #sink: PacketSink | null = null;
  #local: NetworkEndpoint = NetworkEndpoint.anyIpv4;

  /** A WebSocket client carrier. Throws `UtpError` if `url` is not ws(s):// or http(s)://, or `path` does not begin with '/'. */
  constructor(options: WebSocketNetworkInterfaceOptions = {}) {
    if (options.url !== undefined && !/^(wss?|https?):\/\//i.test(options.url)) {
      throw new UtpError(`WebSocket url must start with ws:// or wss://, got '${options.url}'`);
    }
    if (options.path !== undefined && !options.path.startsWith('/')) throw new UtpError(`WebSocket path must begin with '/', got '${options.path}'`);
    this.#options = options;
  }

  /** The endpoint that stands for a server URL (family `Custom`, address = the URL), for `driver.connect`. */
  static endpointFor(url: string): NetworkEndpoint {
    const u = new URL(url);
    const secure = u.protocol === 'wss:' || u.protocol === 'https:';
    return NetworkEndpoint.custom(url, u.port ? Number(u.port) : secure ? 443 : 80);
  }

  /** The endpoint to `connect` to when a `url` option was given. */
  get serverEndpoint(): NetworkEndpoint {
    if (this.#options.url === undefined) throw new UtpError('serverEndpoint needs the url option; otherwise connect to a numeric endpoint');
    return WebSocketNetworkInterface.endpointFor(this.#options.url);
  }

  get localEndpoint(): NetworkEndpoint {
    return this.#local;
  }

  async bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> {
    this.#WebSocket = this.#options.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketConstructor | undefined) ?? await wsPackageWebSocket();
    this.#local = endpoint;
    this.#sink = sink;
  }

  listen(): void {
    throw new UtpSocketError('a WebSocket client cannot listen: serve WebSocket clients with WebSocketServerInterface (Node)');
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    // Only `connectionOpened` opens a socket: late packets of a connection whose socket closed are dropped.
    const link = this.#links.get(to.address)?.get(to.port);
    if (!link) return;
    if (link.opened) {
      // WebSocket.send copies the bytes before returning (WHATWG; `ws` with no compression), so a view is enough.
      if (link.socket.readyState === OPEN) link.socket.send(bytes.subarray(start, end));
    } else if (link.queue.length < MAX_QUEUED) {
      link.queue.push(bytes.slice(start, end));
    }
  }

  /** A connection to `to` starts: open the socket, or share the one already open to that endpoint. */
  connectionOpened(to: NetworkEndpoint): void {
    const link = this.#links.get(to.address)?.get(to.port) ?? this.#open(to);
    if (link) link.connections++;
  }

  /** UTP's WebSocket layer closes (1000) with its connection, after the SCL's Disconnect has left (§6.2.6). */
  connectionClosed(to: NetworkEndpoint): void {
    const link = this.#links.get(to.address)?.get(to.port);
    if (link && --link.connections <= 0) this.#close(link);
  }

  dispose(): void {
    for (const m of this.#links.values()) for (const l of m.values()) this.#close(l);
    this.#links.clear();
    this.#sink = null;
  }

  #urlFor(to: NetworkEndpoint): string {
    if (this.#options.url !== undefined) return this.#options.url;
    if (to.family === NetworkFamily.Custom && /^(wss?|https?):\/\//i.test(to.address)) return to.address;
    return `${this.#options.secure ? 'wss' : 'ws'}://${to.addressText}:${to.port}${this.#options.path ?? '/'}`;
  }

  #open(to: NetworkEndpoint): Link | null {
    const sink = this.#sink;
    const Ctor = this.#WebSocket;
    if (!sink || !Ctor) return null;
    let socket: WebSocketLike;
    try {
      socket = new Ctor(this.#urlFor(to));
    } catch (err) {
      // A URL the platform refuses: the connection can never be made (§6.3: failure while connecting).
      sink.error(err as Error);
      sink.closed?.(to.address, to.port, DisconnectReason.MaxConnectionAttempts);
      return null;
    }
    socket.binaryType = 'arraybuffer';
    const link = new Link(socket, to.address, to.port);
    let byPort = this.#links.get(to.address);
    if (!byPort) this.#links.set(to.address, (byPort = new Map()));
    byPort.set(to.port, link);
    socket.onopen = () => {
      link.opened = true;
      for (const p of link.queue) socket.send(p);
      link.queue.length = 0;
    };
    socket.onmessage = (ev) => {
      // Tag check rather than `instanceof`: under jsdom and in iframes the ArrayBuffer may come from another realm.
      const d: unknown = ev.data;
      if (Object.prototype.toString.call(d) !== '[object ArrayBuffer]' || (d as ArrayBuffer).byteLength === 0) return; // text or empty
      sink.receive(new Uint8Array(d as ArrayBuffer), link.address, link.port);
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = () => {
      this.#forget(link);
      if (!link.quiet) {
        sink.closed?.(link.address, link.port, link.opened ? DisconnectReason.ClosedByRemote : DisconnectReason.MaxConnectionAttempts);
      }
      link.quiet = true;
    };
    return link;
  }

  #close(link: Link): void {
    link.quiet = true;
    this.#forget(link);
    link.queue.length = 0;
    const s = link.socket;
    if (s.readyState === CONNECTING || s.readyState === OPEN) {
      try { s.close(WebSocketCloseCode.Normal); } catch { /* already closing */ }
    }
  }

  #forget(link: Link): void {
    const byPort = this.#links.get(link.address);
    if (byPort?.get(link.port) !== link) return;
    byPort.delete(link.port);
    if (byPort.size === 0) this.#links.delete(link.address);
  }
}

/**
 * The `ws` package's client as a `WebSocketConstructor`, with compression off (UTP negotiates no extension).
 * Imported at run time under a computed name so browser bundles never include it.
 */
export async function wsPackageWebSocket(): Promise<WebSocketConstructor> {
  const name = ['w', 's'].join('');
  let mod: { WebSocket: new (url: string, options: object) => WebSocketLike };
  try {
    mod = await import(/* @vite-ignore */ name);
  } catch (err) {
    throw new UtpSocketError('no global WebSocket and the ws package is not installed (npm install ws)', err);
  }
  const Ws = mod.WebSocket;
  return class extends (Ws as new (url: string, options: object) => WebSocketLike) {
    constructor(url: string) {
      super(url, { perMessageDeflate: false });
    }
  } as unknown as WebSocketConstructor;
}
