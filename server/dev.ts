// `npm run dev`: the game server (:2567, with the relay demo's relay on :2569) and Vite's dev server with hot reload
// (:5173), which proxies matchmaking, the relay's allocation API and the UTP WebSocket tunnel to it. One process, no
// extra dependency. Options: --port N (game server).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startGameServer } from './game-server.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '2567' } } });
const game = await startGameServer({ port: Number(values.port), relay: { port: 2569 } });
process.env.GAME_SERVER = `http://localhost:${game.port}`;
const { createServer } = await import('vite');
const vite = await createServer({ configFile: fileURLToPath(new URL('../sample-game/vite.config.ts', import.meta.url)) });
await vite.listen();
console.log(`utp-ts arena (dev): game server on port ${game.port} (HTTP, WebSocket, UDP); Vite with hot reload:`);
vite.printUrls();
console.log('bots: npm run bots -- --url http://localhost:' + game.port);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  await vite.close();
  await game.shutdown();
  process.exit(0);
};
process.on('SIGINT', () => { void stop(); });
process.on('SIGTERM', () => { void stop(); });
