import { WebSocket as WsWebSocket } from 'ws';
import { NetworkConnection } from '../transport/api/connection.ts';
import { NetworkDriver } from '../transport/api/driver.ts';
import { NetworkEndpoint, NetworkFamily } from '../transport/api/endpoint.ts';
import { WebSocketNetworkInterface, type WebSocketConstructor } from '../transport/carriers/websocket-client.ts';
import { WebRtcNetworkInterface } from '../transport/carriers/webrtc-client.ts';
import { NetworkEvent } from '../transport/api/network-event.ts';
import { NetworkSettings } from '../transport/api/settings.ts';
import {
  DisconnectReason, disconnectReasonName, NetworkEventType, StatusCode, statusCodeName,
} from '../transport/api/status-codes.ts';
import {
  ExitCode, intOption, parse, parseWsUrl, resolveUdpEndpoint, stdio, stringOption, udpUrl, urlScheme, UsageError,
  type Output,
} from './args.ts';
import {
  applySimulatorOption, createPipelines, DEFAULT_PIPELINES, describePipelines, parsePipelines, resolvePipeline,
} from './pipelines.ts';
import { DriverLoop } from '../transport/api/driver-loop.ts';
import { onStopSignal } from './signals.ts';
import { readPem } from './secure.ts';
import { nodeRtc, rtcSignalUrl } from './webrtc.ts';

export const PING_HELP = `Usage: utp ping URL [options]

Connects to a UTP server (e.g. 'utp echo'), sends COUNT messages carrying a
sequence number and a timestamp, prints the round-trip time of each echo, then
a min/avg/max and loss summary, and disconnects.

URL is udp://HOST:PORT or HOST:PORT for UDP, dtls://HOST:PORT for UDP with
DTLS 1.2 ('utp echo --dtls'), ws://HOST:PORT[/PATH] or wss://HOST[:PORT][/PATH]
for WebSocket (PATH must match the server's; default /). With --webrtc, URL
is the server's signalling URL http(s)://HOST:PORT[/PATH] (default path
/utp/rtc), or its ws(s)://HOST:PORT, and the messages ride on a WebRTC data
channel ('utp echo --ws HOST:PORT --webrtc', UtpTransport).

Options:
  --count N                messages to send (default 5; 0 = until Ctrl-C)
  --interval MS            time between messages (default 1000)
  --pipeline NAME          reliable | unreliable | fragmented | 0 | an id |
                           a pipeline of --pipelines, e.g. reliable+simulator
                           (default: reliable if present, else 1, else 0)
  --size BYTES             message size, at least 12 (default 32)
  --timeout MS             wait for late replies after the last send
                           (default 2000)
  --pipelines LIST         pipelines to create, in id order; must match the
                           server (default
                           ${DEFAULT_PIPELINES})
  --connect-timeout MS     resend the connection request every MS (default 1000)
  --max-attempts N         give up after N connection requests (default 10)
  --disconnect-timeout MS  drop the connection after MS without receiving
                           (default 30000; 0 disables)
  --heartbeat-timeout MS   send a heartbeat after MS without sending
                           (default 500; 0 disables)
  --simulator K=V,...      simulator stage parameters (see 'utp echo --help')
  --ca FILE                dtls:// only: PEM CA certificate(s) that issued the
                           server's certificate (default: Node's public CAs)
  --server-name NAME       dtls:// only: the name the server certificate must
                           carry (default: the URL's host)
  --insecure               dtls:// and wss://: do not verify the server's
                           certificate (still encrypted)
  --webrtc                 over a WebRTC data channel (node-datachannel), with
                           no fallback: a channel that does not open fails
  -h, --help               this help

Stops on Ctrl-C / SIGTERM: prints the summary, disconnects, exits 0.
Exit codes: 0 at least one echo came back (loss is shown in the summary) or
stopped by Ctrl-C, 1 no connection, disconnected, or no echo at all, 2 bad
arguments.`;

/** Bytes of the ping header: u32 LE sequence + f64 LE send time (ms, `performance.now()`). */
const HEADER = 12;

/** Runs `utp ping`; resolves with the exit code. */
export async function runPing(argv: string[], io: Output = stdio): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: 'string' },
    interval: { type: 'string' },
    pipeline: { type: 'string' },
    size: { type: 'string' },
    timeout: { type: 'string' },
    pipelines: { type: 'string' },
    'connect-timeout': { type: 'string' },
    'max-attempts': { type: 'string' },
    'disconnect-timeout': { type: 'string' },
    'heartbeat-timeout': { type: 'string' },
    simulator: { type: 'string' },
    insecure: { type: 'boolean' },
    ca: { type: 'string' },
    'server-name': { type: 'string' },
    webrtc: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    io.out(PING_HELP);
    return ExitCode.Ok;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `expected one URL, got ${positionals.length} arguments` : 'missing URL (e.g. udp://127.0.0.1:7777)');
  }
  const count = intOption(values, 'count', 5, 0);
  const interval = intOption(values, 'interval', 1000, 0);
  const size = intOption(values, 'size', 32, HEADER);
  const timeout = intOption(values, 'timeout', 2000, 0);
  const maxAttempts = intOption(values, 'max-attempts', 10, 1);
  const settings = new NetworkSettings().withNetworkConfigParameters({
    connectTimeoutMS: intOption(values, 'connect-timeout', 1000, 1),
    maxConnectAttempts: maxAttempts,
    disconnectTimeoutMS: intOption(values, 'disconnect-timeout', 30000, 0),
    heartbeatTimeoutMS: intOption(values, 'heartbeat-timeout', 500, 0),
  });
  const simulator = stringOption(values, 'simulator');
  if (simulator !== undefined) applySimulatorOption(settings, simulator);
  const specs = parsePipelines(stringOption(values, 'pipelines', DEFAULT_PIPELINES));
  const pipelineName = stringOption(values, 'pipeline');
  const pipe = pipelineName !== undefined
    ? resolvePipeline(pipelineName, specs)
    : (specs.find((s) => s.text === 'reliable')?.id ?? (specs.length ? 1 : 0));
  const scheme = urlScheme(positionals[0]);
  const overRtc = values.webrtc === true;
  if (overRtc && values.insecure === true) throw new UsageError('--insecure is for dtls:// and wss://: an https:// signalling URL needs a certificate Node trusts (NODE_EXTRA_CA_CERTS=ca.pem)');
  if (overRtc && (values.ca !== undefined || values['server-name'] !== undefined)) throw new UsageError('--ca and --server-name are for dtls:// URLs');
  if (!overRtc && scheme !== undefined && scheme !== 'udp' && scheme !== 'dtls' && scheme !== 'ws' && scheme !== 'wss') {
    throw new UsageError(`URL: unsupported scheme '${scheme}://' in '${positionals[0]}' (use udp://, dtls://, ws:// or wss://)`);
  }
  if (scheme !== 'dtls' && (values.ca !== undefined || values['server-name'] !== undefined)) {
    throw new UsageError('--ca and --server-name are for dtls:// URLs');
  }
  if (scheme === 'dtls' && !overRtc) {
    const host = positionals[0].replace(/^dtls:\/\//i, '').replace(/:\d+\/?$/, '').replace(/^\[(.*)\]$/, '$1');
    settings.withSecureClientParameters({
      caCertificate: values.ca === undefined ? undefined : readPem(values.ca as string, '--ca'),
      serverName: stringOption(values, 'server-name') ?? host,
      insecure: values.insecure === true,
    });
  }
  const overWs = !overRtc && (scheme === 'ws' || scheme === 'wss');
  /** Why the WebSocket failed to open, if it did (the interface itself only reports that it did). */
  let socketError: Error | null = null;
  let driver: NetworkDriver;
  let target: NetworkEndpoint;
  let url: string;
  let rtc: { iface: WebRtcNetworkInterface; cleanup(): void } | null = null;
  if (overRtc) {
    const signalUrl = rtcSignalUrl(positionals[0]);
    const lib = await nodeRtc();
    const iface = new WebRtcNetworkInterface({ signalUrl, RTCPeerConnection: lib.RTCPeerConnection });
    rtc = { iface, cleanup: lib.cleanup };
    driver = NetworkDriver.create({ networkInterface: iface, settings });
    target = iface.serverEndpoint;
    url = signalUrl;
  } else if (overWs) {
    const ws = parseWsUrl(positionals[0], 'URL');
    const iface = new WebSocketNetworkInterface({
      url: ws.href, WebSocket: nodeWebSocket(values.insecure === true, (err) => { socketError ??= err; }),
    });
    driver = NetworkDriver.create({ networkInterface: iface, settings });
    target = iface.serverEndpoint;
    url = ws.display;
  } else {
    target = await resolveUdpEndpoint(positionals[0].replace(/^dtls:\/\//i, ''), 'URL');
    driver = NetworkDriver.create(settings);
    url = scheme === 'dtls' ? udpUrl(target).replace(/^udp:/, 'dtls:') : udpUrl(target);
  }

  createPipelines(driver, specs);
  const capacity = driver.maxPayloadSize(NetworkConnection.Null, pipe);
  if (size > capacity) throw new UsageError(`--size ${size} exceeds the ${capacity}-byte message limit of pipeline ${pipe}`);
  try {
    // A WebSocket client ignores the bind address: its sockets open on connect.
    await driver.bind(target.family === NetworkFamily.Ipv6 ? NetworkEndpoint.anyIpv6 : NetworkEndpoint.anyIpv4);
  } catch (err) {
    driver.dispose();
    throw err;
  }

  const pipeText = pipe === 0 ? '0 (no stages)' : `${pipe} (${specs[pipe - 1].text})`;
  io.out(`PING ${url}${rtc ? ' over WebRTC' : ''}: pipeline ${pipeText}, ${size} bytes`);

  const event = new NetworkEvent();
  const message = new Uint8Array(size);
  const view = new DataView(message.buffer);
  const rtts: number[] = [];
  const seen = new Set<number>();
  const startedAt = performance.now();
  let connected = false;
  let sent = 0;
  let nextSendAt = 0;
  let lastSendAt = 0;
  let ignored = 0;
  const connection = driver.connect(target);

  const summary = (): void => {
    if (!connected) return;
    const received = rtts.length;
    const loss = sent === 0 ? 0 : ((sent - received) / sent) * 100;
    io.out(`--- ${url} utp ping statistics ---`);
    io.out(`${sent} messages sent, ${received} received, ${formatLoss(loss)}% loss${ignored ? `, ${ignored} other message(s) ignored` : ''}`);
    if (received > 0) {
      let min = Infinity, max = 0, sum = 0;
      for (const r of rtts) { min = Math.min(min, r); max = Math.max(max, r); sum += r; }
      io.out(`rtt min/avg/max = ${min.toFixed(3)}/${(sum / received).toFixed(3)}/${max.toFixed(3)} ms`);
    }
  };

  /** A reply is ours when it has our size, a sequence we sent and not seen, and our fill pattern. */
  const onReply = (data: Uint8Array): void => {
    const now = performance.now();
    if (data.length !== size) { ignored++; return; }
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const seq = dv.getUint32(0, true);
    if (seq >= sent || seen.has(seq) || !hasPattern(data, seq)) { ignored++; return; }
    seen.add(seq);
    const rtt = now - dv.getFloat64(4, true);
    rtts.push(rtt);
    io.out(`${size} bytes from ${url}: seq=${seq} time=${rtt.toFixed(3)} ms`);
  };

  /**
   * Nothing came back. A server drops Data for a pipeline id it never created, silently (spec §4.1), and a plain UTP
   * server often creates none, so name the pipeline and suggest the one every server has.
   */
  const noEcho = (): string => `no echo from ${url} (${sent} message(s) sent on pipeline ${pipeText})`
    + (pipe === 0 ? '' : `; a server that did not create pipeline ${pipe} drops them: try --pipeline 0`);

  const sendNext = (now: number): number => {
    view.setUint32(0, sent, true);
    fillPattern(message, sent);
    view.setFloat64(4, performance.now(), true);
    const r = driver.send(connection, pipe, message);
    if (r >= 0) {
      sent++;
      lastSendAt = now;
      nextSendAt = Math.max(nextSendAt + interval, now);
    }
    return r;
  };

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number, reason?: string): void => {
      if (finished) return;
      finished = true;
      loop.stop();
      removeSignals();
      summary();
      if (reason) io.err(`utp ping: ${reason}`);
      // Close politely: the Disconnect packet leaves during the next update (spec §3.5 "Closing").
      driver.disconnect(connection);
      driver.update();
      driver.flush();
      if (!rtc) {
        driver.dispose();
        resolve(code);
        return;
      }
      // The data channel gets a moment to send the Disconnect; node-datachannel's threads then stop.
      setTimeout(() => {
        driver.dispose();
        rtc.cleanup();
        resolve(code);
      }, 150);
    };

    const tick = (): void => {
      driver.update();
      for (let type = driver.popEvent(event); type !== NetworkEventType.Empty; type = driver.popEvent(event)) {
        if (type === NetworkEventType.Connect) {
          connected = true;
          io.out(`connected to ${url} in ${(performance.now() - startedAt).toFixed(1)} ms`);
          nextSendAt = performance.now();
        } else if (type === NetworkEventType.Data) {
          onReply(event.data);
        } else if (type === NetworkEventType.Disconnect) {
          const reason = event.disconnectReason;
          if (!connected && reason === DisconnectReason.MaxConnectionAttempts) {
            if (rtc?.iface.fallbackReason) return finish(ExitCode.Failure, `cannot open WebRTC to ${url}: ${rtc.iface.fallbackReason}`);
            if (socketError) return finish(ExitCode.Failure, `cannot open ${url}: ${describeSocketError(socketError)}`);
            return finish(ExitCode.Failure, `no answer from ${url} after ${maxAttempts} connection attempts`);
          }
          return finish(ExitCode.Failure, `${url} disconnected: ${disconnectReasonName(reason)}`);
        }
      }
      if (connected) {
        const now = performance.now();
        if ((count === 0 || sent < count) && now >= nextSendAt) {
          const r = sendNext(now);
          // -5: the reliable window is full; try again on the next update.
          if (r < 0 && r !== StatusCode.NetworkSendQueueFull) {
            return finish(ExitCode.Failure, `cannot send to ${url} on pipeline ${pipe}: ${statusCodeName(r)} (${r})`);
          }
        }
        if (count > 0 && sent === count && (rtts.length === count || now - lastSendAt >= timeout)) {
          return rtts.length > 0 ? finish(ExitCode.Ok) : finish(ExitCode.Failure, noEcho());
        }
      }
      driver.flush();
    };

    const loop = new DriverLoop(driver, tick, {
      intervalMS: 1,
      onError: (err) => finish(ExitCode.Failure, `internal error: ${(err as Error)?.stack ?? String(err)}`),
    }).start();
    // Stopped by hand: still exit 0, but say why nothing came back if nothing did.
    const removeSignals = onStopSignal(() => finish(ExitCode.Ok, connected && sent > 0 && rtts.length === 0 ? noEcho() : undefined));
  });
}

/**
 * The `ws` package's client in the shape the WebSocket interface takes: no compression (UTP negotiates no
 * extension), the certificate check unless `insecure`, and `onError` told why a socket failed (refused,
 * HTTP 404, TLS…), which the interface itself only reports as a failed connection.
 */
function nodeWebSocket(insecure: boolean, onError: (err: Error) => void): WebSocketConstructor {
  return class extends WsWebSocket {
    constructor(url: string) {
      super(url, { perMessageDeflate: false, rejectUnauthorized: !insecure });
      this.addEventListener('error', (ev) => onError(ev.error instanceof Error ? ev.error : new Error(ev.message)));
    }
  } as unknown as WebSocketConstructor;
}

/** `connect ECONNREFUSED 127.0.0.1:1`, `Unexpected server response: 404`, TLS failures with a hint. */
function describeSocketError(err: Error): string {
  const code = (err as Error & { code?: unknown }).code;
  const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code);
  // Node 24 appends "; if the root CA is installed locally, try … --use-system-ca": keep the first clause.
  return tls ? `${err.message.split(';')[0]} (certificate not trusted; --insecure skips the check)` : err.message;
}

function fillPattern(b: Uint8Array, seq: number): void {
  for (let i = HEADER; i < b.length; i++) b[i] = (seq + i) & 0xff;
}

function hasPattern(b: Uint8Array, seq: number): boolean {
  for (let i = HEADER; i < b.length; i++) if (b[i] !== ((seq + i) & 0xff)) return false;
  return true;
}

function formatLoss(pct: number): string {
  return Number.isInteger(pct) ? String(pct) : pct.toFixed(1);
}
