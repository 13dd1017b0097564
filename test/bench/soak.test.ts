import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'utp-soak-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run soak (bench/security/soak.ts), a few seconds of it', () => {
  it('runs the game server with bots, samples it, prints a verdict and writes the samples and the plot', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['bench/security/soak.ts', '--minutes', '0.1', '--every', '1', '--bots', '3', '--out', out],
        { cwd: ROOT, timeout: 90_000 }, (err, stdout) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout }));
    });
    expect(stdout).toMatch(/^\[0:0\d\/0:06\] server RSS [\d.]+ MB, CPU [\d.]+ %/m);
    expect(stdout).toMatch(/^verdict: (PASS|FAIL — .+)$/m);
    const report = JSON.parse(readFileSync(join(out, 'soak.json'), 'utf8'));
    expect(report.samples.length).toBeGreaterThanOrEqual(4);
    for (const s of report.samples) expect(s.rssMB).toBeGreaterThan(10);
    expect(report.options).toMatchObject({ minutes: 0.1, everyS: 1, bots: 3 });
    expect(report.bots.summary).toContainEqual(expect.stringMatching(/^joined\s+3\/3 in 1 room/));
    expect(report.verdict).toBe(stdout.match(/^verdict: (.+)$/m)![1]);
    expect(code).toBe(report.pass ? 0 : 1);
    const svg = readFileSync(join(out, 'soak.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Two lines (RSS and CPU), one point per sample each.
    const lines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1].split(' ').length);
    expect(lines).toEqual([report.samples.length, report.samples.length]);
  }, 120_000);
});
