// `npm run dev`: the game server (and the relay demo's relay), with the options of `npm start`, plus Vite's dev
// server with hot reload (:5173, or the next free port), which proxies matchmaking, the relay's allocation API and
// the UTP WebSocket tunnel to it. Vite listens on the same --host. One process, no extra dependency.
import { fileURLToPath } from 'node:url';
import { describeListening, launch } from './launch.ts';

const launched = await launch('npm run dev', process.argv.slice(2));
const { game, options } = launched;
// Where Vite's proxy finds the game server: a wildcard host is reached on loopback.
const wildcard = options.host === undefined || options.host === '0.0.0.0' || options.host === '::';
const reach = wildcard ? '127.0.0.1' : options.host!.includes(':') ? `[${options.host}]` : options.host!;
process.env.GAME_SERVER = `http://${reach}:${game.port}`;
const { createServer } = await import('vite');
let vite: Awaited<ReturnType<typeof createServer>> | null = null;
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) process.exit(1);
  stopping = true;
  await vite?.close();
  await game.shutdown();
  process.exit(0);
};
process.on('SIGINT', () => { void stop(); });
process.on('SIGTERM', () => { void stop(); });
vite = await createServer({
  configFile: fileURLToPath(new URL('../sample-game/vite.config.ts', import.meta.url)),
  server: options.host === undefined ? {} : { host: options.host },
});
await vite.listen();
for (const line of describeListening(launched, 'utp-ts arena (dev): game server')) console.log(line);
console.log('Vite with hot reload (use this one while editing):');
vite.printUrls();
console.log(`bots: npm run bots -- --url http://localhost:${game.port}`);
