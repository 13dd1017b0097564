/**
 * The package as a user installs it: `npm pack`, the tarball installed into a fresh project (from the npm cache
 * where it can), then every `exports` entry imported on the pinned Node and on the system Node, the types
 * checked under `moduleResolution` bundler and node16 (strictest options, no skipLibCheck), a Phaser page built
 * with Vite through the `browser` condition without one Node built-in, and the `utp` bin run from the install.
 * The starter (examples/colyseus-phaser) is built against the same install, its server run on the system Node, and
 * its page played in headless Chromium beside a Node player. `npm publish --dry-run` must list the library and
 * nothing else.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { describeWithChromium, expectNoNodeBuiltins, launchChromium } from '../support/browser.ts';
import { sleep, until } from '../support/pump.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixture/', import.meta.url));
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string; devDependencies: Record<string, string>; exports: Record<string, Record<string, string> | string>;
};
/** The peers a consumer installs next to utp-ts, at the versions this repository tests (so the npm cache has them). */
const PEERS = ['phaser', '@colyseus/core', '@colyseus/sdk', '@colyseus/schema', '@types/node'];
const bin = (name: string) => join(root, 'node_modules/.bin', name);

let project = '';
let tarball = '';
let entries: string[] = [];
const children: ChildProcess[] = [];

/** Every `node` on PATH outside node_modules (the system's), by real path; the pinned one runs this test. */
function systemNodes(): string[] {
  const found = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    try {
      const path = realpathSync(join(dir, 'node'));
      if (statSync(path).isFile()) found.add(path);
    } catch { /* no node here */ }
  }
  found.delete(realpathSync(process.execPath));
  return [...found];
}

async function nodeVersion(node: string): Promise<string> {
  return (await run(node, ['--version'])).stdout.trim();
}

type Rgb = readonly number[];

/** The colours at page points (x, y in CSS px), read from a screenshot the page itself decodes (no PNG decoder here). */
async function pixels(page: Page, points: Array<readonly [number, number]>): Promise<Rgb[]> {
  const png = (await page.screenshot({ type: 'png' })).toString('base64');
  return page.evaluate(async ({ png, points }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${png}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return points.map(([x, y]) => [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)]);
  }, { png, points });
}

function near(a: Rgb, b: Rgb): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= 12);
}

/** Waits until every point has its colour. */
async function untilPixels(page: Page, want: Array<readonly [number, number, Rgb]>, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    const got = await pixels(page, want.map(([x, y]) => [x, y] as const));
    if (want.every(([, , rgb], j) => near(got[j], rgb))) return;
    if (i >= 100) expect(got, what).toEqual(want.map(([, , rgb]) => rgb));
    await sleep(50);
  }
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'utp-consumer-'));
  // `npm pack` runs `prepare` (the build: tsc, then the browser build), exactly as publishing does.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', project], { cwd: root, maxBuffer: 64 << 20 });
  tarball = join(project, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const peers = PEERS.map((p) => `${p}@${repoPackage.devDependencies[p]}`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball, ...peers], { cwd: project });
  cpSync(fixture, project, { recursive: true });
  // The starter's sources (its own install is `npm start`'s business; here it uses this project's packages).
  cpSync(join(root, 'examples/colyseus-phaser'), join(project, 'example'), {
    recursive: true, filter: (src) => !/node_modules|[\\/]dist$|\.tgz$|package(-lock)?\.json$/.test(src),
  });
  const installed = JSON.parse(readFileSync(join(project, 'node_modules/utp-ts/package.json'), 'utf8')) as typeof repoPackage;
  entries = Object.keys(installed.exports).filter((k) => k !== './package.json').map((k) => `utp-ts${k.slice(1)}`);
}, 400_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill();
  if (project) await rm(project, { recursive: true, force: true });
}, 120_000);

describe('the packed tarball in a fresh project', () => {
  /** Export names per specifier, imported by `node` in `cwd` (phaser entries last, after a minimal DOM). */
  /** Entries that import Phaser itself at run time, which needs a DOM (decided by entry name, never by path). */
  const needsDom = (entry: string) => entry === 'utp-ts/phaser';

  async function importAll(node: string, cwd: string, specifiers: string[]): Promise<Record<string, string[] | { error: string }>> {
    const dom = specifiers.filter((_, i) => needsDom(entries[i]!));
    const order = [...specifiers.filter((s) => !dom.includes(s)), '--dom', ...dom];
    const { stdout } = await run(node, [join(cwd, 'import-all.mjs'), ...order], { cwd, maxBuffer: 16 << 20 });
    return JSON.parse(stdout) as Record<string, string[] | { error: string }>;
  }

  it('imports every exports entry on the pinned Node and on the system Node, with the source entries\' names', async () => {
    expect(entries).toEqual(expect.arrayContaining(['utp-ts', 'utp-ts/transport/node', 'utp-ts/phaser', 'utp-ts/colyseus/server', 'utp-ts/relay']));
    // What the source entries export (`source` condition paths), imported by the pinned Node from the repository.
    const sources = entries.map((e) => {
      const target = repoPackage.exports[`.${e.slice('utp-ts'.length)}`];
      return new URL(typeof target === 'string' ? target : target.source, `file://${root}`).href;
    });
    const nodes = [process.execPath, ...systemNodes()];
    expect(nodes.length, 'a system Node outside node_modules on PATH').toBeGreaterThan(1);
    const [expected, ...results] = await Promise.all([
      importAll(process.execPath, fixture, sources),
      ...nodes.map((node) => importAll(node, project, entries)),
    ]);
    for (const [i, node] of nodes.entries()) {
      const version = await nodeVersion(node);
      entries.forEach((entry, j) => {
        const names = results[i][entry];
        expect(names, `${entry} on Node ${version}`).toEqual(expected[sources[j]]);
        expect(Array.isArray(names) && names.length, `${entry} exports something`).toBeGreaterThan(0);
      });
    }
  }, 120_000);

  /** Writes a tsconfig for `files` and returns tsc's diagnostics, split into ours (utp-ts, the consumer) and others. */
  async function typecheck(name: string, options: Record<string, unknown>, files: string[]) {
    const config = {
      compilerOptions: {
        target: 'ES2022', lib: ['ES2023', 'DOM'], strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true,
        skipLibCheck: false, skipDefaultLibCheck: true, noEmit: true, ...options,
      },
      files,
    };
    writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify(config));
    const out = await run(bin('tsc'), ['-p', `tsconfig.${name}.json`, '--pretty', 'false', '--listFiles'], { cwd: project, maxBuffer: 64 << 20 })
      .then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
    const lines = out.split('\n');
    const errors = lines.filter((l) => /error TS\d+/.test(l));
    const ours = errors.filter((l) => !l.startsWith('node_modules/') || l.startsWith('node_modules/utp-ts/'));
    // The declaration files the program read: each entry's `types` target must be one (not a .d.ts found by luck).
    const read = new Set(lines.filter((l) => l.startsWith('/')).map((l) => l.replace(`${realpathSync(project)}/node_modules/utp-ts/`, './')));
    return { ours, others: errors.length - ours.length, read };
  }

  it('type-checks a consumer under moduleResolution bundler, node16 and a browser setup without Node types', async () => {
    // One namespace import per exports entry: a broken `types` path fails here even if consumer.ts misses it.
    writeFileSync(join(project, 'entries.ts'), entries.map((e, i) => `export * as entry${i} from '${e}';`).join('\n'));
    const browserEntries = entries.filter((e) => {
      const target = repoPackage.exports[`.${e.slice('utp-ts'.length)}`];
      return typeof target === 'object' && target.browser;
    });
    writeFileSync(join(project, 'browser-entries.ts'), browserEntries.map((e, i) => `export * as entry${i} from '${e}';`).join('\n'));
    const results = await Promise.all([
      typecheck('bundler', { module: 'ESNext', moduleResolution: 'bundler', types: ['node'] }, ['consumer.ts', 'entries.ts']),
      typecheck('node16', { module: 'node16', moduleResolution: 'node16', types: ['node'] }, ['consumer.ts', 'entries.ts']),
      typecheck('browser', { module: 'ESNext', moduleResolution: 'bundler', types: [] }, ['page/main.ts', 'example/client/main.ts', 'browser-entries.ts']),
    ]);
    for (const [i, name] of ['bundler', 'node16', 'browser (no Node types)'].entries()) {
      expect(results[i].ours, `errors in utp-ts's .d.ts or the consumer (${name})`).toEqual([]);
      const checked = i < 2 ? entries : browserEntries;
      const types = checked.map((e) => (repoPackage.exports[`.${e.slice('utp-ts'.length)}`] as Record<string, string>).types);
      expect(types.filter((t) => !results[i].read.has(t)), `types targets not used (${name})`).toEqual([]);
    }
    // Phaser's and Colyseus' own .d.ts have errors under these options; they are theirs, counted only.
    console.log(`consumer typecheck: errors in other packages' .d.ts (not ours): ${results.map((r) => r.others).join(', ')}`);
  }, 400_000);

  it('builds a Phaser page using utp-ts/phaser and utp-ts/colyseus with Vite, and no Node built-in reaches it', async () => {
    const { build, createLogger } = await import('vite');
    const warnings: string[] = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => { warnings.push(msg); };
    logger.warnOnce = (msg) => { warnings.push(msg); };
    const outDir = join(project, 'page-dist');
    await build({
      root: join(project, 'page'), configFile: false, logLevel: 'warn', customLogger: logger,
      build: {
        outDir, emptyOutDir: true, chunkSizeWarningLimit: 4000,
        rolldownOptions: {
          output: {
            // Chunks per package, to report utp-ts's own share (a group does not pull in its dependencies).
            codeSplitting: {
              includeDependenciesRecursively: false,
              groups: [
                { name: 'phaser', test: /node_modules[\\/]phaser[\\/]/ },
                { name: 'utp-ts', test: /node_modules[\\/]utp-ts[\\/]/ },
                { name: 'colyseus', test: /node_modules[\\/]/ },
              ],
            },
          },
        },
      },
    });
    expect(warnings.filter((w) => /externalized|browser compatibility|node:/i.test(w))).toEqual([]);
    const js = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
    const sizes: Record<string, { bytes: number; gzip: number }> = {};
    for (const f of js) {
      const code = readFileSync(join(outDir, 'assets', f));
      expectNoNodeBuiltins(code.toString('utf8'));
      expect(code.toString('utf8')).not.toContain('__vite-browser-external');
      const group = /^(phaser|utp-ts|colyseus)-/.exec(f)?.[1] ?? 'page';
      const s = (sizes[group] ??= { bytes: 0, gzip: 0 });
      s.bytes += code.length;
      s.gzip += gzipSync(code).length;
    }
    const utp = readFileSync(join(outDir, 'assets', js.find((f) => f.startsWith('utp-ts'))!), 'utf8');
    expect(utp.includes('UDP is not available in browsers'), 'the browser build\'s UDP stub is in the bundle').toBe(true);
    // The installed browser build itself: no Node built-in, and no module Vite emptied for lack of one.
    const installed = join(project, 'node_modules/utp-ts/dist/browser');
    const files = readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files.filter((f) => /browser-external|carriers\/udp\.js$/.test(f))).toEqual([]);
    for (const f of files) expectNoNodeBuiltins(readFileSync(join(installed, f), 'utf8'));
    const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
    console.log(`consumer page bundle (minified): ${Object.entries(sizes).map(([g, s]) => `${g} ${kb(s.bytes)} (gzip ${kb(s.gzip)})`).join(', ')}`);
  }, 120_000);

  it('runs the utp bin from the install: echo on the system Node, ping from the pinned Node', async () => {
    const utp = join(project, 'node_modules/.bin/utp');
    const [system] = systemNodes();
    expect(system, 'a system Node outside node_modules on PATH').toBeDefined();
    expect((await run(system, [utp, '--version'])).stdout.trim()).toBe(`utp-ts ${repoPackage.version}`);
    const echo = spawn(system, [utp, 'echo', '--udp', '127.0.0.1:0', '-q'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(echo);
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      echo.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening udp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      echo.once('exit', (code) => reject(new Error(`utp echo exited with ${code}: ${out}`)));
    });
    const ping = await run(process.execPath, [utp, 'ping', `udp://127.0.0.1:${port}`, '--count', '3', '--interval', '20'], { cwd: project });
    expect(ping.stdout).toMatch(/3 messages sent, 3 received, 0% loss/);
    echo.kill('SIGTERM');
    expect(await new Promise((resolve) => echo.once('exit', resolve))).toBe(0);
  }, 60_000);

  /** The starter's client built with Vite and its server running on the system Node (once; both starter tests use it). */
  let example: Promise<string> | null = null;
  function startExample(): Promise<string> {
    example ??= (async () => {
      const dir = join(project, 'example');
      const { build } = await import('vite');
      await build({ configFile: join(dir, 'vite.config.mjs'), root: join(dir, 'client'), logLevel: 'silent', build: { outDir: join(dir, 'dist') } });
      for (const f of readdirSync(join(dir, 'dist/assets'))) expectNoNodeBuiltins(readFileSync(join(dir, 'dist/assets', f), 'utf8'));
      const [system] = systemNodes();
      const server = spawn(system, [join(dir, 'server.mjs')], {
        cwd: dir, env: { ...process.env, PORT: '0', STATIC: join(dir, 'dist') }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        server.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
        server.once('exit', (code) => reject(new Error(`the example's server exited with ${code}: ${out}`)));
      });
      return `http://127.0.0.1:${port}`;
    })();
    return example;
  }

  it('runs examples/colyseus-phaser: its client builds, its server on the system Node joins two clients', async () => {
    const url = await startExample();
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain('<script type="module"');
    const { stdout } = await run(process.execPath, [join(project, 'example-clients.mjs'), url], { cwd: project, timeout: 30_000 });
    const result = JSON.parse(stdout) as { chat: string[]; moves: number; last: { id: string; x: number; y: number }; a: string };
    expect(result.chat).toEqual(['hello from a']);
    expect(result.moves).toBeGreaterThan(0);
    expect(result.last).toMatchObject({ id: result.a, y: 50 });
  }, 120_000);

  describeWithChromium('examples/colyseus-phaser in Chromium', () => {
    it('the built page joins, moves with the arrow keys (unreliable) and chats (reliable) with a Node player; no console error', async () => {
      const url = await startExample();
      // The other player: the installed package's UtpSDK over UDP, as example-clients.mjs uses it.
      const { UtpSDK } = await import(pathToFileURL(join(project, 'node_modules/utp-ts/dist/plugin/colyseus/index.js')).href) as typeof import('../../plugin/colyseus/index.ts');
      const node = await new UtpSDK(url).joinOrCreate('game');
      const heard = { chat: [] as Array<{ id: string; text: string }>, moved: [] as Array<{ id: string; x: number; y: number }> };
      for (const type of ['welcome', 'left']) node.onMessage(type, () => {});
      node.onMessage('chat', (m: { id: string; text: string }) => heard.chat.push(m));
      node.onMessage('moved', (m: { id: string; x: number; y: number }) => heard.moved.push(m));
      node.send('move', { x: 100, y: 60 }); // reliable: the server knows where we are before the page joins
      const chromium = await launchChromium();
      try {
        const page = await chromium.newPage('starter', { width: 800, height: 700 });
        let webSocket = false;
        page.on('websocket', () => { webSocket = true; });
        await page.goto(url);
        // The page sends its square's position 20 times a second once it has joined: its first one names its session.
        await until(() => heard.moved.length > 0, 'a move from the page');
        const pageId = heard.moved[0].id;
        expect(pageId).not.toBe(node.sessionId);
        expect(heard.moved[0]).toMatchObject({ x: 400, y: 300 });
        // Reliable, server → page: the welcome placed our square where the server had it (orange), beside the page's own (green).
        const ORANGE = [0xdd, 0x88, 0x44];
        const GREEN = [0x44, 0xdd, 0x88];
        await untilPixels(page, [[100, 60, ORANGE], [400, 300, GREEN]], 'our square from the welcome, the page\'s own square');
        // Unreliable, server → page: our moves move our square on the page.
        for (let i = 0; ; i++) {
          node.sendUnreliable('move', { x: 700, y: 450 });
          const px = await pixels(page, [[700, 450], [100, 60]]);
          if (near(px[0], ORANGE) && !near(px[1], ORANGE)) break;
          expect(i, 'our square to move on the page').toBeLessThan(100);
          await sleep(50);
        }
        // Keyboard → scene → unreliable channel → us.
        await page.keyboard.down('ArrowRight');
        await until(() => heard.moved.some((m) => m.id === pageId && m.x > 440), 'the page\'s square to move right', 10_000);
        await page.keyboard.up('ArrowRight');
        // Chat box → reliable channel → everyone.
        await page.fill('#chat', 'hello from chromium');
        await page.press('#chat', 'Enter');
        await until(() => heard.chat.length > 0, 'the page\'s chat');
        expect(heard.chat).toEqual([{ id: pageId, text: 'hello from chromium' }]);
        expect(await page.inputValue('#chat')).toBe('');
        console.log(`starter in Chromium: joined over ${webSocket ? 'the WebSocket' : 'WebRTC'}`);
        expect(chromium.errors).toEqual([]);
      } finally {
        await node.leave().catch(() => {});
        await chromium.close();
      }
    }, 120_000);
  });

  it('publishes the library and its docs only: no test, bench, sample, server or example file', async () => {
    const { stdout, stderr } = await run('npm', ['publish', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, maxBuffer: 64 << 20 });
    expect(stderr).not.toMatch(/auto-corrected/);
    const files = (Object.values(JSON.parse(stdout) as Record<string, { files: Array<{ path: string }> }>)[0]).files.map((f) => f.path);
    expect(files.filter((f) => /^(test|tests|bench|sample-game|server|examples|docs)\/|\.test\.|(^|\/)fixtures?\//.test(f))).toEqual([]);
    // Every file an `exports` condition or the bin names is in the tarball.
    const targets = Object.values(repoPackage.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
    const missing = [...targets, 'dist/plugin/cli/utp.js'].map((t) => t.replace(/^\.\//, '')).filter((t) => !files.includes(t));
    expect(missing).toEqual([]);
    expect(files).toContain('CHANGELOG.md');
  }, 60_000);
});
