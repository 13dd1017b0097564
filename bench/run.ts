// The benchmark suite: `npm run bench` (full), `npm run bench -- --quick` (smoke run, no thresholds),
// `--only NAME`, `--rounds N`, `--duration MS`, `--retries N` (re-runs of rounds disturbed by other
// processes), `--pin` (server and load generator on separate cores), `--profile` (CPU profile of ours'
// server process). See bench/README.md.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { canPin } from './lib/proc.ts';
import { hotSpots, type HotSpot } from './lib/profile.ts';
import { summarize } from './lib/stats.ts';
import { goalMet, type BenchResult, type RunOptions, type Suite } from './lib/types.ts';
import { renderReport } from './report.ts';
import { suites } from './suites/index.ts';
import { printTable } from './table.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    retries: { type: 'string' },
    pin: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const started = performance.now();
const log = (line: string): void => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const profileDir = flags.profile ? `${resultsDir}profiles/${new Date().toISOString().replace(/[:.]/g, '-')}` : null;
const opts: RunOptions = {
  quick: flags.quick,
  rounds: Number(flags.rounds ?? (flags.quick ? 2 : 5)),
  durationMs: Number(flags.duration ?? (flags.quick ? 1000 : 3000)),
  warmupMs: flags.quick ? 300 : 1000,
  profileDir,
  pin: flags.pin,
  retries: Number(flags.retries ?? (flags.quick ? 1 : 3)),
  log,
};

const selected = flags.only ? suites.filter((s) => flags.only!.includes(s.name)) : suites;
if (selected.length === 0) {
  console.error(`no benchmark named ${flags.only?.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

const machine = {
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  loadAverage: os.loadavg(),
  commit: gitCommit(),
};
log(`utp-ts bench (${flags.quick ? 'quick' : 'full'}): ${opts.rounds} rounds × ${opts.durationMs} ms per side, `
  + `${machine.node}, ${machine.cores} × ${machine.cpu}, load ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
if (opts.pin && !canPin()) log('--pin ignored: taskset is not available');

const results: BenchResult[] = [];
let failed = false;
for (const suite of selected) results.push(await runSuite(suite));

let profile: { all: HotSpot[]; plugin: HotSpot[] } | null = null;
if (profileDir) {
  profile = { all: hotSpots(profileDir, 10), plugin: hotSpots(profileDir, 10, (url) => url.includes('/plugin/')) };
  log(`CPU profile of ours' server (${profileDir}; its ratios are not representative: the profiler slows ours):`);
  for (const [title, list] of [['top self time', profile.all], ['top self time in plugin/', profile.plugin]] as const) {
    log(`  ${title}:`);
    for (const h of list) log(`  ${h.percent.toFixed(1).padStart(5)}%  ${h.fn}  ${h.where}`);
  }
}

printTable(results);
const json = { date: new Date().toISOString(), mode: flags.quick ? 'quick' : 'full', options: { rounds: opts.rounds, durationMs: opts.durationMs, warmupMs: opts.warmupMs, retries: opts.retries, pinned: opts.pin && canPin() }, machine, benchmarks: results, profile };
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}latest.json`, JSON.stringify(json, null, 2) + '\n');
writeFileSync(`${resultsDir}report.html`, renderReport(json));
log(`wrote bench/results/latest.json and bench/results/report.html`);
process.exit(failed ? 1 : 0);

async function runSuite(suite: Suite): Promise<BenchResult> {
  const better = suite.better ?? 'higher';
  const base = { name: suite.name, description: suite.description, unit: suite.unit, goal: suite.goal, better };
  const empty = { note: '', checks: [], details: [], rounds: [], ours: null, baseline: null, ratio: null, met: null };
  const reason = await suite.unavailable?.();
  if (reason) {
    log(`${suite.name}: skipped — ${reason}`);
    return { ...base, ...empty, skipped: reason };
  }
  log(`${suite.name}: ${suite.description}`);
  try {
    const { rounds, note, checks = [], details = [] } = await suite.run(opts);
    const ratio = summarize(rounds.map((r) => r.ratio));
    for (const line of details) log(`  ${suite.name}: ${line}`);
    for (const c of checks) log(`  ${suite.name}: ${c.label}: ${c.value} (goal ${c.goal}) — ${c.met ? 'met' : 'not met'}`);
    return {
      ...base, skipped: null, note, checks, details, rounds, ratio,
      met: goalMet(better, suite.goal, ratio.median) && checks.every((c) => c.met),
      ours: summarize(rounds.map((r) => r.ours.value)), baseline: summarize(rounds.map((r) => r.baseline.value)),
    };
  } catch (err) {
    failed = true;
    log(`${suite.name}: FAILED — ${(err as Error).stack ?? err}`);
    return { ...base, ...empty, skipped: `failed: ${String((err as Error).message).split('\n')[0]}` };
  }
}

function gitCommit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}
