// `npm start`: the game on http://localhost:2567 — page, matchmaking, UTP over UDP and over WebSocket, one port —
// and the relay demo on http://localhost:2567/relay.html, with its relay on port 2569 (UDP and WebSocket). It
// listens on 127.0.0.1 unless --host says otherwise; options in server/start-options.ts (`--help`).
// `--build` (what `npm start` passes) builds the client once the ports are bound, so a second start fails at once.
import { fileURLToPath } from 'node:url';
import { describeListening, launch } from './launch.ts';

const args = process.argv.slice(2);
const build = args.includes('--build');
const launched = await launch('npm start', args.filter((a) => a !== '--build'));
const { game } = launched;
let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(1);
  stopping = true;
  console.log('stopping…');
  game.shutdown().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (build) {
  try {
    const { build: viteBuild } = await import('vite');
    await viteBuild({ configFile: fileURLToPath(new URL('../sample-game/vite.config.ts', import.meta.url)) });
  } catch (err) {
    console.error(`utp-ts arena: building the client failed: ${(err as Error).message}`);
    await game.shutdown();
    process.exit(1);
  }
}
for (const line of describeListening(launched)) console.log(line);
