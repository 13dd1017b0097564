// `npm start` (after building the client): the game on http://localhost:2567 — page, matchmaking, UTP over UDP and
// over WebSocket, one port. Options: --port N (or PORT), --host ADDR, --round SECONDS.
import { parseArgs } from 'node:util';
import { startGameServer } from './game-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '2567' },
    host: { type: 'string' },
    round: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node server/main.ts [--port 2567] [--host 0.0.0.0] [--round 120]');
  process.exit(0);
}

const port = Number(values.port);
try {
  const game = await startGameServer({
    port,
    host: values.host,
    config: values.round ? { roundSeconds: Number(values.round) } : {},
  });
  console.log(`utp-ts arena: open ${game.url} (HTTP, WebSocket and UDP on port ${game.port}); Ctrl-C stops`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('stopping…');
    game.shutdown().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  console.error(e.code === 'EADDRINUSE'
    ? `utp-ts arena: port ${port} is in use (another server running?); try --port ${port + 1}`
    : `utp-ts arena: ${e.message ?? e}`);
  process.exit(1);
}
