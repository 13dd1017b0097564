// The game server: Colyseus over UtpTransport (HTTP matchmaking, UTP over UDP and UTP over WebSocket on one port
// number) plus the built client as static files on the same HTTP server, and optionally the relay of relay.html
// (its allocation API under /relay/v1/).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Server, type ServerOptions } from '@colyseus/core';
import { UtpTransport, type UtpTransportOptions } from '../plugin/colyseus/server/index.ts';
import { ROOM_NAME } from '../sample-game/shared/constants.ts';
import { ArenaRoom, type ArenaConfig } from './arena-room.ts';
import { startDemoRelay, type DemoRelay, type DemoRelayOptions } from './relay.ts';
import { StartError } from './start-options.ts';
import { staticFiles, type StaticFilesOptions } from './static.ts';
import type { RateLimiter } from '../plugin/transport/api/rate-limiter.ts';

/** Where `vite build` puts the client. */
export const CLIENT_DIST = fileURLToPath(new URL('../sample-game/dist/', import.meta.url));

export interface GameServerOptions {
  /** Port number for HTTP, UDP and WebSocket; default 2567 (0 = any free port). */
  port?: number;
  /**
   * Address to listen on; default 127.0.0.1 (this computer only). `0.0.0.0` serves every IPv4 interface, `::`
   * HTTP on IPv6 and IPv4 (UDP on IPv4).
   */
  host?: string;
  /** Directory of the built client, or null to serve no files; default sample-game/dist. */
  staticDir?: string | null;
  /** The static files' per-address request limit (default 50 per second, bursts of 200). */
  staticLimits?: StaticFilesOptions;
  /** Room settings (round length, reconnection window…). */
  config?: ArenaConfig;
  transport?: UtpTransportOptions;
  /** Also run the relay of relay.html (`npm start`: game port + 2), on the same host; default none. */
  relay?: DemoRelayOptions;
  /** More Colyseus server options: presence, driver and publicAddress of a cluster (`clusterOptions`). */
  colyseus?: Omit<ServerOptions, 'transport'>;
}

export interface GameServer {
  server: Server;
  transport: UtpTransport;
  port: number;
  /** `http://localhost:PORT` (or the host given, when it is not a wildcard): the game's URL and the SDK's endpoint. */
  url: string;
  /** The relay of relay.html, when asked for. */
  relay: DemoRelay | null;
  /** The static files' per-address limit (`refused` counts its 429s), or null when no files are served. */
  staticLimiter: RateLimiter | null;
  shutdown(): Promise<void>;
}

/** Starts the game server; a failure to listen rejects with a `StartError` naming the part (game or relay). */
export async function startGameServer(options: GameServerOptions = {}): Promise<GameServer> {
  const listenHost = options.host ?? '127.0.0.1';
  // WebRTC's ICE and DTLS on one UDP port next to the game's (2568 with npm start): the one to open in a firewall.
  const wantedPort = options.port ?? 2567;
  const transport = new UtpTransport({ webRtc: wantedPort ? { icePort: wantedPort + 1 } : {}, ...options.transport });
  const server = new Server({ ...options.colyseus, transport, greet: false, gracefullyShutdown: false });
  server.define(ROOM_NAME, ArenaRoom, { config: options.config ?? {} });
  try {
    await server.listen(options.port ?? 2567, listenHost);
  } catch (err) {
    await server.gracefullyShutdown(false).catch(() => {}); // HTTP may be bound when UDP was not
    await transport.closed;
    throw new StartError('game', err);
  }
  let relay: DemoRelay | null = null;
  try {
    if (options.relay) relay = await startDemoRelay({ host: listenHost, ...options.relay });
  } catch (err) {
    await server.gracefullyShutdown(false);
    await transport.closed;
    throw new StartError('relay', err);
  }
  const dir = options.staticDir === undefined ? CLIENT_DIST : options.staticDir;
  const files = dir === null ? null : staticFiles(dir, options.staticLimits);
  if (dir !== null || relay) serveBeside(transport, relay, files);
  const port = transport.port;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  let stopping: Promise<void> | null = null;
  return {
    server,
    transport,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    relay,
    staticLimiter: files?.limiter ?? null,
    shutdown() {
      stopping ??= (async () => {
        relay?.close();
        await server.gracefullyShutdown(false);
        await transport.closed;
      })();
      return stopping;
    },
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Colyseus answers every HTTP request it sees (404 outside its routes, a banner at `/`): keep its handlers for
 * `/matchmake/*` and CORS preflights, give `/relay/v1/*` to the relay's allocation API and every other request to
 * `files`.
 */
function serveBeside(transport: UtpTransport, relay: DemoRelay | null, files: Handler | null): void {
  const http = transport.server;
  const colyseus = http.listeners('request') as Handler[];
  http.removeAllListeners('request');
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (relay?.handle(req, res)) return;
    if (files && req.method !== 'OPTIONS' && !req.url?.startsWith('/matchmake')) files(req, res);
    else for (const handler of colyseus) handler.call(http, req, res);
  });
}
