// `npm run soak -- [--minutes 30] [--every 30]`: the game server of `npm start` (127.0.0.1, a free port) plus 16
// headless bots (`npm run bots`) for a long while; samples the server's RSS and CPU, prints progress and a verdict,
// and writes soak.json (the samples) and soak.svg (the plot) next to the benchmark report, bench/results/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ProcSampler, type ProcSample } from './proc-sampler.ts';
import { soakPlot } from './soak-plot.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HELP = `usage: npm run soak -- [options]

  --minutes M       how long the bots play (default 30)
  --every S         seconds between samples of the server's RSS and CPU (default 30)
  --bots N          headless bots (default 16)
  --max-growth PCT  allowed RSS growth from the end of warm-up to the end (default 20 %, at least 16 MB)
  --out DIR         where soak.json and soak.svg go (default bench/results)
  --build           build the page first, exactly as \`npm start\` does (the bots do not need it)

Warm-up is the first quarter of the run, at most 2 minutes. Verdict: PASS when the server's RSS at the end is
within the allowed growth of its RSS after warm-up, every bot joined, none reconnected, all left normally and
reported no error, and the server stayed up without writing to stderr.`;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' }, every: { type: 'string', default: '30' }, bots: { type: 'string', default: '16' },
    'max-growth': { type: 'string', default: '20' }, out: { type: 'string', default: join(ROOT, 'bench/results') },
    build: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) { console.log(HELP); process.exit(0); }
const minutes = Number(values.minutes), every = Number(values.every), botCount = Number(values.bots);
const maxGrowth = Number(values['max-growth']);
if (!(minutes > 0 && minutes <= 24 * 60) || !(every >= 0.5) || !Number.isInteger(botCount) || botCount < 1 || botCount > 64 || !(maxGrowth >= 0)) {
  console.error('soak: --minutes in (0, 1440], --every ≥ 0.5 s, --bots 1–64, --max-growth ≥ 0');
  process.exit(2);
}
process.exit(await soak());

async function soak(): Promise<number> {
  const durationS = minutes * 60;
  const server = spawn(process.execPath, ['server/main.ts', '--port', '0', ...(values.build ? ['--build'] : [])], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const serverErrors: string[] = [];
  let serverExit: number | null = null;
  server.stderr!.setEncoding('utf8').on('data', (d: string) => serverErrors.push(...d.split('\n').filter(Boolean)));
  server.once('exit', (code, signal) => { serverExit = code ?? (signal ? 128 : 1); });
  const url = await serverUrl(server).catch((err: Error) => err);
  if (url instanceof Error) {
    console.error(`soak: the server did not start: ${url.message}\n${serverErrors.join('\n')}`);
    server.kill('SIGKILL');
    return 1;
  }
  console.log(`soak: server pid ${server.pid} at ${url}; ${botCount} bots for ${minutes} min, sampling every ${every} s`);

  const sampler = new ProcSampler(server.pid!);
  const bots = spawn(process.execPath, ['server/bots.ts', '--url', url, '--count', String(botCount), '--duration', String(durationS)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const botLines: string[] = [];
  let lastProgress = '';
  bots.stdout!.setEncoding('utf8').on('data', (d: string) => {
    for (const l of d.split('\n').filter(Boolean)) (l.startsWith('bots ') && l.includes('joined |') ? lastProgress = l : botLines.push(l));
  });
  bots.stderr!.setEncoding('utf8').on('data', (d: string) => botLines.push(...d.split('\n').filter(Boolean)));
  const botsExit = new Promise<number>((resolve) => bots.once('exit', (code) => resolve(code ?? 1)));

  const samples: ProcSample[] = [];
  const take = (): void => {
    const s = sampler.sample();
    if (!s) return;
    samples.push(s);
    console.log(`[${clock(s.t)}/${clock(durationS)}] server RSS ${s.rssMB.toFixed(1)} MB, CPU ${s.cpuPercent.toFixed(1)} %`
      + (lastProgress ? ` | ${lastProgress.replace(/^bots /, '')}` : ''));
  };
  take();
  await new Promise<void>((resolve) => {
    const started = performance.now();
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      take();
      if (elapsed >= durationS - every / 2 || serverExit !== null) { clearInterval(timer); resolve(); }
    }, every * 1000);
  });
  const botsCode = await Promise.race([botsExit, new Promise<number>((r) => setTimeout(() => { bots.kill('SIGKILL'); r(124); }, 60_000))]);
  const serverDied = serverExit !== null;
  await stop(server);

  // Verdict: memory after warm-up against memory at the end; the bots' own summary (exit 0 = all joined and left normally).
  const warmupT = Math.min(120, durationS / 4);
  const warm = samples.find((s) => s.t >= warmupT) ?? samples[samples.length - 1];
  const end = samples[samples.length - 1];
  const allowedMB = Math.max(16, (warm.rssMB * maxGrowth) / 100);
  const summary = (key: string): string | undefined => botLines.find((l) => l.startsWith(key))?.slice(key.length).trim();
  const reconnects = Number(/^(\d+)/.exec(summary('reconnects') ?? '')?.[1] ?? NaN);
  const failures: string[] = [];
  if (end.rssMB - warm.rssMB > allowedMB) failures.push(`RSS grew ${(end.rssMB - warm.rssMB).toFixed(1)} MB after warm-up (allowed ${allowedMB.toFixed(1)} MB)`);
  if (botsCode !== 0) failures.push(`the bots reported a failure (exit ${botsCode}): ${summary('joined') ?? 'no summary'}, errors ${summary('errors') ?? '?'}`);
  if (reconnects !== 0) failures.push(`bots reconnected ${Number.isNaN(reconnects) ? '?' : reconnects} time(s)`);
  if (serverDied) failures.push('the server exited during the soak');
  if (serverErrors.length) failures.push(`the server wrote ${serverErrors.length} line(s) to stderr`);
  const verdict = failures.length ? `FAIL — ${failures.join('; ')}` : 'PASS';

  const peak = Math.max(...samples.map((s) => s.rssMB));
  const meanCpu = samples.slice(1).reduce((a, s) => a + s.cpuPercent, 0) / Math.max(1, samples.length - 1);
  console.log(botLines.join('\n'));
  console.log(`server RSS: ${samples[0].rssMB.toFixed(1)} MB at the start, ${warm.rssMB.toFixed(1)} MB after warm-up (${(warm.t / 60).toFixed(1)} min), `
    + `${end.rssMB.toFixed(1)} MB at the end (${(end.t / 60).toFixed(1)} min), ${peak.toFixed(1)} MB peak; CPU ${meanCpu.toFixed(1)} % of one core on average`);
  console.log(`verdict: ${verdict}`);

  mkdirSync(values.out!, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
    options: { minutes, everyS: every, bots: botCount, maxGrowthPercent: maxGrowth },
    rss: { startMB: samples[0].rssMB, warmupMB: warm.rssMB, warmupT: warm.t, endMB: end.rssMB, endT: end.t, peakMB: peak, allowedGrowthMB: allowedMB },
    meanCpuPercent: meanCpu,
    bots: { exitCode: botsCode, reconnects, summary: botLines },
    serverErrors: serverErrors.slice(0, 50),
    verdict, pass: failures.length === 0,
    samples,
  };
  const jsonPath = join(values.out!, 'soak.json'), svgPath = join(values.out!, 'soak.svg');
  writeFileSync(jsonPath, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(svgPath, soakPlot(samples, `soak: game server + ${botCount} bots, ${minutes} min, ${report.date.slice(0, 16)}Z — ${verdict.slice(0, 4)}`, warm.t));
  console.log(`wrote ${jsonPath} and ${svgPath}`);
  return failures.length ? 1 : 0;
}

/** m:ss */
function clock(t: number): string {
  return `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;
}

/** The game's URL from the server's "open http://…" line. */
function serverUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no "open http://…" line within 120 s')), 120_000);
    server.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.once('exit', (code) => { clearTimeout(timer); reject(new Error(`it exited (${code})`)); });
  });
}

/** SIGTERM (the server's own Ctrl-C path), SIGKILL after 10 s. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
