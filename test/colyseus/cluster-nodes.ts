// Game processes for the multi-process tests: each runs cluster-node.ts (UtpTransport, RedisPresence, RedisDriver)
// on a port of its own with publicAddress 127.0.0.1:PORT.
import { fileURLToPath } from 'node:url';
import { defaultClientSettings, type UtpClientOptions } from '../../plugin/colyseus/index.ts';
import { UtpProcess } from '../cli/spawn.ts';
import { freePort } from '../../plugin/colyseus/testing/index.ts';
import type { RedisServer } from '../support/redis.ts';

export const CLUSTER_NODE = fileURLToPath(new URL('./cluster-node.ts', import.meta.url));

export interface ClusterNode { process: UtpProcess; processId: string; port: number; endpoint: string }

/** Starts one game process sharing `redis`; resolves once it listens. */
export async function startNode(redis: RedisServer): Promise<ClusterNode> {
  const port = await freePort();
  const child = new UtpProcess([redis.url, String(port)], CLUSTER_NODE);
  const [, processId] = await child.waitFor(/^ready (\S+) (\d+)$/, 90_000); // a busy machine starts Node slowly
  return { process: child, processId, port, endpoint: `http://127.0.0.1:${port}` };
}

/** Client settings for these tests: a dead server is noticed within 3 s, as the nodes notice dead clients. */
export function clusterClient(carrier: 'udp' | 'websocket'): UtpClientOptions {
  return { carrier, settings: defaultClientSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 3000 }) };
}
