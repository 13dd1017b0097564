import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  ErrorCode, LocalPresence, Protocol, Transport, connectClientToRoom, createAuthContext, debugAndPrintError, isDevMode, logger,
  matchMaker,
} from '@colyseus/core';
import {
  DriverLoop, MultiNetworkDriver, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
  StatusCode, UDPNetworkInterface, UtpError, WebSocketServerInterface, type DriverStatistics, type MultiNetworkConnection,
} from '../../transport/node.ts';
import type { WebRtcServerInterface } from '../../transport/carriers/webrtc-server.ts';
import { addWebRtcDriver, type UtpTransportWebRtcOptions } from './webrtc.ts';
import { plainAddress, resolveHost } from '../../transport/api/address.ts';
import { CloseCodes, decodeCloseFrame, isControlFrame } from '../close-frame.ts';
import { CloseHandshake, DEFAULT_LINGER_MS } from '../close-handshake.ts';
import { parsePublicAddress } from '../public-address.ts';
import {
  DEFAULT_MAX_FRAME_SIZE, DEFAULT_UPDATE_INTERVAL_MS, DEFAULT_WEBSOCKET_PATH, RELIABLE_PIPELINE, UNRELIABLE_PIPELINE,
  createColyseusPipelines, type ColyseusPipelineOptions,
} from '../protocol.ts';
import { GatedInterface } from './gated-interface.ts';
import { ReadyState, UtpClient } from './client.ts';
import { parseConnectRequest } from './connect-request.ts';
import { ServerConnection, type ConnectionHost } from './connection.ts';
import { declareUnreliableChannel } from './unreliable-channel.ts';
import { UPGRADE_REFUSAL_REASON, refuseUpgrade, refusingWebSocketServer } from './upgrade-refusal.ts';
import { refuseMatchmaking, roomCreationLimiter, type MatchmakingLimits } from './matchmaking-limits.ts';
import type { RateLimiter } from '../../transport/api/rate-limiter.ts';

/** Options of `UtpTransport`. */
export interface UtpTransportOptions extends ColyseusPipelineOptions {
  /**
   * The HTTP(S) server for matchmaking (`/matchmake/*`, bound by Colyseus core) and the WebSocket tunnel. Default:
   * one of our own (`http.createServer()`), listening when `Server.listen(port)` runs. An injected server that
   * already listens is used as it is (its port number is also the UDP port).
   */
  server?: HttpServer | HttpsServer;
  /**
   * Our own HTTP server (not an injected one): a client that has not sent its request headers within this many ms
   * is answered 408 and disconnected. Default 10 000 (Node's is 60 s).
   */
  headersTimeoutMS?: number;
  /** Our own HTTP server: the same for the whole request, body included. Default 30 000 (Node's is 300 s). */
  requestTimeoutMS?: number;
  /** Limits on `/matchmake/*`: body size, room-creating requests per client address (see `MatchmakingLimits`). */
  matchmaking?: MatchmakingLimits;
  /**
   * UTP over UDP on the HTTP server's port number (default on). `host` is the UDP bind address when `listen` got
   * none (default `0.0.0.0`); the buffer sizes set SO_RCVBUF/SO_SNDBUF.
   */
  udp?: boolean | {
    /** The UDP bind address when `listen` got none. Default `0.0.0.0`. */
    host?: string;
    /** SO_RCVBUF of the UDP socket, in bytes; default the system's. */
    receiveBufferSize?: number;
    /** SO_SNDBUF of the UDP socket, in bytes; default the system's. */
    sendBufferSize?: number;
    /** DTLS 1.2 on the UDP port (`withSecureServerParameters`): PEM certificate and key; clients then need `utp.dtls`. */
    dtls?: {
      /** The server's certificate (PEM). */
      certificate: string;
      /** Its private key (PEM). */
      privateKey: string;
    };
  };
  /** UTP over WebSocket for browsers, on the HTTP server at `path` (default on, path `/utp`). */
  webSocket?: boolean | {
    /** The tunnel's path on the HTTP server. Default `/utp`. */
    path?: string;
  };
  /**
   * UTP over WebRTC data channels for browsers (default on when the node-datachannel package loads): signalling
   * at `path` (default `/utp/rtc`) on the HTTP server, ICE and DTLS on UDP port `icePort` (one port for all
   * peers: the one to open in a firewall) or `icePortRange`; default an ephemeral UDP port per peer. See
   * `WebRtcServerInterfaceOptions`.
   */
  webRtc?: boolean | UtpTransportWebRtcOptions;
  /**
   * Largest Colyseus frame accepted from a client, like `@colyseus/ws-transport`'s `maxPayload` (default 128 KiB;
   * ws-transport's is 4 KiB). A larger one closes the connection with 1009, as `ws` does.
   */
  maxPayload?: number;
  /**
   * Driver settings for both carriers (timeouts, MTU, `withNetworkSimulatorParameters` for loss tests). Default:
   * UTP's, with a 10 s disconnect timeout, a 2048-datagram receive queue, and resend back-off with at most 8
   * resends per client and update (`defaultServerSettings()`: local timing only, the same bytes).
   */
  settings?: NetworkSettings;
  /** Timer update interval in ms (resends, heartbeats, timeouts); packets trigger an update at once. Default 10. */
  updateIntervalMS?: number;
  /** How long a closing connection waits for its close frame to be acknowledged. Default 1000 ms. */
  lingerMS?: number;
}

/** Counters of `UtpTransport.stats`. */
export interface UtpTransportStats {
  /** Connections accepted over UDP since `listen`. */
  acceptedUdp: number;
  /** Connections accepted over the WebSocket tunnel since `listen`. */
  acceptedWebSocket: number;
  /** Connections accepted over WebRTC data channels since `listen`. */
  acceptedWebRtc: number;
  /** Unreliable frames dropped because they do not fit one datagram. */
  unreliableOversize: number;
  /** Inbound frames above `maxPayload` (each closed its connection with 1009). */
  inboundOversize: number;
  /** Connections dropped because their send queue overflowed (the peer stopped acknowledging). */
  sendQueueOverflow: number;
  /** WebSocket upgrades on paths other than the tunnel's (stock Colyseus clients), refused at once. */
  refusedUpgrades: number;
  /** Seats of another process presented here (a `publicAddress` that does not lead to its process), refused. */
  wrongProcess: number;
  /** `create`/`joinOrCreate` requests refused with 429 (`matchmaking.roomCreation`, per client address). */
  refusedRoomCreation: number;
  /** Matchmaking requests refused for their body: over `matchmaking.maxBodyBytes` (413) or without a length (411). */
  refusedMatchmakingBody: number;
  /**
   * The UTP drivers' statistics added up (read on access; null before `listen`): connections, half-open strangers
   * not yet heard from (`admission`), bandwidth, drops by reason — what `utp echo --stats` prints.
   */
  readonly network: DriverStatistics | null;
}

/**
 * The default driver settings of the server side. Resend back-off and a per-update bound keep a server that falls
 * behind (many clients answering late) from spending its time resending, which would keep it behind.
 */
export function defaultServerSettings(): NetworkSettings {
  return new NetworkSettings()
    .withNetworkConfigParameters({ disconnectTimeoutMS: 10_000, receiveQueueCapacity: 2048 })
    .withReliableStageParameters({ resendBackoff: true, maxResendsPerUpdate: 8 });
}

const EMPTY_HEADERS: Record<string, string | undefined> = {};

/**
 * A Colyseus 0.18 `Transport` over Unity Transport: `new Server({ transport: new UtpTransport() })`.
 *
 * One port number serves HTTP matchmaking (`transport.server`), UTP over UDP (Node clients, Unity clients) and UTP
 * over WebSocket at `/utp` (browsers), all through one `MultiNetworkDriver`. A client joins by sending the room
 * path and query (`/<processId>/<roomId>?sessionId=…&reconnectionToken=…&_authToken=…`) as its UTP connect
 * payload, parsed as `@colyseus/ws-transport` parses its upgrade URL.
 *
 * Channels: pipeline 1 = [Fragmentation, ReliableSequenced] (window 128, frames up to 1 MiB, send queue) for
 * every Colyseus frame; pipeline 2 = [UnreliableSequenced] for `rawUnreliable` (`.unreliable()` schema fields) and
 * `sendUnreliable`. Close codes travel as a control frame on pipeline 1 before the UTP Disconnect; a timeout or a
 * Disconnect without one is reported as 1006, so the SDK reconnects.
 */
export class UtpTransport extends Transport {
  /** `'utp'`: the protocol Colyseus reports for this transport. */
  override protocol = 'utp';
  /** The HTTP(S) server of matchmaking and the WebSocket tunnel: the one given in the options, or one of its own. */
  declare server: HttpServer | HttpsServer;

  readonly #options: UtpTransportOptions;
  readonly #settings: NetworkSettings;
  readonly #ownServer: boolean;
  readonly #maxPayload: number;
  readonly #lingerMS: number;
  readonly #wsPath: string | null;
  readonly #connections = new Map<MultiNetworkConnection, ServerConnection>();
  /** What `ServerConnection`s call back into. */
  readonly #host: ConnectionHost;
  readonly #closing = new Set<ServerConnection>();
  /** Upgrade headers of open tunnel sockets by `address|port` (for `onAuth` and proxies' x-forwarded-for). */
  readonly #wsHeaders = new Map<string, IncomingMessage['headers']>();
  readonly #event = new NetworkEvent();
  readonly #accept: { payload?: Uint8Array | null } = {};
  #multi: MultiNetworkDriver | null = null;
  #udpGate: GatedInterface | null = null;
  #wsGate: GatedInterface | null = null;
  #rtcGate: GatedInterface | null = null;
  #udpDriverId = 0;
  #rtcDriverId = -1;
  /** Updates the drivers as soon as datagrams arrive and on a timer; null until listening and after shutdown. */
  #loop: DriverLoop | null = null;
  #flushScheduled = false;
  #latencyMs = 0;
  #port = 0;
  /** `shutdown()` ran: drivers disposed, HTTP server closed. */
  #stopped = false;
  #started = false;
  /** Our listeners on `server`, removed at shutdown (the server may be the application's). */
  readonly #serverListeners: Array<[event: string, listener: (...args: any[]) => void]> = [];
  #expressApp: ((req: IncomingMessage, res: unknown) => void) | null = null;
  readonly #roomLimiter: RateLimiter | null;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    this.#multi?.flush();
  };

  /** Counters for monitoring and tests. */
  readonly stats: UtpTransportStats = ((transport: UtpTransport) => ({
    acceptedUdp: 0, acceptedWebSocket: 0, acceptedWebRtc: 0, unreliableOversize: 0, inboundOversize: 0, sendQueueOverflow: 0, refusedUpgrades: 0, wrongProcess: 0,
    refusedRoomCreation: 0, refusedMatchmakingBody: 0,
    get network() { return transport.#multi?.getStatistics() ?? null; },
  }))(this);

  /** A transport with `options`; `new Server({ transport })` calls its `listen`. */
  constructor(options: UtpTransportOptions = {}) {
    super();
    const transport = this;
    this.#host = {
      get latencyMs() { return transport.#latencyMs; },
      sendReliable: (c, frame) => this.#sendReliable(c, frame),
      sendUnreliable: (c, frame) => this.#sendUnreliable(c, frame),
      close: (c, code, reason) => this.#close(c, code, reason),
    };
    this.#options = options;
    // A join is processed once the client proved its address (utp-ts clients do at once: heartbeatOnAccept), so a
    // forged request never reaches matchmaking and a stranger never gets ERROR or close frames (issue 13).
    this.#settings = (options.settings ?? defaultServerSettings()).withAdmissionParameters({ acceptHalfOpen: false });
    this.#maxPayload = options.maxPayload ?? 128 * 1024;
    this.#lingerMS = options.lingerMS ?? DEFAULT_LINGER_MS;
    const ws = options.webSocket ?? true;
    this.#wsPath = ws === false ? null : (ws === true ? DEFAULT_WEBSOCKET_PATH : ws.path ?? DEFAULT_WEBSOCKET_PATH);
    if (this.#wsPath !== null && !this.#wsPath.startsWith('/')) throw new Error(`UtpTransport: webSocket.path must begin with '/', got '${this.#wsPath}'`);
    if (options.udp === false && this.#wsPath === null) throw new Error('UtpTransport: enable udp, webSocket or both');
    this.#ownServer = !options.server;
    this.#roomLimiter = roomCreationLimiter(options.matchmaking);
    const headersTimeout = options.headersTimeoutMS ?? 10_000;
    this.server = options.server ?? createServer({
      headersTimeout, requestTimeout: options.requestTimeoutMS ?? 30_000, connectionsCheckingInterval: Math.min(1000, headersTimeout),
    });
    // Without this listener an ECONNRESET on the HTTP server would be an uncaught error (as in ws-transport). A
    // failed listen() is reported to its caller (`server.listen` rejects), so it is not printed here as well.
    this.server.on('error', (err) => { if ((err as NodeJS.ErrnoException).syscall !== 'listen') debugAndPrintError(err); });
  }

  /** The port number serving HTTP, UDP and the WebSocket tunnel (after `listen`). */
  get port(): number { return this.#port; }
  /** The WebRTC carrier (statistics, `closePeer`), or null when WebRTC is off or before `listen`. */
  get webRtc(): WebRtcServerInterface | null { return (this.#rtcGate?.inner as WebRtcServerInterface | undefined) ?? null; }
  /** The WebSocket tunnel's path, or null when disabled. */
  get webSocketPath(): string | null { return this.#wsPath; }
  /** The `MultiNetworkDriver` (driver 1 UDP, then WebSocket), for statistics; null before `listen`. */
  get driver(): MultiNetworkDriver | null { return this.#multi; }
  /** @internal Half the simulated round trip, applied to every outbound frame. */
  get latencyMs(): number { return this.#latencyMs; }
  /** Open UTP connections (room clients, ping peers, and those closing). */
  get connectionCount(): number { return this.#connections.size; }

  /**
   * An Express app on `transport.server` (what `new Server({ express: (app) => … })` and @colyseus/tools use), as
   * ws-transport offers; `express` must be installed. Core's `/matchmake` routes stay in front of it.
   */
  override getExpressApp(): any {
    // Core asks twice: awaited at boot, then synchronously when binding its routes (the app must exist by then).
    return this.#expressApp ?? this.#loadExpress();
  }

  async #loadExpress(): Promise<unknown> {
    const name = 'express'; // an optional peer of @colyseus/core: loaded only when asked for
    let express: () => (req: IncomingMessage, res: unknown) => void;
    try {
      express = ((await import(name)) as { default: typeof express }).default;
    } catch (err) {
      throw new Error('UtpTransport.getExpressApp: the express package is not installed (npm install express)', { cause: err });
    }
    if (!this.#expressApp) {
      this.#expressApp = express();
      this.server.on('request', this.#expressApp);
    }
    return this.#expressApp;
  }

  /** Called by `Server.listen()`: HTTP, then UDP on the same port number, then the WebSocket tunnel. */
  listen(port?: number | string, hostname?: string, backlog?: number, listeningListener?: (err?: Error) => void): this {
    this.#start(port, hostname, backlog).then(
      () => {
        const before = new Set(this.server.listeners('request'));
        listeningListener?.(); // Server.listen binds core's routes in there
        this.#limitMatchmaking(before);
      },
      (err: Error) => {
        if (listeningListener) listeningListener(err);
        else debugAndPrintError(err);
      },
    );
    return this;
  }

  /**
   * Called by `Server.gracefullyShutdown()` once rooms are disposed (their clients already got 4001, or 4010 in dev
   * mode), and, as with ws-transport, the port is free when it returns: what is still connected gets a close frame
   * 4001 and the UTP Disconnect at once, the drivers (UDP socket, tunnel sockets) are disposed, and the HTTP server
   * — ours or an injected one — stops listening. Nothing lingers, so a client reconnecting meanwhile reaches
   * whichever server listens next instead of being told 4001. Safe to call more than once.
   */
  shutdown(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopDrivers();
    for (const [event, listener] of this.#serverListeners.splice(0)) this.server.off(event, listener);
    this.server.close();
    this.server.closeIdleConnections?.();
  }

  /** Resolves once `shutdown()` ran; kept for callers that awaited the former lingering shutdown. */
  get closed(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Adds `milliseconds` before every frame leaves (`server.simulateLatency(rtt)` passes half the round trip; core
   * delays inbound messages itself).
   */
  simulateLatency(milliseconds: number): void {
    this.#latencyMs = milliseconds > Number.EPSILON ? milliseconds : 0;
  }

  /**
   * Testing aid: cuts the client with `sessionId` off in both directions, so that its UTP connection times out on
   * both ends (after `disconnectTimeoutMS`), exactly as a lost network would; the path opens again once the server
   * side timed out. Returns false if no such client is connected.
   */
  simulateTimeout(sessionId: string): boolean {
    for (const conn of this.#connections.values()) {
      if (conn.client?.sessionId !== sessionId || conn.readyState !== ReadyState.OPEN) continue;
      const id = conn.connection.driverId;
      const gate = id === this.#udpDriverId ? this.#udpGate : id === this.#rtcDriverId ? this.#rtcGate : this.#wsGate;
      if (!gate) return false;
      gate.block(conn.remoteAddress, conn.remotePort);
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ start-up

  async #start(port: number | string | undefined, hostname: string | undefined, backlog: number | undefined): Promise<void> {
    if (this.#multi || this.#started) throw new UtpError('UtpTransport: listen() was already called; create a new UtpTransport for a new Server');
    this.#started = true;
    this.#checkPublicAddress();
    const wasListening = this.server.listening;
    try {
      await this.#bind(port, hostname, backlog);
    } catch (err) {
      // Nothing half-bound stays behind: the port is free again for the next attempt.
      for (const [event, listener] of this.#serverListeners.splice(0)) this.server.off(event, listener);
      if (!wasListening && this.server.listening) this.server.close();
      throw err;
    }
    if (this.#stopped) { // shutdown() ran while we were binding
      this.#stopped = false;
      this.shutdown();
    }
  }

  async #bind(port: number | string | undefined, hostname: string | undefined, backlog: number | undefined): Promise<void> {
    await ensureGlobalWebSocket();
    const wanted = port === undefined ? 0 : Number(port);
    if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
      throw new Error(`UtpTransport listens on a port number (UDP uses the same number), got '${port}'`);
    }
    const udpOption = this.#options.udp ?? true;
    const udpHost = await resolveHost((typeof udpOption === 'object' ? udpOption.host : undefined) ?? hostname ?? '0.0.0.0');
    const udpOptions = typeof udpOption === 'object' ? udpOption : {};
    let udp: NetworkDriver | null = null;
    for (let attempt = 0; ; attempt++) {
      const actual = await this.#listenHttp(wanted, hostname, backlog);
      if (udpOption === false) { this.#port = actual; break; }
      const gate = new GatedInterface(new UDPNetworkInterface({
        receiveBufferSize: udpOptions.receiveBufferSize, sendBufferSize: udpOptions.sendBufferSize,
      }));
      const settings = udpOptions.dtls
        ? this.#settings.clone().withSecureServerParameters(udpOptions.dtls.certificate, udpOptions.dtls.privateKey)
        : this.#settings;
      const driver = NetworkDriver.create({ networkInterface: gate, settings });
      try {
        await driver.bind(NetworkEndpoint.parse(udpHost, actual));
      } catch (err) {
        driver.dispose();
        // Port 0: the kernel's free TCP port may be taken for UDP; try another one.
        if (wanted === 0 && this.#ownServer && attempt < 10 && isAddressInUse(err)) {
          await new Promise<void>((resolve) => this.server.close(() => resolve()));
          continue;
        }
        throw err;
      }
      driver.listen();
      udp = driver;
      this.#udpGate = gate;
      this.#port = actual;
      break;
    }

    const upgradeListenersBefore = this.server.listenerCount('upgrade');
    const multi = MultiNetworkDriver.create();
    if (udp) this.#udpDriverId = multi.addDriver(udp);
    if (this.#wsPath !== null) {
      const path = this.#wsPath;
      const gate = new GatedInterface(new WebSocketServerInterface({
        server: this.server, path, maxMessageSize: this.#settings.networkConfig.maxMessageSize,
      }));
      const ws = NetworkDriver.create({ networkInterface: gate, settings: this.#settings });
      // Remember each tunnel socket's upgrade headers until it closes: they reach onAuth like ws-transport's.
      this.#onServer('upgrade', (req: IncomingMessage) => {
        if (req.url !== path) return;
        const key = `${plainAddress(req.socket.remoteAddress ?? '')}|${req.socket.remotePort}`;
        this.#wsHeaders.set(key, req.headers);
        req.socket.once('close', () => this.#wsHeaders.delete(key));
      }, true);
      await ws.bind(NetworkEndpoint.anyIpv4);
      ws.listen();
      this.#wsGate = gate;
      multi.addDriver(ws);
    }
    const rtc = await addWebRtcDriver(multi, this.server, this.#settings, this.#options.webRtc);
    if (rtc) {
      this.#rtcGate = rtc.gate;
      this.#rtcDriverId = rtc.driverId;
    }
    this.#refuseOtherUpgrades(upgradeListenersBefore);
    createColyseusPipelines(multi, this.#settings, {
      reliableWindowSize: this.#options.reliableWindowSize,
      maxFrameSize: Math.max(this.#options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE, this.#maxPayload),
      sendQueueLimit: this.#options.sendQueueLimit,
    });
    this.#multi = multi;
    this.#loop = new DriverLoop(multi, () => this.#update(), {
      intervalMS: this.#options.updateIntervalMS ?? DEFAULT_UPDATE_INTERVAL_MS, unref: true,
    }).start();
  }

  /**
   * Every upgrade the tunnel does not take is refused at once (a stock Colyseus client would otherwise wait
   * forever), unless the application listens for upgrades on the server too: then they are its business.
   */
  #refuseOtherUpgrades(listenersBefore: number): void {
    const server = this.server;
    const wss = refusingWebSocketServer();
    let logged = false;
    this.#onServer('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#wsPath !== null && req.url === this.#wsPath) return; // the tunnel's
      if (server.listenerCount('upgrade') !== ours) return; // someone else's listener may take it
      this.stats.refusedUpgrades++;
      if (!logged) {
        logged = true;
        logger.warn(`UtpTransport: refused a WebSocket upgrade on '${req.url}' from ${plainAddress(req.socket.remoteAddress ?? '?')}: ${UPGRADE_REFUSAL_REASON} (logged once; transport.stats.refusedUpgrades counts them)`);
      }
      refuseUpgrade(wss, req, socket, head);
    });
    const ours = server.listenerCount('upgrade') - listenersBefore;
  }

  /**
   * Refuses, before anything binds, a `publicAddress` UDP cannot follow (see public-address.ts), and a presence
   * shared with other processes without one: seats would then lead to whichever process answers the HTTP
   * request, and every join of a room on another process would fail with "seat reservation expired".
   */
  #checkPublicAddress(): void {
    if (this.#options.udp === false) return; // WebSocket only: a proxy may route the path form
    const address = matchMaker.publicAddress;
    if (address) {
      parsePublicAddress(address);
      return;
    }
    const presence = matchMaker.presence;
    if (presence && !(presence instanceof LocalPresence)) {
      throw new UtpError(`UtpTransport: this process shares its presence (${presence.constructor?.name ?? 'presence'}) with others, so a seat may lead to a room on another process, and UDP goes straight to a host and port: give each process new Server({ publicAddress: 'host:port' }) with the address that reaches it (its own port: base port + NODE_APP_INSTANCE under pm2)`);
    }
  }

  /**
   * Puts the matchmaking limits in front of the request listeners core added since `before` (it prepends its router
   * while `listen`'s callback runs): every listener runs for every request, so a refusal must wrap, not precede.
   */
  #limitMatchmaking(before: Set<Function>): void {
    const added = this.server.listeners('request').filter((l) => !before.has(l)) as Array<(req: IncomingMessage, res: any) => void>;
    for (const listener of added.reverse()) {
      this.server.off('request', listener);
      this.server.prependListener('request', (req: IncomingMessage, res: any) => {
        // The body stays unread (paused) while the limits are looked up.
        void refuseMatchmaking(req, res, this.#options.matchmaking, this.#roomLimiter, this.stats)
          .then((refused) => { if (!refused) listener.call(this.server, req, res); }, () => listener.call(this.server, req, res));
      });
    }
  }

  /** Adds a listener to `server` that `shutdown()` removes again. */
  #onServer(event: string, listener: (...args: any[]) => void, prepend = false): void {
    if (prepend) this.server.prependListener(event, listener);
    else this.server.on(event, listener);
    this.#serverListeners.push([event, listener]);
  }

  #listenHttp(port: number, hostname: string | undefined, backlog: number | undefined): Promise<number> {
    const server = this.server;
    if (server.listening) return Promise.resolve(addressPort(server));
    return new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen(port, hostname, backlog, () => {
        server.off('error', onError);
        resolve(addressPort(server));
      });
    });
  }

  // ------------------------------------------------------------------ the driver loop

  #update(): void {
    const multi = this.#multi;
    if (!multi) return;
    multi.update();
    for (let c; (c = multi.accept(this.#accept) as MultiNetworkConnection | null); ) this.#onAccept(c, this.#accept.payload ?? null);
    const ev = this.#event;
    while (this.#multi && multi.popEvent(ev) !== NetworkEventType.Empty) {
      const conn = this.#connections.get(ev.connection as MultiNetworkConnection);
      if (!conn) continue;
      if (ev.type === NetworkEventType.Data) this.#onData(conn, ev.pipeline.id, ev.data);
      else if (ev.type === NetworkEventType.Disconnect) this.#onDisconnect(conn);
    }
    if (this.#closing.size) this.#checkClosing();
    if (!this.#multi) return;
    multi.flush();
  }

  #onAccept(connection: MultiNetworkConnection, payload: Uint8Array | null): void {
    const multi = this.#multi!;
    const remote = multi.remoteEndpoint(connection);
    const udp = connection.driverId === this.#udpDriverId;
    const rtc = connection.driverId === this.#rtcDriverId;
    if (udp) this.stats.acceptedUdp++; else if (rtc) this.stats.acceptedWebRtc++; else this.stats.acceptedWebSocket++;
    const conn = new ServerConnection(
      this.#host, connection, multi.getDriverForConnection(connection), udp ? 'udp' : rtc ? 'webrtc' : 'websocket', remote?.address ?? '', remote?.port ?? 0,
    );
    this.#connections.set(connection, conn);

    const request = parseConnectRequest(payload);
    if (request.ping) {
      // Ping utility (SDK getLatency): answer every frame with PING, close after one second.
      conn.ping = true;
      setTimeout(() => { if (conn.readyState === ReadyState.OPEN) this.#close(conn, CloseCodes.NORMAL_CLOSURE); }, 1000).unref?.();
      return;
    }

    const client = new UtpClient(request.sessionId, conn);
    conn.client = client;
    const headers = udp ? EMPTY_HEADERS : (this.#wsHeaders.get(`${conn.remoteAddress}|${conn.remotePort}`) ?? EMPTY_HEADERS);
    const authContext = createAuthContext({
      headers: headers as Record<string, string | undefined>,
      token: request.authToken,
      remoteAddress: conn.remoteAddress,
    });
    const { reconnectionToken, skipHandshake } = request;
    const room = matchMaker.getLocalRoomById(request.roomId ?? '');
    // Same codes as ws-transport: the SDK rejects the join with the ERROR frame's code and message.
    const reject = (code: number, message: string): void => client.error(code, message, () => client.leave(
      reconnectionToken ? (isDevMode ? CloseCodes.MAY_TRY_RECONNECT : CloseCodes.FAILED_TO_RECONNECT) : CloseCodes.WITH_ERROR,
    ));
    if (!room && request.processId && request.processId !== matchMaker.processId) {
      // A seat of another process: its publicAddress leads here, or is missing behind a shared HTTP address.
      this.stats.wrongProcess++;
      reject(ErrorCode.MATCHMAKE_INVALID_ROOM_ID, `this seat is for process ${request.processId}, but it reached process ${matchMaker.processId}: give each process a publicAddress (host:port) that reaches it`);
      return;
    }
    if (room) declareUnreliableChannel(room);
    connectClientToRoom(room, client, authContext, { reconnectionToken: reconnectionToken ?? undefined, skipHandshake })
      .catch((e: any) => {
        debugAndPrintError(e);
        reject(e?.code ?? ErrorCode.APPLICATION_ERROR, e?.message ?? String(e));
      });
  }

  #onData(conn: ServerConnection, pipeline: number, data: Uint8Array): void {
    if (pipeline === RELIABLE_PIPELINE && isControlFrame(data)) {
      const close = decodeCloseFrame(data);
      if (close) this.#onPeerClose(conn, close.code, close.reason);
      return;
    }
    if (conn.readyState !== ReadyState.OPEN || (pipeline !== RELIABLE_PIPELINE && pipeline !== UNRELIABLE_PIPELINE)) return;
    if (data.length === 0) return;
    if (conn.ping) { this.#sendReliable(conn, PING_FRAME); return; }
    const client = conn.client;
    if (!client) return;
    if (data.length > this.#maxPayload) {
      this.stats.inboundOversize++;
      client.leave(CloseCodes.MESSAGE_TOO_BIG, 'Max payload size exceeded');
      return;
    }
    // The bytes are the datagram's or a reassembled message: never reused by the driver, so a view is enough.
    try {
      client._message(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      debugAndPrintError(err as Error); // a throwing room handler must not stall the other connections
    }
  }

  /** The peer closed with a code: report it and disconnect now (the peer is waiting for our Disconnect). */
  #onPeerClose(conn: ServerConnection, code: number, reason: string): void {
    const wasOpen = conn.readyState === ReadyState.OPEN;
    this.#forget(conn, true);
    if (wasOpen) reportClosed(conn, code, reason);
  }

  #onDisconnect(conn: ServerConnection): void {
    const wasOpen = conn.readyState === ReadyState.OPEN;
    this.#forget(conn, false);
    if (wasOpen) reportClosed(conn, CloseCodes.ABNORMAL_CLOSURE);
    // A simulated timeout has done its work once the server side timed out.
    this.#udpGate?.unblock(conn.remoteAddress, conn.remotePort);
    this.#wsGate?.unblock(conn.remoteAddress, conn.remotePort);
    this.#rtcGate?.unblock(conn.remoteAddress, conn.remotePort);
  }

  #checkClosing(): void {
    for (const conn of this.#closing) {
      if (conn.closing?.finished) this.#forget(conn, true);
    }
  }

  /** Drops a connection from our tables; with `disconnect`, the UTP Disconnect leaves at the next update. */
  #forget(conn: ServerConnection, disconnect: boolean): void {
    conn.readyState = ReadyState.CLOSED;
    this.#closing.delete(conn);
    if (this.#connections.get(conn.connection) === conn) this.#connections.delete(conn.connection);
    if (disconnect && this.#multi) {
      this.#multi.disconnect(conn.connection);
      this.#loop?.schedule(); // the Disconnect leaves at the next update
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flush);
  }

  /** Close frames (4001) to what is open, then every UTP Disconnect, then the drivers are disposed. */
  #stopDrivers(): void {
    const multi = this.#multi;
    this.#loop?.stop();
    this.#loop = null;
    if (!multi) return;
    const open = [...this.#connections.values()].filter((c) => c.readyState === ReadyState.OPEN);
    for (const conn of open) CloseHandshake.begin(conn.driver, conn.connection.connection, CloseCodes.SERVER_SHUTDOWN);
    multi.flush(); // the close frames leave before the Disconnects
    for (const conn of [...this.#connections.values()]) this.#forget(conn, true);
    multi.update(); // the Disconnects leave now
    multi.flush();
    multi.dispose();
    this.#multi = null;
    for (const conn of open) reportClosed(conn, CloseCodes.SERVER_SHUTDOWN);
  }

  // ------------------------------------------------------------------ what ServerConnection / UtpClient call

  #sendReliable(conn: ServerConnection, frame: Uint8Array): void {
    const multi = this.#multi;
    if (!multi || conn.readyState !== ReadyState.OPEN) return;
    const rc = multi.send(conn.connection, RELIABLE_PIPELINE, frame);
    if (rc >= 0) { this.#scheduleFlush(); return; }
    if (rc === StatusCode.NetworkSendQueueFull) {
      // The peer stopped acknowledging while we kept sending: nothing more can be queued, the close frame
      // included. Drop the connection; the client sees a disconnect without a code (1006) and reconnects.
      this.stats.sendQueueOverflow++;
      this.#forget(conn, true);
      reportClosed(conn, CloseCodes.ABNORMAL_CLOSURE, 'send queue overflow');
    } else if (rc === StatusCode.NetworkPacketOverflow) {
      debugAndPrintError(new Error(`UtpTransport: a ${frame.length}-byte frame exceeds maxFrameSize; raise the maxFrameSize option (both sides)`));
      conn.client ? conn.client.leave(CloseCodes.WITH_ERROR, 'frame too large') : this.#close(conn, CloseCodes.WITH_ERROR);
    }
  }

  #sendUnreliable(conn: ServerConnection, frame: Uint8Array): boolean {
    const multi = this.#multi;
    if (!multi || conn.readyState !== ReadyState.OPEN) return false;
    if (frame.length > multi.maxPayloadSize(conn.connection, UNRELIABLE_PIPELINE)) {
      this.stats.unreliableOversize++;
      return false;
    }
    if (multi.send(conn.connection, UNRELIABLE_PIPELINE, frame) < 0) return false;
    this.#scheduleFlush();
    return true;
  }

  /** Close frame, then linger until it is acknowledged (or `lingerMS`), then the UTP Disconnect. */
  #close(conn: ServerConnection, code: number, reason?: string): void {
    if (conn.readyState !== ReadyState.OPEN) return;
    if (!this.#multi) { conn.readyState = ReadyState.CLOSED; return; }
    conn.readyState = ReadyState.CLOSING;
    conn.closing = CloseHandshake.begin(conn.driver, conn.connection.connection, code, reason, this.#lingerMS);
    if (!conn.closing) {
      this.#forget(conn, true);
      return;
    }
    this.#closing.add(conn);
    this.#scheduleFlush();
  }
}

const PING_FRAME = new Uint8Array([Protocol.PING]);

/** Tells the room (`ref` 'close'); a throwing listener is logged, never thrown into the driver loop. */
function reportClosed(conn: ServerConnection, code: number, reason?: string): void {
  try {
    conn.client?._closed(code, reason);
  } catch (err) {
    debugAndPrintError(err as Error);
  }
}

function addressPort(server: HttpServer | HttpsServer): number {
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('UtpTransport: the HTTP server must listen on a TCP port, not a pipe');
  return a.port;
}

function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return e?.cause?.code === 'EADDRINUSE' || e?.code === 'EADDRINUSE';
}

/**
 * Colyseus core reads the global `WebSocket.OPEN` on every reconnection (`Room._onJoin`); Node 20 has no global
 * WebSocket, so reconnections would fail with 4003. Install the `ws` package's class there if it is missing.
 */
async function ensureGlobalWebSocket(): Promise<void> {
  const g = globalThis as { WebSocket?: unknown };
  if (g.WebSocket !== undefined) return;
  const { WebSocket } = await import('ws');
  g.WebSocket ??= WebSocket;
}

