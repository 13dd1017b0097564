// Vite 8 config of the sample game (its own file: the top-level vite.config.ts is Vitest's).
//   npm run build:game → sample-game/dist (served by the game server on :2567): index.html (Orb Arena) and
//                        relay.html (the relay demo, "Host in this tab")
//   npm run dev        → this dev server with hot reload, proxying matchmaking, the relay's allocation API and the
//                        UTP tunnel to the game server (GAME_SERVER, set by server/dev.ts)
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
// Browsers have no UDP: the transport's UDP interface becomes its browser stub.
import { browserStubs } from '../vite.browser.config.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const gameServer = process.env.GAME_SERVER ?? 'http://localhost:2567';

export default defineConfig({
  root: here,
  base: './',
  plugins: [browserStubs()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: { index: `${here}index.html`, relay: `${here}relay.html` },
      output: { codeSplitting: { groups: [{ name: 'phaser', test: /node_modules[\\/]phaser/ }] } },
    },
  },
  server: {
    port: 5173,
    fs: { allow: [repo] },
    proxy: {
      '/matchmake': { target: gameServer, changeOrigin: true },
      // xfwd: the game server tells LAN visitors from local ones (the allocation API serves only the latter by default).
      '/relay/v1': { target: gameServer, xfwd: true },
      '/utp': { target: gameServer.replace(/^http/, 'ws'), ws: true },
    },
  },
  preview: { port: 4173 },
});
