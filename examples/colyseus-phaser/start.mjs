// `npm start`: installs utp-ts from a tarball packed from this repository (as a user installs it from the registry),
// builds the client with Vite, and serves the game on http://127.0.0.1:2567.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const npm = (args, cwd) => execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const wanted = JSON.parse(readFileSync(`${repo}package.json`, 'utf8')).version;
const installed = existsSync(`${here}node_modules/utp-ts/package.json`)
  ? JSON.parse(readFileSync(`${here}node_modules/utp-ts/package.json`, 'utf8')).version : null;
if (installed !== wanted || process.argv.includes('--repack')) {
  // The library's own dev dependencies build it (npm pack runs its `prepare`: tsc and the browser build).
  if (!existsSync(`${repo}node_modules`)) {
    console.log('installing the library\'s build tools (once)…');
    npm(['install', '--no-audit', '--no-fund'], repo);
  }
  console.log('packing utp-ts…');
  const [{ filename }] = JSON.parse(npm(['pack', '--json', '--pack-destination', here], repo));
  npm(['install', '--no-save', '--no-audit', '--no-fund', `./${filename}`], here);
}
console.log('building the client…');
execFileSync(process.execPath, [`${here}node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'warn'], { cwd: here, stdio: 'inherit' });
process.env.STATIC = `${here}dist`;
await import('./server.mjs').then(({ startServer }) => startServer({
  port: Number(process.env.PORT ?? 2567), host: process.env.HOST ?? '127.0.0.1', staticDir: process.env.STATIC,
})).then(({ port }) => console.log(`open http://${process.env.HOST ?? '127.0.0.1'}:${port} in two tabs`));
