// `npm run flood -- --target udp://127.0.0.1:7777 [options]`: forged first packets against a server on this computer,
// from many loopback source addresses (127.77.x.y stand in for spoofed ones), while an optional legitimate client
// keeps exchanging reliable messages with it. Prints what came back (amplification), the server's memory (--pid) and
// the legitimate client's fate, then a verdict. Loopback targets only; bounded in rate, count and time.
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FORGE_KINDS, forger, type ForgeKind } from './forge.ts';
import { ProcSampler } from './proc-sampler.ts';
import { runLegitClient, type LegitReport } from './legit-client.ts';

const HELP = `usage: npm run flood -- --target udp://127.0.0.1:PORT [options]

  --kind K          ${FORGE_KINDS.join(' | ')} (default utp)
  --rate N          forged packets per second (default 50000, at most 100000)
  --duration S      seconds of flooding (default 60, at most 120)
  --count N         stop after N packets (default rate × duration, at most 6,000,000)
  --sources N       loopback source addresses to send from (default 256)
  --listen S        seconds to keep counting replies after the last packet (default 5)
  --pid PID         the server process: sample its RSS and CPU every second
  --legit           run a legitimate UTP client (reliable pipeline 1, as utp echo) meanwhile
  --legit-rate N    its messages per second (default 100)
  --max-rss MB      fail if the server's RSS exceeds this

Verdict: PASS when the replies total at most the forged bytes (amplification ≤ 1×), the legitimate
client (if any) stayed connected and got every echo, and the RSS stayed under --max-rss.`;

const { values } = parseArgs({
  options: {
    target: { type: 'string' }, kind: { type: 'string', default: 'utp' }, rate: { type: 'string', default: '50000' },
    duration: { type: 'string', default: '60' }, count: { type: 'string' }, sources: { type: 'string', default: '256' },
    listen: { type: 'string', default: '5' }, pid: { type: 'string' }, legit: { type: 'boolean' },
    'legit-rate': { type: 'string', default: '100' }, 'max-rss': { type: 'string' }, role: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.role === 'legit') {
  await runLegitClient(values.target!, Number(values['legit-rate']));
} else {
  if (values.help || !values.target) { console.log(HELP); process.exit(values.help ? 0 : 2); }
  process.exit(await flood());
}

async function flood(): Promise<number> {
  const m = /^(?:udp:\/\/)?(127\.\d+\.\d+\.\d+|\[::1\]|localhost):(\d+)$/.exec(values.target!);
  if (!m) { console.error('flood: --target must be udp://127.x.y.z:PORT (this computer only)'); return 2; }
  const host = m[1] === 'localhost' ? '127.0.0.1' : m[1].replace(/[[\]]/g, '');
  const port = Number(m[2]);
  const kind = values.kind as ForgeKind;
  if (!FORGE_KINDS.includes(kind)) { console.error(`flood: --kind is one of ${FORGE_KINDS.join(', ')}`); return 2; }
  const rate = bounded('rate', 1, 100_000);
  const duration = bounded('duration', 1, 120);
  const count = values.count === undefined ? rate * duration : bounded('count', 1, 6_000_000);
  const sources = bounded('sources', 1, 4096);
  const listenS = bounded('listen', 0, 120);
  const maxRss = values['max-rss'] === undefined ? Infinity : Number(values['max-rss']);
  const sampler = values.pid ? new ProcSampler(Number(values.pid)) : null;

  let legit: { report: Promise<LegitReport>; stop: () => void } | null = null;
  if (values.legit) {
    legit = await startLegit(values.target!, Number(values['legit-rate']));
    console.log('legitimate client connected; flooding');
  }

  const sockets = await Promise.all(Array.from({ length: sources }, (_, i) => openSource(i)));
  const next = forger(kind);
  const rss: number[] = [];
  const sampleRss = (): void => {
    const s = sampler?.sample();
    if (s) rss.push(s.rssMB);
  };
  sampleRss();
  const rssTimer = setInterval(sampleRss, 1000);
  let sent = 0, sentBytes = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let progress = started;
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(count, Math.floor(elapsed * rate));
      while (sent < due) {
        const bytes = next();
        sockets[sent % sockets.length].socket.send(bytes, port, host);
        sent++;
        sentBytes += bytes.length;
      }
      if (performance.now() - progress >= 5000) {
        progress = performance.now();
        console.log(`  ${sent.toLocaleString('en-US')} sent, ${received().bytes.toLocaleString('en-US')} B back`
          + (rss.length ? `, server RSS ${rss[rss.length - 1].toFixed(0)} MB` : ''));
      }
      if (sent >= count || elapsed >= duration) { clearInterval(tick); resolve(); }
    }, 5);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  console.log(`sent ${sent.toLocaleString('en-US')} forged ${kind} packets (${sentBytes.toLocaleString('en-US')} B) in ${sendSeconds.toFixed(1)} s `
    + `(${Math.round(sent / sendSeconds).toLocaleString('en-US')}/s); counting replies for ${listenS} s more`);
  await new Promise((r) => setTimeout(r, listenS * 1000));
  clearInterval(rssTimer);
  sampleRss();
  const legitReport = legit ? (legit.stop(), await legit.report) : null;
  for (const s of sockets) s.socket.close();

  const back = received();
  const amplification = back.bytes / sentBytes;
  console.log(`replies: ${back.packets.toLocaleString('en-US')} packets, ${back.bytes.toLocaleString('en-US')} B `
    + `→ amplification ${amplification.toFixed(3)}× (${(back.bytes / sent).toFixed(2)} B back per ${(sentBytes / sent).toFixed(0)}-byte packet)`);
  const peak = rss.length ? Math.max(...rss) : NaN;
  if (rss.length) console.log(`server RSS: ${rss[0].toFixed(1)} MB before, ${peak.toFixed(1)} MB peak, ${rss[rss.length - 1].toFixed(1)} MB at the end`);
  const failures: string[] = [];
  if (amplification > 1) failures.push(`amplification ${amplification.toFixed(2)}× > 1×`);
  if (peak > maxRss) failures.push(`server RSS ${peak.toFixed(0)} MB > ${maxRss} MB`);
  if (legitReport) {
    console.log(`legitimate client: ${legitReport.sent} reliable messages sent, ${legitReport.echoed} echoed, `
      + `longest silence ${legitReport.maxGapMs.toFixed(0)} ms, ${legitReport.connected ? 'still connected' : `DISCONNECTED (${legitReport.reason})`}`);
    if (!legitReport.connected) failures.push('the legitimate client lost its connection');
    else if (legitReport.echoed < legitReport.sent) failures.push(`the legitimate client missed ${legitReport.sent - legitReport.echoed} echoes`);
  }
  console.log(failures.length ? `verdict: FAIL — ${failures.join('; ')}` : 'verdict: PASS');
  return failures.length ? 1 : 0;

  function received(): { packets: number; bytes: number } {
    let packets = 0, bytes = 0;
    for (const s of sockets) { packets += s.packets; bytes += s.bytes; }
    return { packets, bytes };
  }
}

function bounded(name: string, min: number, max: number): number {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`flood: --${name} must be a number in ${min}..${max}`);
    process.exit(2);
  }
  return n;
}

interface Source { socket: dgram.Socket; packets: number; bytes: number }

/** A socket on 127.77.a.b: a distinct source address per socket, as spoofed sources would be. */
function openSource(i: number): Promise<Source> {
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
  const source: Source = { socket, packets: 0, bytes: 0 };
  socket.on('message', (msg) => { source.packets++; source.bytes += msg.length; });
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, `127.77.${Math.floor(i / 240)}.${10 + (i % 240)}`, () => resolve(source));
  });
}

/** The legitimate client runs in its own process, so the flood's send loop cannot starve it. */
async function startLegit(target: string, rate: number): Promise<{ report: Promise<LegitReport>; stop: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'legit', '--target', target, '--legit-rate', String(rate)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let onReport!: (r: LegitReport) => void;
  const report = new Promise<LegitReport>((resolve) => { onReport = resolve; });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (msg: { type: string }) => {
      if (msg.type === 'connected') resolve();
      if (msg.type === 'report') onReport(msg as unknown as LegitReport);
    });
    child.once('exit', (code) => reject(new Error(`the legitimate client exited (${code}) before connecting`)));
  });
  return { report, stop: () => child.send({ type: 'stop' }) };
}
