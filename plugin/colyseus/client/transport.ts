import type { ITransport, ITransportEventMap } from '@colyseus/sdk/transport/ITransport';
import {
  DriverLoop, EventInbox, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, StatusCode,
  UDPNetworkInterface, WebSocketNetworkInterface, disconnectReasonName, type NetworkConnection, type NetworkInterface, type WebSocketConstructor,
} from '../../transport/index.ts';
import { WebRtcNetworkInterface, type RtcPeerConnectionConstructor } from '../../transport/carriers/webrtc-client.ts';
import { resolveHost } from '../../transport/api/address.ts';
import { CloseCodes, decodeCloseFrame, isControlFrame } from '../close-frame.ts';
import { CloseHandshake } from '../close-handshake.ts';
import { seatEndpoints, type SeatEndpointOptions } from './seat-endpoints.ts';
import {
  DEFAULT_UPDATE_INTERVAL_MS, RELIABLE_PIPELINE, UNRELIABLE_PIPELINE, createColyseusPipelines,
  type ColyseusPipelineOptions,
} from '../protocol.ts';

/** Options of the SDK side (`new UtpSDK(endpoint, { utp: {...} })`). */
export interface UtpClientOptions extends ColyseusPipelineOptions, SeatEndpointOptions {
  /**
   * How UTP travels: `'udp'` (default in Node), `'webrtc'` (default in browsers: a data channel with UDP's delivery,
   * falling back to the WebSocket when it does not open within `webRtcTimeoutMS`) or `'websocket'` (forces the
   * WebSocket). All reach the same server port number: the WebSocket at `webSocketPath`, WebRTC signalling at
   * `webRtcPath` (ICE then runs on the server's ICE UDP port).
   */
  carrier?: 'udp' | 'websocket' | 'webrtc';
  /**
   * UDP only (Node): talk DTLS 1.2 to a server started with `udp: { dtls }` (`withSecureClientParameters`): the CA
   * that issued its certificate (default Node's public CAs) and the name in it (default the seat's host).
   */
  dtls?: {
    /** CA certificate(s) (PEM) that issued the server's certificate; default Node's public root CAs. */
    caCertificate?: string;
    /** Name the server's certificate must carry; default the seat's host. */
    serverName?: string;
    /** Accept any server certificate (encrypted, but anyone can pretend to be the server). For tests. */
    insecure?: boolean;
  };
  /** STUN/TURN servers for WebRTC; default none (host candidates: enough when the server has a public address). */
  iceServers?: RTCIceServer[];
  /** How long the data channel may take to open before the WebSocket is used instead. Default 3000 ms. */
  webRtcTimeoutMS?: number;
  /** `RTCPeerConnection` implementation; default the browser's (Node: `node-datachannel/polyfill`). */
  RTCPeerConnection?: RtcPeerConnectionConstructor;
  /** WebSocket implementation for the tunnel; default the global one, else the `ws` package (Node 20). */
  WebSocket?: WebSocketConstructor;
  /**
   * Driver settings (timeouts, `withNetworkSimulatorParameters` for loss tests). Default: UTP's, with connection
   * requests every 500 ms (20 tries) and a 10 s disconnect timeout.
   */
  settings?: NetworkSettings;
  /** Timer update interval in ms; packets trigger an update at once. Default 10. */
  updateIntervalMS?: number;
  /** How long a closing connection waits for its close frame to be acknowledged. Default 1000 ms. */
  lingerMS?: number;
}

/**
 * The default driver settings of the SDK side. `ackDelay` stays 0 (UTP's immediate acks): measured with 100 clients
 * (bench colyseus-cpu), delaying acks up to 60 ms cut the server's datagrams in from 1.00 to 0.71–0.96 per patch, but
 * the late acks arrive outside the burst of the others and wake the server more often (300 → 520–650 driver updates/s,
 * 2.40 → 2.7–2.8 system calls per patch), so its CPU did not drop. Set it in `settings` to try it on other links.
 */
export function defaultClientSettings(): NetworkSettings {
  return new NetworkSettings().withNetworkConfigParameters({
    connectTimeoutMS: 500, maxConnectAttempts: 20, disconnectTimeoutMS: 10_000,
  }).withReliableStageParameters({ ackDelay: 0 });
}

/** Counters of one `UtpClientTransport` (over all its connections). */
export interface UtpClientTransportStats {
  /** `sendUnreliable` frames dropped because they do not fit one datagram. */
  unreliableOversize: number;
  /** UTP connections made (the first join, then one per reconnection). */
  connections: number;
}

/** `'udp'` where `node:dgram` exists (Node, Bun, Deno), else `'webrtc'` (with the WebSocket as fallback). */
export function defaultCarrier(): 'udp' | 'webrtc' {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string' && !('document' in globalThis) ? 'udp' : 'webrtc';
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const encoder = new TextEncoder();
let warnedOversize = false;

/**
 * The SDK's `ITransport` over UTP (see `UtpRoom`). `connect(url)` opens one UTP connection whose connect payload is
 * the room path and query of `url` (`utp://host:port/<processId>/<roomId>?sessionId=…`); the SDK calls `connect`
 * again on the same object to reconnect, which opens a new connection. `send` → pipeline 1 (reliable, ordered,
 * fragmented), `sendUnreliable` → pipeline 2 (one datagram, may be lost). `onclose` gets the server's close code,
 * or 1006 after a timeout or a Disconnect without a code.
 */
export class UtpClientTransport implements ITransport {
  /** Owned by the SDK's `Connection`, which replaces its handlers later: always read them from here. */
  events: ITransportEventMap;
  /** The options this transport was created with (`UtpSDK`'s). */
  readonly options: UtpClientOptions;
  /** The URL of the last `connect` (the SDK's debug panel reads it). */
  url = '';
  /** Counters of this transport: connections opened, unreliable frames too large to send. */
  readonly stats: UtpClientTransportStats = { unreliableOversize: 0, connections: 0 };
  #link: ClientLink | null = null;
  #external = false;

  /** A transport for the SDK's `Connection` (`events`); `UtpRoom` creates these. */
  constructor(events: ITransportEventMap, options: UtpClientOptions = {}) {
    this.events = events;
    this.options = options;
  }

  /** Colyseus `ITransport.isOpen`: the UTP connection is established. */
  get isOpen(): boolean {
    return this.#link?.state === OPEN;
  }

  /** The driver of the current connection, for statistics (`getConnectionStatistics`); null between connections. */
  get driver(): NetworkDriver | null {
    return this.#link?.driver ?? null;
  }

  /** The current UTP connection, or null. */
  get connection(): NetworkConnection | null {
    return this.#link?.connection ?? null;
  }

  /**
   * True while someone else pumps this transport (the Phaser plugin's Colyseus adapter): datagrams are still processed
   * and acknowledged when they arrive, but the SDK gets them only in the owner's `update()`, once per frame, and sends
   * leave at the owner's `flush()` at the end of it. A throttled frame rate then never inflates the server's RTT nor
   * makes it resend. Applies to the current connection and to every reconnection until switched off.
   */
  get externallyPumped(): boolean {
    return this.#external;
  }

  /** Hands the pump to the caller (`true`) or back to the transport's own timers (`false`). */
  setExternallyPumped(on: boolean): void {
    if (this.#external === on) return;
    this.#external = on;
    this.#link?.setExternal(on);
  }

  /**
   * Receive step, for an external pump: updates the driver (timers, resends, received datagrams) and hands what
   * arrived to the SDK (`onmessage`, `onopen`, `onclose`) synchronously. What the timer does otherwise.
   */
  update(): void {
    this.#link?.update();
  }

  /** Flush step, for an external pump: what the handlers and the game sent leaves now, in as few datagrams as fit. */
  flush(): void {
    this.#link?.flushNow();
  }

  /**
   * A WebRTC channel of this transport died after it had opened: its reconnections use the WebSocket, which
   * keeps the game going (the seat is kept by the SDK's reconnection).
   */
  webRtcLost = false;

  /** The carrier of the current connection, or null between connections. */
  get networkInterface(): NetworkInterface | null {
    return this.#link?.iface ?? null;
  }

  /** What carries the current connection (`'udp'`, `'webrtc'`, `'websocket'`), or null between connections. */
  get carrier(): string | null {
    return this.#link?.iface?.carrierName ?? null;
  }

  /** Colyseus `ITransport.connect`: connects over UDP or the WebSocket tunnel, per `UtpClientOptions.carrier`. */
  connect(url: string, _headers?: unknown): void {
    // A previous connection still closing finishes on its own, silently.
    if (this.#link) this.#link.mute();
    this.url = url;
    this.stats.connections++;
    const link = new ClientLink(this, url, this.options, this.#external);
    this.#link = link;
    link.start();
  }

  /** Colyseus `ITransport.send`: one frame on the reliable pipeline. */
  send(data: Uint8Array): void {
    this.#link?.sendReliable(data);
  }

  /** Colyseus `ITransport.sendUnreliable`: one frame on the unreliable pipeline. */
  sendUnreliable(data: Uint8Array): void {
    this.#link?.sendUnreliable(data);
  }

  /**
   * Sends `code` (default 1005, as a WebSocket close without a status) to the server and closes. `onclose` follows
   * once the server acknowledged it — at once for 4010, the SDK's "network offline" path, as the stock transport does.
   */
  close(code?: number, reason?: string): void {
    this.#link?.close(code ?? CloseCodes.NO_STATUS_RECEIVED, reason);
  }

  /** @internal */
  _emit(link: ClientLink, kind: 'open' | 'message' | 'close', payload?: unknown): void {
    if (link !== this.#link || link.muted) return;
    try {
      if (kind === 'open') this.events.onopen?.({ type: 'open' });
      else if (kind === 'message') this.events.onmessage?.({ data: payload });
      else this.events.onclose?.(payload);
    } catch (err) {
      // As from a WebSocket event handler: reported, without breaking the driver loop that called us.
      queueMicrotask(() => { throw err; });
    }
  }
}

/** One UTP connection of a `UtpClientTransport`: its own driver (and socket), created per connection. */
class ClientLink {
  state = CONNECTING;
  muted = false;
  driver: NetworkDriver | null = null;
  /** The carrier of this connection (its `carrierName` says which one is in use). */
  iface: NetworkInterface | null = null;
  connection: NetworkConnection | null = null;
  readonly #owner: UtpClientTransport;
  readonly #url: string;
  readonly #options: UtpClientOptions;
  readonly #event = new NetworkEvent();
  /** Updates the driver as soon as datagrams arrive and on a timer, pumped from outside or not. */
  #loop: DriverLoop | null = null;
  /**
   * Pumped from outside (`UtpClientTransport.setExternallyPumped`): what arrives is still processed and acknowledged
   * at once, but handed to the SDK only in the owner's `update()`; no scheduled flushes.
   */
  #external: boolean;
  /** Events processed on arrival while pumped from outside, for the owner's next `update()`. */
  readonly #inbox = new EventInbox();
  #flushScheduled = false;
  /** Set while CLOSING: our close frame waits for its acknowledgement. */
  #closing: CloseHandshake | null = null;
  #closeNotified = false;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.driver?.flush();
  };

  constructor(owner: UtpClientTransport, url: string, options: UtpClientOptions, external: boolean) {
    this.#owner = owner;
    this.#url = url;
    this.#options = options;
    this.#external = external;
  }

  setExternal(on: boolean): void {
    this.#external = on;
    if (!on && this.driver && this.state !== CLOSED) {
      this.#loop?.schedule();
      this.#scheduleFlush();
    }
  }

  update(): void {
    this.#update(true);
  }

  flushNow(): void {
    if (this.driver?.isCreated) this.driver.flush();
  }

  mute(): void {
    this.muted = true;
    if (this.state === CONNECTING) this.#finish(CloseCodes.ABNORMAL_CLOSURE, '', false);
  }

  start(): void {
    this.#open().catch((err: Error) => {
      if (this.state !== CLOSED) this.#finish(CloseCodes.ABNORMAL_CLOSURE, `UTP connection failed: ${err?.message ?? err}`, true);
    });
  }

  async #open(): Promise<void> {
    const url = new URL(this.#url);
    const options = this.#options;
    const endpoints = seatEndpoints(url, options);
    const settings = options.settings ?? defaultClientSettings();
    let carrier = options.carrier ?? defaultCarrier();
    if (carrier === 'webrtc' && this.#owner.webRtcLost) carrier = 'websocket';
    let driver: NetworkDriver;
    let endpoint: NetworkEndpoint;
    if (carrier === 'udp') {
      endpoint = NetworkEndpoint.parse(await resolveHost(endpoints.udp.host), endpoints.udp.port);
      this.iface = new UDPNetworkInterface();
      const secure = options.dtls && settings.clone().withSecureClientParameters({
        ...options.dtls, serverName: options.dtls.serverName ?? endpoints.udp.host,
      });
      driver = NetworkDriver.create({ networkInterface: this.iface, settings: secure || settings });
      this.driver = driver;
      await driver.bind(endpoint.family === NetworkEndpoint.anyIpv6.family ? NetworkEndpoint.anyIpv6 : NetworkEndpoint.anyIpv4);
    } else {
      const ws = new WebSocketNetworkInterface({ url: endpoints.webSocket, WebSocket: options.WebSocket });
      const iface = carrier === 'webrtc' ? new WebRtcNetworkInterface({
        signalUrl: endpoints.webRtc, fallback: ws, iceServers: options.iceServers,
        openTimeoutMS: options.webRtcTimeoutMS, RTCPeerConnection: options.RTCPeerConnection,
      }) : ws;
      this.iface = iface;
      driver = NetworkDriver.create({ networkInterface: iface, settings });
      this.driver = driver;
      await driver.bind(NetworkEndpoint.anyIpv4);
      endpoint = iface.serverEndpoint;
    }
    if (this.state !== CONNECTING) { driver.dispose(); return; } // closed while resolving or binding
    createColyseusPipelines(driver, settings, options);
    this.connection = driver.connect(endpoint, encoder.encode(`${url.pathname}${url.search}`));
    this.#loop = new DriverLoop(driver, () => this.#update(!this.#external), { intervalMS: this.#options.updateIntervalMS ?? DEFAULT_UPDATE_INTERVAL_MS });
    this.#loop.start().schedule();
  }

  sendReliable(data: Uint8Array): void {
    const driver = this.driver;
    if (this.state !== OPEN || !driver || !this.connection) return;
    const rc = driver.send(this.connection, RELIABLE_PIPELINE, data);
    if (rc >= 0) { this.#scheduleFlush(); return; }
    if (rc === StatusCode.NetworkPacketOverflow) {
      throw new Error(`utp-ts: a ${data.length}-byte message exceeds maxFrameSize (${driver.maxPayloadSize(this.connection, RELIABLE_PIPELINE)} bytes); raise maxFrameSize on both sides`);
    }
    if (rc === StatusCode.NetworkSendQueueFull) {
      // The server stopped acknowledging: give up on this connection; the SDK reconnects (1006).
      this.#finish(CloseCodes.ABNORMAL_CLOSURE, 'send queue overflow', true);
    }
  }

  sendUnreliable(data: Uint8Array): void {
    const driver = this.driver;
    if (this.state !== OPEN || !driver || !this.connection) return;
    if (data.length > driver.maxPayloadSize(this.connection, UNRELIABLE_PIPELINE)) {
      this.#owner.stats.unreliableOversize++;
      if (!warnedOversize) {
        warnedOversize = true;
        console.warn(`utp-ts: sendUnreliable dropped a ${data.length}-byte message: unreliable messages must fit one datagram (${driver.maxPayloadSize(this.connection, UNRELIABLE_PIPELINE)} bytes)`);
      }
      return;
    }
    if (driver.send(this.connection, UNRELIABLE_PIPELINE, data) >= 0) this.#scheduleFlush();
  }

  close(code: number, reason = ''): void {
    if (this.state === CLOSED || this.state === CLOSING) return;
    if (code === CloseCodes.MAY_TRY_RECONNECT) {
      // As the stock transport: report at once, so that the SDK can start reconnecting immediately.
      this.#notifyClose(code, reason);
    }
    if (this.state === CONNECTING) {
      this.#finish(code, reason, true);
      return;
    }
    this.#closing = CloseHandshake.begin(this.driver!, this.connection!, code, reason, this.#options.lingerMS);
    if (!this.#closing) {
      this.#finish(code, reason, true);
      return;
    }
    this.state = CLOSING;
    this.#scheduleFlush();
  }

  /** Updates the driver; hands its events to the SDK (`deliver`) or keeps them for the owner's next `update()`. */
  #update(deliver: boolean): void {
    const driver = this.driver;
    if (!driver || !driver.isCreated) return;
    driver.update();
    if (!deliver) {
      this.#inbox.collect(driver);
      driver.flush(); // acknowledgements leave now, not at the end of the next frame
      return;
    }
    this.#inbox.drain(this.#handle);
    const ev = this.#event;
    while (this.driver && driver.popEvent(ev) !== NetworkEventType.Empty) this.#handle(ev);
    if (!this.driver) return;
    const closing = this.#closing;
    if (closing?.finished) {
      this.#finish(closing.code, closing.reason, true);
      return;
    }
    driver.flush();
  }

  readonly #handle = (ev: NetworkEvent): void => {
    if (!this.driver) return; // closed by an earlier event of the same batch
    if (ev.type === NetworkEventType.Data) this.#onData(ev.pipeline.id, ev.data);
    else if (ev.type === NetworkEventType.Connect) this.#onConnect();
    else if (ev.type === NetworkEventType.Disconnect) this.#onDisconnect(ev.disconnectReason);
  };

  #onConnect(): void {
    if (this.state !== CONNECTING) return;
    this.state = OPEN;
    this.#owner._emit(this, 'open');
  }

  #onData(pipeline: number, data: Uint8Array): void {
    if (pipeline === RELIABLE_PIPELINE && isControlFrame(data)) {
      const close = decodeCloseFrame(data);
      if (close) this.#finish(this.#closing?.code ?? close.code, close.reason, true);
      return;
    }
    if (this.state !== OPEN || data.length === 0) return;
    // The SDK copies a Uint8Array (`new Uint8Array(data)`) but wraps an ArrayBuffer: hand over a whole buffer when
    // the frame is one (reassembled fragments are).
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    this.#owner._emit(this, 'message', whole ? data.buffer : data);
  }

  #onDisconnect(reason: number): void {
    const wasConnecting = this.state === CONNECTING;
    if (this.iface instanceof WebRtcNetworkInterface && this.iface.lost) this.#owner.webRtcLost = true;
    this.connection = null; // already closed by the driver: nothing to disconnect
    this.#finish(
      this.#closing?.code ?? CloseCodes.ABNORMAL_CLOSURE,
      wasConnecting ? `could not connect: ${disconnectReasonName(reason)}` : disconnectReasonName(reason),
      true,
    );
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#external) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flush);
  }

  #notifyClose(code: number, reason: string): void {
    if (this.#closeNotified) return;
    this.#closeNotified = true;
    this.#owner._emit(this, 'close', { code, reason, wasClean: code !== CloseCodes.ABNORMAL_CLOSURE });
  }

  /** Ends the connection: UTP Disconnect now (if still connected), the socket shortly after, `onclose` if asked. */
  #finish(code: number, reason: string, notify: boolean): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.#loop?.stop();
    this.#loop = null;
    const driver = this.driver;
    this.driver = null;
    if (driver && driver.isCreated) {
      if (this.connection) {
        driver.disconnect(this.connection);
        try { driver.update(); } catch { /* the carrier may be gone */ }
      }
      driver.onPacket = null;
      // Let the Disconnect datagram leave before the socket closes.
      setTimeout(() => driver.dispose(), 50);
    }
    this.connection = null;
    if (notify) this.#notifyClose(code, reason);
  }
}
