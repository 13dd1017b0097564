import { AllocationApi } from '../relay/server/allocation-api.ts';
import { RelayServer, type RelayServerLoad } from '../relay/server/relay-server.ts';
import {
  ExitCode, intOption, parse, resolveUdpEndpoint, resolveWsListener, stdio, stringOption, udpUrl, UsageError, wsUrl,
  type Output,
} from './args.ts';
import { pemPair } from './secure.ts';
import { onStopSignal } from './signals.ts';
import { dropsText, formatRate } from './stats-line.ts';

export const RELAY_HELP = `Usage: utp relay [--udp HOST:PORT] [--ws HOST:PORT[/PATH] [--webrtc]]
                 [--http HOST:PORT] [options]

A self-hosted Unity Relay server (the server half of UTP's Relay protocol) and
its allocation API. Unity clients and utp-ts drivers use it exactly like
Unity's hosted Relay: allocate, get a join code, join, BIND, CONNECT, RELAY.
Prints "relay udp://HOST:PORT", "relay ws://HOST:PORT" and
"allocations http://HOST:PORT" (the bound ports: port 0 picks a free one).

Options:
  --udp HOST:PORT            serve Relay over UDP (connection type "udp")
  --dtls HOST:PORT           serve Relay over DTLS (connection type "dtls"; each
                             client's key is its allocation's key)
  --ws HOST:PORT[/PATH]      serve Relay over WebSocket (connection type "ws")
  --webrtc                   also serve browsers over WebRTC data channels
                             (relay.html, RelayWebRtcInterface): signalling
                             on the --ws port at /utp/rtc, so clients with
                             "ws" Relay data find it; ICE and DTLS over UDP;
                             prints "relay webrtc http://HOST:PORT/utp/rtc"
  --ice-port PORT            --webrtc: one UDP port for every peer's ICE (the
                             one to open in a firewall; default an ephemeral
                             port per peer)
  --ice-address ADDR         --webrtc: address ICE binds and offers (default
                             the --ws host, or every interface for 0.0.0.0)
  --tls-cert FILE, --tls-key FILE
                             serve the WebSocket listener as wss:// with this
                             PEM certificate and key
  --http HOST:PORT           allocation API: POST /v1/allocate, /v1/joincode,
                             /v1/join; GET /v1/load
  --public-host HOST         address put in allocations' serverEndpoints
                             (default: the bound address; 127.0.0.1 for 0.0.0.0)
  --max-players N            maxConnections of allocations that name none
                             (default 10; requests may ask up to 100)
  --idle-timeout MS          expire an allocation after MS of silence
                             (default 10000)
  --rate-limit PPS           packets per second per source address, burst 2×
                             (default 2000; 0 disables)
  --stats-interval MS        print a load line every MS (default 10000; 0 never)
  --stats                    print a stats line every second instead (every
                             --stats-interval MS if given): allocations,
                             bandwidth, withheld answers, drops by reason
  -q, --quiet                no load lines
  -h, --help                 this help

At least one of --udp, --dtls and --ws is required. The allocation API has no
authentication: keep it private or behind your own gateway.

Stops on Ctrl-C / SIGTERM and exits 0.
Exit codes: 0 stopped cleanly, 1 runtime failure (e.g. cannot bind),
2 bad arguments.`;

/** Runs `utp relay`; resolves with the exit code once stopped by a signal (or at once on errors). */
export async function runRelay(argv: string[], io: Output = stdio): Promise<number> {
  const { values } = parse(argv, {
    udp: { type: 'string' },
    dtls: { type: 'string' },
    ws: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    webrtc: { type: 'boolean' },
    'ice-port': { type: 'string' },
    'ice-address': { type: 'string' },
    http: { type: 'string' },
    'public-host': { type: 'string' },
    'max-players': { type: 'string' },
    'idle-timeout': { type: 'string' },
    'rate-limit': { type: 'string' },
    'stats-interval': { type: 'string' },
    stats: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(RELAY_HELP);
    return ExitCode.Ok;
  }
  const udp = stringOption(values, 'udp');
  const dtls = stringOption(values, 'dtls');
  const ws = stringOption(values, 'ws');
  const tls = pemPair(values, 'tls-cert', 'tls-key');
  if (tls && ws === undefined) throw new UsageError('--tls-cert and --tls-key secure the WebSocket listener: give --ws HOST:PORT too');
  const webrtc = values.webrtc === true;
  if (webrtc && ws === undefined) throw new UsageError('--webrtc answers signalling on the WebSocket listener\'s port: give --ws HOST:PORT too');
  if (!webrtc && (values['ice-port'] !== undefined || values['ice-address'] !== undefined)) throw new UsageError('--ice-port and --ice-address are for --webrtc');
  const icePort = intOption(values, 'ice-port', 0, 0, 65535);
  const http = stringOption(values, 'http');
  if (udp === undefined && dtls === undefined && ws === undefined) throw new UsageError('give --udp HOST:PORT, --dtls HOST:PORT and/or --ws HOST:PORT (e.g. --udp 0.0.0.0:7777)');
  const maxPlayers = intOption(values, 'max-players', 10, 1, 100);
  const idleTimeoutMs = intOption(values, 'idle-timeout', 10_000, 1);
  const rate = intOption(values, 'rate-limit', 2000, 0);
  const detailed = values.stats === true;
  const statsInterval = intOption(values, 'stats-interval', detailed ? 1000 : 10_000, 0);
  const publicHost = stringOption(values, 'public-host');
  const udpAt = udp === undefined ? undefined : await resolveUdpEndpoint(udp, '--udp');
  const wsAt = ws === undefined ? undefined : await resolveWsListener(ws, '--ws');
  const dtlsAt = dtls === undefined ? undefined : await resolveUdpEndpoint(dtls.replace(/^dtls:\/\//i, ''), '--dtls');
  const httpAt = http === undefined ? undefined : await resolveUdpEndpoint(http.replace(/^http:\/\//i, ''), '--http');

  const server = new RelayServer({ idleTimeoutMs, rateLimit: rate > 0 ? { packetsPerSecond: rate } : null });
  server.onError = (err) => io.err(`utp relay: socket error: ${err.message}`);
  const api = new AllocationApi({
    store: server.store, serverEndpoints: () => server.serverEndpoints(publicHost), defaultMaxConnections: maxPlayers,
    load: () => server.load,
  });
  try {
    if (udpAt) io.out(`relay ${udpUrl(await server.listenUdp(udpAt))}`);
    if (dtlsAt) io.out(`relay ${udpUrl(await server.listenDtls(dtlsAt)).replace(/^udp:/, 'dtls:')}`);
    if (wsAt) {
      const url = wsUrl(await server.listenWebSocket(wsAt.endpoint, { path: wsAt.path, tls }), wsAt.path);
      io.out(`relay ${tls ? url.replace(/^ws:/, 'wss:') : url}`);
      if (webrtc) {
        const host = wsAt.endpoint;
        const iceAddress = stringOption(values, 'ice-address') ?? (host.isAny ? undefined : host.address);
        const at = await server.listenWebRtc({ iceAddress, icePort });
        io.out(`relay webrtc ${tls ? 'https' : 'http'}://${at}/utp/rtc (ICE udp ${iceAddress ?? '*'}:${icePort || 'any'})`);
      }
    }
    if (httpAt) {
      const port = await api.listen(httpAt);
      io.out(`allocations http://${httpAt.withPort(port)}`);
    }
  } catch (err) {
    server.dispose();
    api.close();
    throw err;
  }
  server.start(250);
  let last = { at: performance.now(), bytesIn: 0, bytesOut: 0 };
  const statsLine = (): string => {
    const l = server.load;
    const now = performance.now();
    const seconds = Math.max((now - last.at) / 1000, 1e-3);
    const rates = { in: (l.bytesIn - last.bytesIn) / seconds, out: (l.bytesOut - last.bytesOut) / seconds };
    last = { at: now, bytesIn: l.bytesIn, bytesOut: l.bytesOut };
    return relayStatsLine(l, rates, api.limiter?.refused ?? 0);
  };
  const stats = statsInterval > 0 && (detailed || values.quiet !== true)
    ? setInterval(() => io.out(detailed ? statsLine() : loadLine(server.load)), statsInterval)
    : null;

  return new Promise<number>((resolve) => {
    const removeSignals = onStopSignal((signal) => {
      removeSignals();
      if (stats) clearInterval(stats);
      io.out(`stopping (${signal}): ${loadLine(server.load)}`);
      server.dispose();
      api.close();
      resolve(ExitCode.Ok);
    });
  });
}

/**
 * `stats allocations=3 bound=2 joins=1 pps=120 in=1.2 KB/s out=1.1 KB/s withheld=0 errors=1 refusedAllocations=0
 * dropped rateLimited=4`: bandwidth since the previous line, the rest since start (`refusedAllocations`: the
 * allocation API's 429s, per client address).
 */
function relayStatsLine(l: RelayServerLoad, rate: { in: number; out: number }, refusedAllocations: number): string {
  const errors = Object.values(l.errorsSent).reduce((a, b) => a + b, 0);
  return `stats allocations=${l.allocations} bound=${l.bound} joins=${l.joins} pps=${l.packetsPerSecond} `
    + `in=${formatRate(rate.in)} out=${formatRate(rate.out)} withheld=${l.withheld} errors=${errors} refusedAllocations=${refusedAllocations}${rtcText(l)}${dropsText(l.dropped)}`;
}

/** ` offers=2 refusedOffers=1` with a WebRTC listener: offers answered, and refused for any reason. */
function rtcText(l: RelayServerLoad): string {
  const w = l.webRtc;
  if (!w) return '';
  return ` offers=${w.offersAnswered} refusedOffers=${w.refusedBadOffer + w.refusedTooLarge + w.refusedRateLimited + w.refusedFull}`;
}

/** `load allocations=3 bound=2 joins=1 pps=120 in=… out=… dropped=0 errors=1`. */
function loadLine(l: RelayServerLoad): string {
  const dropped = Object.values(l.dropped).reduce((a, b) => a + b, 0);
  const errors = Object.values(l.errorsSent).reduce((a, b) => a + b, 0);
  return `load allocations=${l.allocations} bound=${l.bound} joins=${l.joins} pps=${l.packetsPerSecond} ` +
    `in=${l.packetsIn} out=${l.packetsOut} dropped=${dropped} errors=${errors}`;
}
