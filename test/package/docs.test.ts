/**
 * The documentation users read: every `ts` block of docs/guides/*.md type-checks against the sources (imports of
 * `utp-ts/…` resolve through package.json's `source` condition), `npm run docs` (TypeDoc) passes its validation,
 * the Unity guide's table names real exports whose TSDoc names the UTP type, and the README's Compatibility table
 * says what package.json says.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const guides = join(root, 'docs/guides');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: Record<string, string>; peerDependencies: Record<string, string>;
};

/** The `ts` code blocks of a Markdown text, with the line each starts on. */
function tsBlocks(markdown: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = [];
  for (const m of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    blocks.push({ line: markdown.slice(0, m.index).split('\n').length + 1, code: m[1] });
  }
  return blocks;
}

describe('docs/guides', () => {
  it('has every guide the README links to, and each ts block compiles against the sources', async () => {
    const files = readdirSync(guides).filter((f) => f.endsWith('.md')).sort();
    expect(files).toEqual(expect.arrayContaining([
      'README.md', 'getting-started.md', 'colyseus.md', 'phaser.md', 'unity.md', 'relay.md', 'carriers.md', 'security.md',
      'scaling-out.md', 'troubleshooting.md',
    ]));
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(files.filter((f) => !readme.includes(`docs/guides/${f === 'README.md' ? '' : f}`)), 'guides the README does not link').toEqual([]);

    // Inside the repository (under node_modules/, which git ignores) so that `utp-ts` resolves to this package.
    const dir = join(root, 'node_modules/.cache/utp-guide-snippets');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const where = new Map<string, string>();
    for (const f of files) {
      for (const [i, b] of tsBlocks(readFileSync(join(guides, f), 'utf8')).entries()) {
        const name = `${f.replace(/\.md$/, '')}-${i + 1}.ts`;
        writeFileSync(join(dir, name), `${b.code}\nexport {};\n`);
        where.set(name, `docs/guides/${f}:${b.line}`);
      }
    }
    expect(where.size).toBeGreaterThan(15);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2023', module: 'ESNext', moduleResolution: 'bundler', customConditions: ['source'],
        lib: ['ES2023', 'DOM'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true,
        allowImportingTsExtensions: true, verbatimModuleSyntax: true, isolatedModules: true,
      },
      include: ['*.ts'],
    }));
    const out = await run(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { cwd: dir, maxBuffer: 16 << 20 })
      .then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
    // Report each error at its guide line.
    const errors = out.split('\n').filter((l) => /error TS/.test(l)).map((l) => {
      const m = /^(?:.*\/)?([^/(]+\.ts)\((\d+),\d+\): (.*)$/.exec(l);
      if (!m || !where.has(m[1])) return l;
      const [file, start] = where.get(m[1])!.split(':');
      return `${file}:${Number(start) + Number(m[2]) - 1}: ${m[3]}`;
    });
    expect(errors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('links only to README sections that exist', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const anchors = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-')));
    const broken: string[] = [];
    for (const f of readdirSync(guides).filter((g) => g.endsWith('.md'))) {
      for (const m of readFileSync(join(guides, f), 'utf8').matchAll(/\(\.\.\/\.\.\/README\.md#([^)]+)\)/g)) {
        if (!anchors.has(m[1])) broken.push(`${f}: #${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the Unity guide\'s table names exports of utp-ts', async () => {
    const unity = readFileSync(join(guides, 'unity.md'), 'utf8');
    const types = [...unity.matchAll(/^\| `([A-Z][A-Za-z.]+)` \| `([A-Z][A-Za-z]+)` \|/gm)].map((m) => ({ cs: m[1], ts: m[2] }));
    expect(types.length).toBeGreaterThan(20);
    const exported = new Set<string>();
    for (const entry of ['../../plugin/transport/node.ts', '../../plugin/relay/node.ts']) {
      for (const k of Object.keys(await import(entry))) exported.add(k);
    }
    const source = readFileSync(join(root, 'plugin/transport/index.ts'), 'utf8') + readFileSync(join(root, 'plugin/relay/index.ts'), 'utf8')
      + readFileSync(join(root, 'plugin/transport/node.ts'), 'utf8');
    // Type-only exports (interfaces) are not runtime keys: look for them in the entries' export lists.
    const missing = types.filter(({ ts }) => !exported.has(ts) && !new RegExp(`\\b${ts}\\b`).test(source));
    expect(missing).toEqual([]);
  });
});

describe('npm run docs', () => {
  it('requires TSDoc on every exported declaration and member, so the build below fails on an undocumented one', () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as {
      treatWarningsAsErrors?: boolean; validation?: Record<string, boolean>; requiredToBeDocumented?: string[];
    };
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(config.validation).toMatchObject({ notExported: true, invalidLink: true, notDocumented: true });
    // Property: interface and class members, and the members of exported const objects (StatusCode, CloseCodes…);
    // Constructor: what `new X(…)` takes and throws. Reference (a re-export) is documented at its target.
    expect(config.requiredToBeDocumented).toEqual(expect.arrayContaining([
      'Module', 'Namespace', 'Enum', 'Variable', 'Function', 'Class', 'Constructor', 'Interface', 'TypeAlias', 'Property', 'Method',
      'Accessor',
    ]));
  });

  it('builds the API reference with TypeDoc\'s validation as errors, and each mirrored UTP type is named in its TSDoc', async () => {
    const out = await mkdtemp(join(tmpdir(), 'utp-docs-'));
    try {
      const json = join(out, 'api.json');
      const { stdout } = await run(join(root, 'node_modules/.bin/typedoc'), ['--out', join(out, 'html'), '--json', json, '--logLevel', 'Warn'], { cwd: root, maxBuffer: 16 << 20 });
      expect(stdout).not.toMatch(/warning|error/i);
      const modules = readdirSync(join(out, 'html/modules')).filter((f) => !f.includes('.', f.indexOf('.') + 1) || f.endsWith('.html'));
      for (const m of ['utp-ts', 'utp-ts_transport', 'utp-ts_relay', 'utp-ts_colyseus', 'utp-ts_colyseus_server', 'utp-ts_phaser', 'utp-ts_colyseus_phaser']) {
        expect(modules, 'one page per entry point').toContain(`${m}.html`);
      }
      // The Unity guide's type rows: the TS type's own comment names the C# one it mirrors.
      const api = JSON.parse(readFileSync(json, 'utf8')) as Reflection;
      const comments = new Map<string, string>();
      const visit = (r: Reflection): void => {
        const text = [...(r.comment?.summary ?? []), ...(r.signatures?.[0]?.comment?.summary ?? [])].map((p) => p.text).join('');
        if (text && !comments.has(r.name)) comments.set(r.name, text);
        for (const c of r.children ?? []) visit(c);
      };
      visit(api);
      const unity = readFileSync(join(guides, 'unity.md'), 'utf8');
      const rows = [...unity.matchAll(/^\| `([A-Z][A-Za-z.]+)` \| `([A-Z][A-Za-z]+)` \|/gm)].map((m) => ({ cs: m[1], ts: m[2] }));
      const unnamed = rows.filter(({ cs, ts }) => !(comments.get(ts) ?? '').includes(cs)).map(({ cs, ts }) => `${ts} (should name ${cs})`);
      expect(unnamed).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});

interface Reflection {
  name: string;
  comment?: { summary: Array<{ text: string }> };
  signatures?: Array<{ comment?: { summary: Array<{ text: string }> } }>;
  children?: Reflection[];
}

describe('README Compatibility', () => {
  it('states the peer dependency ranges and engines of package.json', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Compatibility'), readme.indexOf('\n## ', readme.indexOf('## Compatibility') + 5));
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      if (name.startsWith('@colyseus/redis')) continue; // scale-out extras, stated in the scaling-out guide
      expect(section, `${name} ${range}`).toContain(`\`${range}\``);
    }
    expect(section).toContain(`\`${pkg.engines.node}\``);
  });
});
