// The built client served by the game server, as `npm start` runs it: shared by the browser tests of the game
// and of the relay demo. The build goes to a temporary directory, so the working copy's dist stays untouched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startGameServer, type GameServer, type GameServerOptions } from '../../server/game-server.ts';
import { launchChromium, type ChromiumSession } from '../support/browser.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BuiltGame {
  game: GameServer;
  /** The build output (index.html, relay.html, assets/). */
  dist: string;
  close(): Promise<void>;
}

/** Builds `sample-game/` with its Vite config into a new temporary directory, returned (the caller removes it). */
export async function buildGame(): Promise<string> {
  const { build } = await import('vite');
  const dist = mkdtempSync(join(tmpdir(), 'utp-game-dist-'));
  await build({ configFile: join(root, 'sample-game/vite.config.ts'), logLevel: 'silent', build: { outDir: dist, emptyOutDir: true } });
  return dist;
}

/** Builds `sample-game/` with its Vite config and serves it on 127.0.0.1 (port 0) with `options`. */
export async function startBuiltGame(options: Omit<GameServerOptions, 'staticDir' | 'port' | 'host'> = {}): Promise<BuiltGame> {
  const dist = await buildGame();
  const game = await startGameServer({ ...options, port: 0, host: '127.0.0.1', staticDir: dist });
  return {
    game,
    dist,
    async close() {
      await game.shutdown();
      rmSync(dist, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a `beforeAll` that serves the built game with `options` and launches Chromium, and an `afterAll` that
 * closes both; read them from the returned object inside the tests (or a later `beforeAll`).
 */
export function builtGameWithChromium(options: Parameters<typeof startBuiltGame>[0] = {}): { readonly game: GameServer; readonly chromium: ChromiumSession } {
  let built: BuiltGame | undefined;
  let chromium: ChromiumSession | undefined;
  beforeAll(async () => {
    built = await startBuiltGame(options);
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await built?.close();
  });
  return { get game() { return built!.game; }, get chromium() { return chromium!; } };
}
