// The browser-test helper itself: the static server, the bundle check, the Chromium gate (run in a child Vitest
// with a missing Chromium) and a Chromium session's error collection.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithChromium, launchChromium, nodeBuiltinImports, serveStatic } from './browser.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('serveStatic', () => {
  it('serves its routes on 127.0.0.1 with content types from the path, ignores queries, 404s the rest', async () => {
    const site = await serveStatic({
      '/': '<p>home</p>', '/app.js': 'export {}', '/data.bin': new Uint8Array([1, 2, 3]),
      '/x': { body: '{}', type: 'application/json' },
    });
    try {
      expect(site.url).toBe(`http://127.0.0.1:${site.port}`);
      const home = await fetch(`${site.url}/?ws=ws%3A%2F%2Fhost`);
      expect(home.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await home.text()).toBe('<p>home</p>');
      expect((await fetch(`${site.url}/app.js?v=1`)).headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(new Uint8Array(await (await fetch(`${site.url}/data.bin`)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
      expect((await fetch(`${site.url}/x`)).headers.get('content-type')).toBe('application/json');
      expect((await fetch(`${site.url}/nope.js`)).status).toBe(404);
      expect((await fetch(`${site.url}/toString`)).status).toBe(404);
    } finally {
      await site.close();
    }
  });
});

describe('nodeBuiltinImports', () => {
  it('finds node:, bare built-in and ws imports in every form, and nothing else', () => {
    const bad = [
      'import { readFileSync } from "node:fs";', 'import dgram from \'dgram\';', 'export * from "fs/promises";',
      'const n = await import("node:net");', 'const e = require( "events" );', 'import{WebSocket as W}from"ws";',
      'await import(\'http\')',
    ];
    const good = [
      'import { x } from "./fs.js";', 'import "fsevents-polyfill";', 'const m = await import(name);',
      'throw new Error("UDP is not available in browsers: use node:dgram in Node");', 'import { a } from "wsx";',
    ];
    expect(nodeBuiltinImports(good.join('\n'))).toEqual([]);
    for (const line of bad) expect(nodeBuiltinImports(`${good.join('\n')}\n${line}\n`), line).toHaveLength(1);
    expect(nodeBuiltinImports('import { Server } from "@colyseus/core";', ['@colyseus/core'])).toHaveLength(1);
  });
});

/** Runs the gate fixture in a child Vitest with Chromium "missing". */
function runGateFixture(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'UTP_REQUIRE_BROWSER'));
  return new Promise((resolve) => {
    execFile(process.execPath, [
      `${root}node_modules/vitest/vitest.mjs`, 'run', '--config', `${root}test/support/fixtures/vitest.config.ts`,
    ], { cwd: root, env: { ...clean, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
}

describe('the Chromium gate (UTP_CHROMIUM_PATH=/nonexistent)', () => {
  it('skips loudly without UTP_REQUIRE_BROWSER, and fails with UTP_REQUIRE_BROWSER=1', async () => {
    const [skipped, required] = await Promise.all([
      runGateFixture({ UTP_CHROMIUM_PATH: '/nonexistent/chromium' }),
      runGateFixture({ UTP_CHROMIUM_PATH: '/nonexistent/chromium', UTP_REQUIRE_BROWSER: '1' }),
    ]);
    expect(skipped.code, skipped.output).toBe(0);
    expect(skipped.output).toContain('!! SKIPPING the gate fixture: /nonexistent/chromium is missing (apt-get install -y chromium');
    expect(skipped.output).toContain('Set UTP_REQUIRE_BROWSER=1 to make this a failure');
    expect(skipped.output).toMatch(/1 skipped/);
    expect(skipped.output).not.toContain('runs only with Chromium');

    expect(required.code, required.output).toBe(1);
    expect(required.output).toContain('UTP_REQUIRE_BROWSER=1 but /nonexistent/chromium is missing');
    expect(required.output).toMatch(/1 failed/);
  }, 90_000);
});

describeWithChromium('launchChromium', () => {
  it('opens tabs on a temporary profile, collects their console errors and exceptions, and cleans up', async () => {
    const site = await serveStatic({
      '/': '<!doctype html><link rel="icon" href="data:,"><script>console.log("fine"); window.ok = 1</script>',
      '/bad': '<!doctype html><link rel="icon" href="data:,"><script>console.error("boom"); setTimeout(() => { throw new Error("late") })</script>',
    });
    const chromium = await launchChromium();
    expect(existsSync(chromium.profile)).toBe(true);
    try {
      const a = await chromium.newPage('A');
      const b = await chromium.newPage('B', { width: 640, height: 480 });
      expect(chromium.context.pages()).toEqual([a, b]);
      expect(b.viewportSize()).toEqual({ width: 640, height: 480 });
      await a.goto(site.url);
      expect(await a.evaluate(() => (window as unknown as { ok: number }).ok)).toBe(1);
      await b.goto(`${site.url}/bad`);
      await b.waitForTimeout(100);
      expect(chromium.errors).toEqual(['B: boom', 'B: Error: late']);
    } finally {
      await chromium.close();
      await site.close();
    }
    expect(existsSync(chromium.profile)).toBe(false);
  }, 60_000);
});
