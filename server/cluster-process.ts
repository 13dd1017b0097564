// One game process of `npm run start:cluster` (server/cluster.ts starts them): the game server of `npm start`,
// sharing matchmaking with the others through Redis, its own port, publicAddress HOST:PORT.
// Usage: node server/cluster-process.ts --port N --host ADDR --public-host NAME --redis URL [--static-dir DIR]
import { parseArgs } from 'node:util';
import { matchMaker } from '@colyseus/core';
import { clusterOptions } from '../plugin/colyseus/server/index.ts';
import { startGameServer } from './game-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' }, host: { type: 'string' }, 'public-host': { type: 'string' }, redis: { type: 'string' }, 'static-dir': { type: 'string' },
  },
});
const port = Number(values.port);
const publicAddress = `${values['public-host']}:${port}`;
try {
  const game = await startGameServer({
    port,
    host: values.host,
    staticDir: values['static-dir'],
    colyseus: await clusterOptions({ redis: values.redis!, publicAddress }),
  });
  const stop = (): void => { void game.shutdown().then(() => process.exit(0), () => process.exit(1)); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`process ${matchMaker.processId} on port ${game.port}: seats for its rooms lead to ${publicAddress}`);
} catch (err) {
  console.error(`port ${port}: ${(err as Error).message}`);
  process.exit(1);
}
