// Starting the game server from a command line (`npm start`, `npm run dev`): options, one line on failure (with a
// hint that works when followed), and what to open.
import { networkInterfaces } from 'node:os';
import { startGameServer, type GameServer } from './game-server.ts';
import {
  describeStartError, isLoopbackHost, parseStartOptions, START_USAGE, StartUsageError, type StartOptions,
} from './start-options.ts';

export interface Launched {
  game: GameServer;
  options: StartOptions;
}

/**
 * Parses `argv`, starts the game server (and the relay demo's relay), or exits: 0 after `--help`, 2 for a bad
 * option, 1 with one line on stderr when it cannot listen. `command` is how the user runs it (`npm start`), for
 * the usage and the hints.
 */
export async function launch(command: string, argv: string[]): Promise<Launched> {
  let options: StartOptions | null;
  try {
    options = parseStartOptions(argv);
  } catch (err) {
    if (!(err instanceof StartUsageError)) throw err;
    console.error(`${command}: ${err.message}\nusage: ${command} -- [options]\n${START_USAGE}`);
    process.exit(2);
  }
  if (!options) {
    console.log(`usage: ${command} -- [options]\n${START_USAGE}`);
    process.exit(0);
  }
  try {
    const game = await startGameServer({
      port: options.port,
      host: options.host,
      config: options.roundSeconds === undefined ? {} : { roundSeconds: options.roundSeconds },
      relay: options.relayPort === null ? undefined : { port: options.relayPort, publicApi: options.publicRelayApi },
    });
    return { game, options };
  } catch (err) {
    // npm swallows `npm start --port N` as its own option: the hint shows the `--` that passes it through.
    const line = await describeStartError(err, options);
    console.error(line.replace(/try (--[a-z-]+ \d+)/, `try ${command} -- $1`));
    process.exit(1);
  }
}

/** Lines saying where the game is, who can reach it, and how to change that. */
export function describeListening({ game, options }: Launched, name = 'utp-ts arena'): string[] {
  const lines: string[] = [];
  const local = isLoopbackHost(options.host);
  lines.push(`${name}: open ${game.url} (HTTP, WebSocket and UDP on port ${game.port}); Ctrl-C stops`);
  if (local) {
    lines.push('  this computer only; --host 0.0.0.0 serves your network');
  } else {
    const lan = options.host === '0.0.0.0' || options.host === '::' ? lanAddresses() : [];
    if (lan.length) lines.push(`  on your network: ${lan.map((a) => `http://${a}:${game.port}`).join(', ')}`);
  }
  if (game.relay) {
    const ice = game.relay.icePort === null ? '' : `, WebRTC ICE on UDP ${game.relay.icePort || 'ephemeral ports'}`;
    lines.push(`relay demo: open ${game.url}/relay.html (relay on UDP and WebSocket port ${game.relay.wsPort}${ice})`);
    if (!local && !options.publicRelayApi) {
      lines.push('  its allocation API answers this computer only; --public-relay-api opens it to others (it has no authentication)');
    }
  }
  return lines;
}

/** This machine's non-internal IPv4 addresses. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}
