// One game process of the multi-process tests (not a test file): UtpTransport with RedisPresence and RedisDriver,
// on its own port, publicAddress 127.0.0.1:PORT. Usage: node cluster-node.ts REDIS_URL PORT
// Prints `ready <processId> <port>` once listening; lives until killed (SIGTERM: graceful shutdown).
import { Room, matchMaker, type Client } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { UtpTransport, clusterOptions, defaultServerSettings } from '../../plugin/colyseus/server/index.ts';
import { startColyseusServer } from '../../plugin/colyseus/testing/index.ts';

const [redis, portText] = process.argv.slice(2);
const port = Number(portText);

const Player = schema({ x: t.number().default(0) }, 'ClusterPlayer');
const ClusterState = schema({
  players: t.map(Player),
  counter: t.number().default(0),
  /** The process hosting the room, so a client can tell where its seat led. */
  processId: t.string().default(''),
  /** Changes at 20 Hz through unreliable patches only. */
  fast: t.uint32().default(0).unreliable(),
}, 'ClusterState');

class ClusterRoom extends Room<{ state: InstanceType<typeof ClusterState> }> {
  override state = new ClusterState();
  override maxClients = 4;

  override onCreate(): void {
    this.state.processId = matchMaker.processId;
    this.clock.setInterval(() => { this.state.fast++; }, 50);
    this.onMessage('count', (_client, n: number) => { this.state.counter += n; });
    this.onMessage('echo-unreliable', (client, message: unknown) => client.sendUnreliable?.('echo-unreliable', message));
  }

  override onJoin(client: Client): void {
    this.state.players.set(client.sessionId, new Player());
  }

  override async onDrop(client: Client): Promise<void> {
    await this.allowReconnection(client, 20);
  }

  override onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
  }
}

const options = await clusterOptions({ redis, publicAddress: `127.0.0.1:${port}` });
const started = await startColyseusServer({
  // A killed peer process is noticed by its clients within 3 s (the tests' client settings match).
  transport: new UtpTransport({ settings: defaultServerSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 3000 }) }),
  rooms: { cluster: ClusterRoom },
  port,
  server: options,
});
process.on('SIGTERM', () => { void started.shutdown().then(() => process.exit(0)); });
console.log(`ready ${matchMaker.processId} ${started.port}`);
