import type { NetworkConnection } from '../transport/api/connection.ts';
import { NetworkDriver } from '../transport/api/driver.ts';
import { WebSocketServerInterface } from '../transport/carriers/websocket-server.ts';
import { WebRtcServerInterface } from '../transport/carriers/webrtc-server.ts';
import { NetworkEndpoint } from '../transport/api/endpoint.ts';
import { MultiNetworkDriver, type MultiNetworkConnection } from '../transport/api/multi-driver.ts';
import { NetworkEvent } from '../transport/api/network-event.ts';
import { NetworkSettings } from '../transport/api/settings.ts';
import { disconnectReasonName, NetworkEventType, StatusCode, statusCodeName } from '../transport/api/status-codes.ts';
import {
  ExitCode, intOption, parse, resolveUdpEndpoint, resolveWsListener, stdio, stringOption, udpUrl, UsageError, wsUrl,
  type Output,
} from './args.ts';
import {
  applySimulatorOption, createPipelines, DEFAULT_PIPELINES, describePipelines, parsePipelines,
} from './pipelines.ts';
import { DriverLoop } from '../transport/api/driver-loop.ts';
import { onStopSignal } from './signals.ts';
import { driverStatsLine } from './stats-line.ts';
import { pemPair } from './secure.ts';
import { listenSharedHttp } from './webrtc.ts';

export const ECHO_HELP = `Usage: utp echo [--udp HOST:PORT] [--ws HOST:PORT[/PATH] [--webrtc]] [options]

A UTP server that sends every message it receives back to its sender, on the
pipeline it came in on. Serves UDP and WebSocket clients at once when given
both listeners (at least one is required). Prints "listening udp://HOST:PORT"
and "listening ws://HOST:PORT/PATH" (the bound ports, so port 0 picks a free
one) and one line per connect and disconnect.

Options:
  --udp HOST:PORT            UDP address to listen on (udp://HOST:PORT, [V6]:PORT)
  --ws HOST:PORT[/PATH]      WebSocket address to listen on (also
                             ws://HOST:PORT/PATH); clients must use the same
                             PATH (default /)
  --webrtc                   also accept WebRTC data channels (browsers,
                             'utp ping --webrtc'): signalling on the --ws
                             port at /utp/rtc, ICE and DTLS over UDP; prints
                             "listening webrtc http://HOST:PORT/utp/rtc"
  --ice-port PORT            --webrtc: one UDP port for every peer's ICE (the
                             one to open in a firewall; default an ephemeral
                             port per peer)
  --ice-address ADDR         --webrtc: address ICE binds and offers (default
                             the --ws host, or every interface for 0.0.0.0)
  --dtls                     the UDP listener speaks DTLS 1.2 (dtls://); needs
                             --cert and --key
  --cert FILE, --key FILE    the DTLS server's PEM certificate (ECDSA P-256 or
                             RSA) and private key
  --tls-cert FILE, --tls-key FILE
                             serve the WebSocket listener as wss:// with this
                             PEM certificate and key
  --pipelines LIST           pipelines to create, in id order (default
                             ${DEFAULT_PIPELINES})
  --disconnect-timeout MS    close a connection after MS without receiving
                             (default 30000; 0 disables)
  --heartbeat-timeout MS     send a heartbeat after MS without sending
                             (default 500; 0 disables)
  --simulator K=V,...        simulator stage parameters, for pipelines that
                             contain 'simulator': delay, jitter, drop, duplicate,
                             reorder, drop-interval, fuzz, seed, mode
  --stats                    print a stats line every second: connections,
                             half-open (strangers not yet heard from),
                             evictions, bandwidth, drops by reason
  --stats-interval MS        time between stats lines (default 1000)
  -q, --quiet                no per-connection lines
  -h, --help                 this help

Pipelines: ',' separates pipelines (ids 1, 2, 3... in list order); '+' chains
stages within one pipeline. Stages: reliable, unreliable, fragmentation,
simulator, null; 'none' creates no pipeline (pipeline 0 only). Clients must
create the same list in the same order.

Messages on a reliable pipeline whose window is full wait in a per-connection
backlog and leave on a later update, in order.

Stops on Ctrl-C / SIGTERM: disconnects every client, then exits 0.
Exit codes: 0 stopped cleanly, 1 runtime failure (e.g. cannot bind),
2 bad arguments.`;

/** Echoes waiting for room in a full reliable window, per pipeline, oldest first. */
interface Peer {
  readonly connection: MultiNetworkConnection;
  readonly remote: string;
  readonly backlog: Map<number, Uint8Array[]>;
  backlogged: number;
  /** A send failure (other than a full window) was reported. */
  warnedSend: boolean;
  /** A full backlog was reported. */
  warnedBacklog: boolean;
}

/** Echoes kept per connection and pipeline while the reliable window is full; beyond that they are dropped. */
const BACKLOG_LIMIT = 4096;

/** Runs `utp echo`; resolves with the exit code once stopped by a signal (or at once on errors). */
export async function runEcho(argv: string[], io: Output = stdio): Promise<number> {
  const { values } = parse(argv, {
    udp: { type: 'string' },
    ws: { type: 'string' },
    dtls: { type: 'boolean' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    webrtc: { type: 'boolean' },
    'ice-port': { type: 'string' },
    'ice-address': { type: 'string' },
    pipelines: { type: 'string' },
    'disconnect-timeout': { type: 'string' },
    'heartbeat-timeout': { type: 'string' },
    simulator: { type: 'string' },
    stats: { type: 'boolean' },
    'stats-interval': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(ECHO_HELP);
    return ExitCode.Ok;
  }
  const udp = stringOption(values, 'udp');
  const ws = stringOption(values, 'ws');
  if (udp === undefined && ws === undefined) {
    throw new UsageError('--udp HOST:PORT or --ws HOST:PORT is required (e.g. --udp 127.0.0.1:7777, or port 0 for any free port)');
  }

  const dtls = values.dtls === true ? pemPair(values, 'cert', 'key') : undefined;
  if (values.dtls === true && !dtls) throw new UsageError('--dtls needs --cert FILE and --key FILE (the server certificate and its private key, PEM)');
  if (values.dtls === true && udp === undefined) throw new UsageError('--dtls secures the UDP listener: give --udp HOST:PORT too');
  if (values.dtls !== true && (values.cert !== undefined || values.key !== undefined)) throw new UsageError('--cert and --key are for --dtls (the WebSocket listener takes --tls-cert and --tls-key)');
  const tls = pemPair(values, 'tls-cert', 'tls-key');
  if (tls && ws === undefined) throw new UsageError('--tls-cert and --tls-key secure the WebSocket listener: give --ws HOST:PORT too');
  const webrtc = values.webrtc === true;
  if (webrtc && ws === undefined) throw new UsageError('--webrtc answers signalling on the WebSocket listener\'s port: give --ws HOST:PORT too');
  if (!webrtc && (values['ice-port'] !== undefined || values['ice-address'] !== undefined)) throw new UsageError('--ice-port and --ice-address are for --webrtc');
  const icePort = intOption(values, 'ice-port', 0, 0, 65535);
  // One settings object per listener: DTLS belongs to the UDP driver only.
  const makeSettings = (): NetworkSettings => {
    const s = new NetworkSettings().withNetworkConfigParameters({
      disconnectTimeoutMS: intOption(values, 'disconnect-timeout', 30000, 0),
      heartbeatTimeoutMS: intOption(values, 'heartbeat-timeout', 500, 0),
    });
    const simulator = stringOption(values, 'simulator');
    if (simulator !== undefined) applySimulatorOption(s, simulator);
    return s;
  };
  const settings = makeSettings();
  const specs = parsePipelines(stringOption(values, 'pipelines', DEFAULT_PIPELINES));
  const udpEndpoint = udp === undefined ? null : await resolveUdpEndpoint(udp, '--udp');
  const wsListener = ws === undefined ? null : await resolveWsListener(ws, '--ws');
  const quiet = values.quiet === true;
  const statsInterval = values.stats === true ? intOption(values, 'stats-interval', 1000, 100) : 0;

  // One driver per listener behind a MultiNetworkDriver (driver ids in this order); `url` names a remote end.
  const multi = MultiNetworkDriver.create();
  const listeners: Array<{ driver: NetworkDriver; url: (c: NetworkConnection) => string; listening: () => string }> = [];
  let closeHttp = (): void => {};
  try {
    if (udpEndpoint) {
      const udpSettings = dtls ? makeSettings().withSecureServerParameters(dtls.cert, dtls.key) : settings;
      const driver = NetworkDriver.create(udpSettings);
      multi.addDriver(driver); // disposed with `multi`, also if the bind fails
      await driver.bind(udpEndpoint);
      driver.listen();
      const scheme = (url: string) => (dtls ? url.replace(/^udp:/, 'dtls:') : url);
      listeners.push({
        driver,
        url: (c) => { const r = driver.remoteEndpoint(c); return scheme(r ? udpUrl(r) : 'udp://?'); },
        listening: () => scheme(udpUrl(driver.localEndpoint())),
      });
    }
    if (wsListener) {
      const secureWs = (url: string) => (tls ? url.replace(/^ws:/, 'wss:') : url);
      // With --webrtc both carriers share one HTTP server, as in UtpTransport; each takes only its own path.
      const http = webrtc ? await listenSharedHttp(wsListener.endpoint, wsListener.path, tls) : undefined;
      if (http) closeHttp = () => { http.close(); http.closeAllConnections(); };
      const wsIface = new WebSocketServerInterface(http ? { path: wsListener.path, server: http } : { path: wsListener.path, tls });
      const driver = NetworkDriver.create({ networkInterface: wsIface, settings });
      multi.addDriver(driver);
      await driver.bind(wsListener.endpoint);
      driver.listen();
      listeners.push({
        driver,
        url: (c) => { const r = driver.remoteEndpoint(c); return secureWs(r ? wsUrl(r) : 'ws://?'); },
        listening: () => secureWs(wsUrl(driver.localEndpoint(), wsListener.path)),
      });
      if (http) {
        const host = wsListener.endpoint;
        const iceAddress = stringOption(values, 'ice-address') ?? (host.isAny ? undefined : host.address);
        const rtc = new WebRtcServerInterface({ server: http, iceAddress, icePort, maxMessageSize: settings.networkConfig.maxMessageSize });
        const rtcDriver = NetworkDriver.create({ networkInterface: rtc, settings });
        multi.addDriver(rtcDriver);
        await rtcDriver.bind(NetworkEndpoint.anyIpv4); // signalling rides on `http`; nothing else is bound here
        rtcDriver.listen();
        const signal = (tls ? 'https://' : 'http://') + `${driver.localEndpoint()}${rtc.path}`;
        const ice = `ICE udp ${iceAddress ?? '*'}:${icePort || 'any'}`;
        listeners.push({
          driver: rtcDriver,
          url: (c) => { const r = rtcDriver.remoteEndpoint(c); return r ? `webrtc://${r}` : 'webrtc://?'; },
          listening: () => `webrtc ${signal} (${ice})`,
        });
      }
    }
    createPipelines(multi, specs);
  } catch (err) {
    multi.dispose();
    closeHttp();
    throw err;
  }

  /** Connections by driver id − 1, then connection id. */
  const peers = listeners.map(() => new Map<number, Peer>());
  const event = new NetworkEvent();
  const acceptOut: { payload?: Uint8Array | null } = {};
  const lastReceiveError = listeners.map(() => 0);
  let echoed = 0;

  const log = (line: string): void => { if (!quiet) io.out(line); };

  /** Sends one echo; returns false when the window is full (the caller keeps it for later). */
  const trySend = (peer: Peer, pipe: number, bytes: Uint8Array): boolean => {
    const r = multi.send(peer.connection, pipe, bytes);
    if (r === StatusCode.NetworkSendQueueFull) return false;
    if (r >= 0) echoed++;
    else if (!peer.warnedSend && r !== StatusCode.NetworkStateMismatch) {
      peer.warnedSend = true;
      io.err(`utp echo: cannot echo to ${peer.remote} on pipeline ${pipe}: ${statusCodeName(r)} (${r})`);
    }
    return true;
  };

  const keep = (peer: Peer, pipe: number, bytes: Uint8Array): void => {
    let queue = peer.backlog.get(pipe);
    if (!queue) peer.backlog.set(pipe, (queue = []));
    if (queue.length >= BACKLOG_LIMIT) {
      if (!peer.warnedBacklog) {
        peer.warnedBacklog = true;
        io.err(`utp echo: backlog of ${peer.remote} on pipeline ${pipe} is full (${BACKLOG_LIMIT} messages): dropping echoes`);
      }
      return;
    }
    queue.push(bytes.slice());
    peer.backlogged++;
  };

  const drainBacklog = (peer: Peer): void => {
    for (const [pipe, queue] of peer.backlog) {
      let sent = 0;
      while (sent < queue.length && trySend(peer, pipe, queue[sent])) sent++;
      if (sent === 0) continue;
      queue.splice(0, sent);
      peer.backlogged -= sent;
    }
  };

  const tick = (): void => {
    multi.update();
    for (let i = 0; i < listeners.length; i++) {
      const driver = listeners[i].driver;
      if (driver.receiveErrorCode === lastReceiveError[i]) continue;
      lastReceiveError[i] = driver.receiveErrorCode;
      if (lastReceiveError[i] !== 0) {
        io.err(`utp echo: receive error on ${listeners[i].listening()}: ${statusCodeName(lastReceiveError[i])} (${lastReceiveError[i]})${driver.lastError ? `: ${driver.lastError.message}` : ''}`);
      }
    }
    for (let c = multi.accept(acceptOut); c !== null; c = multi.accept(acceptOut)) {
      const peer: Peer = {
        connection: c, remote: listeners[c.driverId - 1].url(c.connection), backlog: new Map(), backlogged: 0,
        warnedSend: false, warnedBacklog: false,
      };
      peers[c.driverId - 1].set(c.id, peer);
      const payload = acceptOut.payload;
      log(`connect ${peer.remote} (connection ${c.id}${payload ? `, connect payload ${payload.length} bytes` : ''})`);
    }
    // Older echoes first, so each pipeline keeps its order.
    for (const byId of peers) for (const peer of byId.values()) if (peer.backlogged > 0) drainBacklog(peer);
    for (let type = multi.popEvent(event); type !== NetworkEventType.Empty; type = multi.popEvent(event)) {
      const connection = event.connection as MultiNetworkConnection;
      const byId = peers[connection.driverId - 1];
      const peer = byId.get(connection.id);
      if (!peer || !peer.connection.equals(connection)) continue;
      if (type === NetworkEventType.Data) {
        const pipe = event.pipeline.id;
        const queue = peer.backlog.get(pipe);
        if ((queue && queue.length > 0) || !trySend(peer, pipe, event.data)) keep(peer, pipe, event.data);
      } else if (type === NetworkEventType.Disconnect) {
        byId.delete(connection.id);
        log(`disconnect ${peer.remote} (connection ${peer.connection.id}): ${disconnectReasonName(event.disconnectReason)}`);
      }
    }
    multi.flush();
  };

  io.out(`pipelines ${describePipelines(specs)}`);
  for (const l of listeners) io.out(`listening ${l.listening()}`);

  return new Promise<number>((resolve) => {
    let errors = 0;
    const loop = new DriverLoop(multi, tick, {
      intervalMS: 1,
      // Keep serving the other clients; report the first error and then every 1000th.
      onError: (err) => {
        if (errors++ % 1000 === 0) io.err(`utp echo: internal error (${errors} so far): ${(err as Error)?.stack ?? String(err)}`);
      },
    }).start();
    const stats = statsInterval ? setInterval(() => io.out(driverStatsLine(multi.getStatistics())), statsInterval) : null;
    const removeSignals = onStopSignal((signal) => {
      if (stats) clearInterval(stats);
      loop.stop();
      removeSignals();
      const all = peers.flatMap((byId) => [...byId.values()]);
      io.out(`stopping (${signal}): disconnecting ${all.length} connection(s)`);
      for (const peer of all) multi.disconnect(peer.connection);
      // One update sends the Disconnect packets (spec §3.5 "Closing"); it also flushes.
      multi.update();
      multi.flush();
      const done = (): void => {
        multi.dispose();
        closeHttp();
        io.out(`echoed ${echoed} message(s)`);
        resolve(ExitCode.Ok);
      };
      // A WebRTC peer closed at once could lose its Disconnect, still in the SCTP queue.
      if (webrtc && all.length > 0) setTimeout(done, 150); else done();
    });
  });
}
