// The package's commands as a user's project gets them: installed from this directory (a link, like a local
// `npm install ../utp-ts`), `npx utp-ts` and `npx utp` both run the built CLI. `utp-ts` is the name to use with npx
// outside a project (an unrelated package on the npm registry is called `utp`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runUtp } from './spawn.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the utp-ts and utp commands of an installed package', () => {
  const project = mkdtempSync(join(tmpdir(), 'utp-bin-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const npm = (...args: string[]) => spawnSync('npm', args, { cwd: project, encoding: 'utf8', timeout: 60_000 });

  it('says which name to use with npx', async () => {
    const help = await runUtp(['--help']);
    expect(help.exit.code).toBe(0);
    expect(help.stdout.join('\n')).toMatch(/npx utp-ts <command>/);
  });

  it('both run the CLI with npx', () => {
    expect(existsSync(join(root, pkg.bin['utp-ts'])), 'dist/ is built by npm install (prepare) or npm run build').toBe(true);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'probe', private: true, type: 'module' }));
    const install = npm('install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--install-links=false', root);
    expect(install.status, install.stderr).toBe(0);
    for (const name of ['utp-ts', 'utp']) {
      const run = npm('exec', '--offline', '--', name, '--version');
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stdout.trim()).toBe(`utp-ts ${pkg.version}`);
    }
  });
});
