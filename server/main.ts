// `npm start` (after building the client): the game on http://localhost:2567 — page, matchmaking, UTP over UDP and
// over WebSocket, one port — and the relay demo on http://localhost:2567/relay.html, with its relay on port 2569
// (UDP and WebSocket). Options: --port N (or PORT), --host ADDR, --round SECONDS, --relay-port N, --no-relay.
import { parseArgs } from 'node:util';
import { startGameServer } from './game-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '2567' },
    host: { type: 'string' },
    round: { type: 'string' },
    'relay-port': { type: 'string', default: '2569' },
    'no-relay': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node server/main.ts [--port 2567] [--host 0.0.0.0] [--round 120] [--relay-port 2569] [--no-relay]');
  process.exit(0);
}

const port = Number(values.port);
const relayPort = Number(values['relay-port']);
try {
  const game = await startGameServer({
    port,
    host: values.host,
    config: values.round ? { roundSeconds: Number(values.round) } : {},
    relay: values['no-relay'] ? undefined : { port: relayPort },
  });
  console.log(`utp-ts arena: open ${game.url} (HTTP, WebSocket and UDP on port ${game.port}); Ctrl-C stops`);
  if (game.relay) {
    console.log(`relay demo: open ${game.url}/relay.html (host in a tab; relay on UDP and WebSocket port ${game.relay.wsPort})`);
  }
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
  const inUse = e.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(e.message));
  console.error(inUse && String(e.message).includes(`:${relayPort}`)
    ? `utp-ts arena: the relay demo's port ${relayPort} is in use; try --relay-port ${relayPort + 10}, or --no-relay`
    : inUse
      ? `utp-ts arena: port ${port} is in use (another server running?); try --port ${port + 1}`
      : `utp-ts arena: ${e.message ?? e}`);
  process.exit(1);
}
