import { Server, type Room, type ServerOptions, type Transport } from '@colyseus/core';

/** A listening Colyseus server started by `startColyseusServer`. */
export interface StartedColyseusServer {
  /** The Colyseus server. */
  server: Server;
  /** The transport it listens on. */
  transport: Transport;
  /** The port number (HTTP matchmaking; UDP and the WebSocket tunnel too with `UtpTransport`). */
  port: number;
  /** `http://host:port`, the endpoint to give the SDK (`new UtpSDK(endpoint)` or `new ColyseusSDK(endpoint)`). */
  endpoint: string;
  /** Graceful shutdown without exiting the process; waits for `UtpTransport`'s close frames. */
  shutdown(): Promise<void>;
}

/**
 * Building block for tests and benchmarks: a Colyseus server with `rooms` defined, on `transport` (any
 * `Transport`: `UtpTransport`, `@colyseus/ws-transport`'s…), listening on `host:port` (default 127.0.0.1, a free
 * port). Core's signal handlers and greeting are off, so the caller owns the process.
 */
export async function startColyseusServer(options: {
  transport: Transport;
  rooms: Record<string, typeof Room<any>>;
  port?: number;
  host?: string;
  /** More `Server` options: `presence`, `driver`, `publicAddress` (see `clusterOptions`), `devMode`… */
  server?: Omit<ServerOptions, 'transport'>;
}): Promise<StartedColyseusServer> {
  const host = options.host ?? '127.0.0.1';
  const server = new Server({ ...options.server, transport: options.transport, greet: false, gracefullyShutdown: false });
  for (const [name, room] of Object.entries(options.rooms)) server.define(name, room);
  await server.listen(options.port ?? 0, host);
  const port = listeningPort(options.transport);
  return {
    server,
    transport: options.transport,
    port,
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async shutdown() {
      await server.gracefullyShutdown(false);
      await (options.transport as { closed?: Promise<void> }).closed;
    },
  };
}

/** The port a transport ended up on (`UtpTransport.port`, else its HTTP server's). */
export function listeningPort(transport: Transport): number {
  const own = (transport as { port?: unknown }).port;
  if (typeof own === 'number' && own > 0) return own;
  const a = transport.server?.address();
  if (a && typeof a === 'object') return a.port;
  throw new Error('listeningPort: the transport is not listening on a TCP port');
}
