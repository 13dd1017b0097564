// Several game processes sharing matchmaking through Redis (@colyseus/redis-presence, @colyseus/redis-driver), each
// with its own UtpTransport port and `publicAddress`: the options for `new Server(...)`, checked before Colyseus
// starts, which would otherwise wait forever for an unreachable Redis inside `listen()`.
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { matchMaker, type MatchMakerDriver, type Presence } from '@colyseus/core';
import { UtpError } from '../../transport/node.ts';
import { parsePublicAddress } from '../public-address.ts';

/** Options of `clusterOptions`. */
export interface ClusterOptions {
  /** The Redis every process shares: `redis://host:6379` (`rediss://` with TLS, `redis://:password@host`). */
  redis: string;
  /**
   * This process's own address as clients reach it, `host:port`: every seat for a room of this process leads there,
   * on every carrier (UDP to host:port, the WebSocket tunnel at ws(s)://host:port/utp). Each process its own port.
   */
  publicAddress: string;
  /** How long Redis may take to answer at start. Default 5000 ms. */
  connectTimeoutMS?: number;
}

/** What `new Server({ transport, ...await clusterOptions(…) })` needs. */
export interface ClusterServerOptions {
  /** The Redis presence shared by every process. */
  presence: Presence;
  /** The Redis matchmaking driver shared by every process. */
  driver: MatchMakerDriver;
  /** This process's `host:port`, as given to `clusterOptions`. */
  publicAddress: string;
  /** Which process creates a new room; default: the one with the fewest rooms. */
  selectProcessIdToCreateRoom: () => Promise<string>;
}

/**
 * Checks `publicAddress` and that Redis answers, then creates the RedisPresence and RedisDriver (optional peer
 * dependencies: `npm install @colyseus/redis-presence @colyseus/redis-driver`); new rooms go to the process with
 * the fewest (`fewestRoomsFirst`). Rejects with a `UtpError` that says what to fix.
 *
 * ```ts
 * const port = 2567 + Number(process.env.NODE_APP_INSTANCE ?? 0);
 * const server = new Server({
 *   transport: new UtpTransport(),
 *   ...await clusterOptions({ redis: process.env.REDIS_URL!, publicAddress: `game.example.com:${port}` }),
 * });
 * await server.listen(port);
 * ```
 */
export async function clusterOptions(options: ClusterOptions): Promise<ClusterServerOptions> {
  parsePublicAddress(options.publicAddress);
  await pingRedis(options.redis, options.connectTimeoutMS ?? 5000);
  const [{ RedisPresence }, { RedisDriver }] = await Promise.all([
    importPeer<{ RedisPresence: new (url: string) => Presence }>('@colyseus/redis-presence'),
    importPeer<{ RedisDriver: new (url: string) => MatchMakerDriver }>('@colyseus/redis-driver'),
  ]);
  return {
    presence: new RedisPresence(options.redis),
    driver: new RedisDriver(options.redis),
    publicAddress: options.publicAddress,
    selectProcessIdToCreateRoom: fewestRoomsFirst,
  };
}

/**
 * Where a new room goes: the live process with the fewest rooms, counted in the shared room listing, this process
 * on a tie. Colyseus' default counts from statistics each process publishes at most once a second, so a burst of
 * creations all lands on the process that looked emptiest at the start of it.
 */
export async function fewestRoomsFirst(): Promise<string> {
  const counts = new Map<string, number>();
  for (const s of await matchMaker.stats.fetchAll()) counts.set(s.processId, 0);
  for (const room of await matchMaker.driver.query({})) {
    const n = counts.get(room.processId);
    if (n !== undefined) counts.set(room.processId, n + 1);
  }
  let best = matchMaker.processId;
  let fewest = counts.get(best) ?? Infinity;
  for (const [processId, n] of counts) if (n < fewest) { best = processId; fewest = n; }
  return best;
}

/** Resolves once Redis at `url` answers a PING (any reply counts: NOAUTH still proves it is there). */
export function pingRedis(url: string, timeoutMS = 5000): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new UtpError(`'${url}' is not a Redis URL: write redis://host:6379`));
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    return Promise.reject(new UtpError(`'${url}' is not a Redis URL: write redis://host:6379 (rediss:// for TLS)`));
  }
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  return new Promise<void>((resolve, reject) => {
    const socket = u.protocol === 'rediss:' ? connectTls({ host, port, servername: host }) : connectTcp({ host, port });
    const fail = (why: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new UtpError(`Redis at ${host}:${port} is not reachable (${why}): start redis-server there, or give the right URL. Colyseus would wait for it forever.`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMS} ms`), timeoutMS);
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
  });
}

async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    throw new UtpError(`clusterOptions needs ${name}: npm install @colyseus/redis-presence @colyseus/redis-driver`, undefined, { cause: err });
  }
}
