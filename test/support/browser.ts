/**
 * Shared plumbing of the tests that run headless Chromium (the `browser.test.ts` files: pages, bundles, servers).
 *
 * ```ts
 * describeWithChromium('my page in Chromium', () => {
 *   it('works', async () => {
 *     const site = await serveStatic({ '/': PAGE, '/utp.js': bundle });
 *     const chromium = await launchChromium();
 *     try {
 *       const page = await chromium.newPage('A');
 *       await page.goto(site.url);
 *       …
 *       expect(chromium.errors).toEqual([]);        // console errors and uncaught exceptions of every page
 *     } finally {
 *       await chromium.close();
 *       await site.close();
 *     }
 *   });
 * });
 * ```
 *
 * Chromium is `/usr/bin/chromium`, or `UTP_CHROMIUM_PATH`. Without it the browser tests are skipped with a loud
 * banner on stderr, unless `UTP_REQUIRE_BROWSER=1` (CI), which turns the skip into a failing test.
 * `UTP_CHROMIUM_PATH=/nonexistent` simulates a machine without Chromium.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

/** The Chromium executable the browser tests use: `UTP_CHROMIUM_PATH`, else `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.UTP_CHROMIUM_PATH || '/usr/bin/chromium';

/** `UTP_REQUIRE_BROWSER=1`: a missing Chromium fails the browser tests instead of skipping them. */
export const browserRequired = process.env.UTP_REQUIRE_BROWSER === '1';

/** Whether the Chromium executable exists. */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** Why the browser tests cannot run here, with the fix. */
export function missingChromiumReason(): string {
  return `${CHROMIUM_PATH} is missing (apt-get install -y chromium, or point UTP_CHROMIUM_PATH at a Chromium)`;
}

/**
 * The gate of a group of Chromium tests; call it in a `describe` body before registering them:
 * `if (!requireChromium('the WebSocket page test')) return;`. Returns true when Chromium is there. Otherwise it
 * registers a failing test (with `UTP_REQUIRE_BROWSER=1`) or a skipped one named after the reason, prints a
 * banner on stderr in the skip case, and returns false.
 */
export function requireChromium(what: string): boolean {
  if (chromiumAvailable()) return true;
  const why = missingChromiumReason();
  if (browserRequired) {
    it(`has Chromium for ${what}, as UTP_REQUIRE_BROWSER=1 demands`, () => {
      throw new Error(`UTP_REQUIRE_BROWSER=1 but ${why}`);
    });
    return false;
  }
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! SKIPPING ${what}: ${why}.\n!! Set UTP_REQUIRE_BROWSER=1 to make this a failure.\n${bar}\n\n`);
  it.skip(`SKIPPED: ${why}`, () => {});
  return false;
}

/** `describe(name, body)`, with `body` registered only when `requireChromium(name)` lets it. */
export function describeWithChromium(name: string, body: () => void): void {
  describe(name, () => {
    if (requireChromium(name)) body();
  });
}

/**
 * Chromium flags of every browser test: headless without GPU or sandbox (containers), no network chatter of
 * its own (QUIC, updates, sync, first-run), no /dev/shm (small in containers), and no throttling of timers or
 * renderers of background tabs (a test drives several tabs at once).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
  // WebRTC to a server on 127.0.0.1 (see `loopbackOnlyArgs` for hosts without another interface).
  '--allow-loopback-in-peer-connection',
  ...loopbackOnlyArgs(),
];

/**
 * The extra flag WebRTC needs on a host whose only interface is `lo` (a network namespace, some CI sandboxes).
 * Measured with Chromium 156 against a node-datachannel server whose one ICE candidate is 127.0.0.1: on a host with
 * another interface (eth0) the data channel opens with no flag at all — Chromium offers only `.local` mDNS
 * candidates, and the pair forms peer-reflexively from its checks to 127.0.0.1. With `lo` alone Chromium gathers
 * no candidate, and the channel opens only with both `--allow-loopback-in-peer-connection` and
 * `--disable-features=WebRtcHideLocalIpsWithMdns`; either alone fails. Chromium takes the last `--disable-features`,
 * which replaces the list Playwright passes, so the flag is added only where it is needed.
 */
function loopbackOnlyArgs(): string[] {
  const external = Object.values(networkInterfaces()).some((list) => list?.some((a) => !a.internal));
  return external ? [] : ['--disable-features=WebRtcHideLocalIpsWithMdns'];
}

/** A running headless Chromium (one browser context on a temporary profile). */
export interface ChromiumSession {
  readonly context: BrowserContext;
  /** The temporary profile directory (deleted by `close`). */
  readonly profile: string;
  /**
   * A tab (the first call reuses the blank one Chromium opens with). Its console errors and uncaught
   * exceptions are collected in `errors` as `"name: text"`. The default viewport is 1280 × 720.
   */
  newPage(name?: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** Console errors and uncaught exceptions of every tab opened with `newPage`, in order. */
  readonly errors: string[];
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
}

/** Launches headless Chromium with `CHROMIUM_ARGS` (plus `args`) on a fresh temporary profile. */
export async function launchChromium(options: { args?: readonly string[] } = {}): Promise<ChromiumSession> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'utp-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: { width: 1280, height: 720 },
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const errors: string[] = [];
  let blank: Page | undefined = context.pages()[0];
  let closed: Promise<void> | null = null;
  return {
    context,
    profile,
    errors,
    async newPage(name = `page ${context.pages().length}`, viewport) {
      const page = blank ?? await context.newPage();
      blank = undefined;
      page.on('console', (m) => { if (m.type() === 'error') errors.push(`${name}: ${m.text()}`); });
      page.on('pageerror', (e) => errors.push(`${name}: ${String(e)}`));
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    close() {
      closed ??= context.close().finally(() => rmSync(profile, { recursive: true, force: true }));
      return closed;
    },
  };
}

/** What `serveStatic` answers for a path: text or bytes (content type from the path), or both explicitly. */
export type StaticRoute = string | Uint8Array | { body: string | Uint8Array; type: string };

/** A small HTTP server on 127.0.0.1. */
export interface StaticSite {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  json: 'application/json', png: 'image/png', svg: 'image/svg+xml',
};

/**
 * Serves `routes` (path → content, matched on the path without the query) on 127.0.0.1 at a free port; any
 * other path is 404. `/` and paths without an extension are served as HTML.
 */
export async function serveStatic(routes: Record<string, StaticRoute>): Promise<StaticSite> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    const { body, type } = typeof route === 'string' || route instanceof Uint8Array ? { body: route, type: typeFor(path) } : route;
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

function typeFor(path: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? TYPES.html : TYPES[ext] ?? 'application/octet-stream';
}

/**
 * The imports of a browser bundle that name a Node built-in (`node:*`, or a bare `fs`, `events`, …, in
 * `from`, `import()` or `require()`) or one of `also` (e.g. `ws`), each with a little context.
 */
export function nodeBuiltinImports(bundle: string, also: readonly string[] = ['ws']): string[] {
  const bare = [...new Set([...builtinModules.filter((m) => !m.startsWith('_') && !m.includes(':')), ...also])]
    .map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const re = new RegExp(`(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\brequire\\s*\\(\\s*)["'](?:node:[^"']+|(?:${bare.join('|')})(?:/[^"']*)?)["']`, 'g');
  const found: string[] = [];
  for (const m of bundle.matchAll(re)) found.push(bundle.slice(Math.max(0, m.index - 40), m.index + m[0].length + 10).replace(/\s+/g, ' '));
  return found;
}

/**
 * Asserts that a browser bundle imports no Node built-in (see `nodeBuiltinImports`). On failure it prints the
 * offending imports, never the bundle.
 */
export function expectNoNodeBuiltins(bundle: string, also: readonly string[] = ['ws']): void {
  expect(bundle.length, 'the bundle is empty').toBeGreaterThan(0);
  expect(nodeBuiltinImports(bundle, also), 'Node built-ins imported by the browser bundle').toEqual([]);
}

/** The package's browser build, made in a temporary directory by `buildBrowserPackage`. */
export interface BrowserPackage {
  /** Every output file as a `serveStatic` route: `/index.js`, `/relay/index.js`, … (dist/browser's layout). */
  readonly routes: Record<string, Uint8Array>;
  /** The JavaScript of all output modules, concatenated (for `expectNoNodeBuiltins`). */
  readonly code: string;
  /** Deletes the temporary directory. */
  dispose(): void;
}

/**
 * Runs the package's browser build (vite.browser.config.ts, what package.json's `browser` condition points at) into
 * a temporary directory, so the working copy's dist stays untouched. A page imports `./index.js`,
 * `./relay/index.js`, … from wherever `routes` are served.
 */
export async function buildBrowserPackage(): Promise<BrowserPackage> {
  const { build } = await import('vite');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outDir = mkdtempSync(join(tmpdir(), 'utp-browser-package-'));
  try {
    await build({
      root, configFile: join(root, 'vite.browser.config.ts'), logLevel: 'silent',
      build: { outDir, emptyOutDir: true, sourcemap: false },
    });
  } catch (err) {
    rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
  const routes: Record<string, Uint8Array> = {};
  let code = '';
  for (const file of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js')) continue;
    const bytes = readFileSync(join(outDir, file));
    routes[`/${file.split('\\').join('/')}`] = bytes;
    code += `${bytes.toString('utf8')}\n`;
  }
  return { routes, code, dispose: () => rmSync(outDir, { recursive: true, force: true }) };
}
