// `npm run bots -- --url http://localhost:2567 --count 15 --duration 30 [--room CODE]`: Node bots over UDP that
// play the arena, with a live progress line and a summary; exits 1 on any error.
import { parseArgs } from 'node:util';
import { Bot } from './bot.ts';
import { percentile, summarize } from './bot-report.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://localhost:2567' },
    count: { type: 'string', default: '8' },
    duration: { type: 'string', default: '30' },
    room: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npm run bots -- [--url http://localhost:2567] [--count 8] [--duration 30] [--room CODE]');
  process.exit(0);
}
const count = Number(values.count);
const duration = Number(values.duration);
if (!Number.isInteger(count) || count < 1 || count > 64 || !(duration > 0)) {
  console.error('bots: --count must be 1–64 and --duration a positive number of seconds');
  process.exit(2);
}

const bots = Array.from({ length: count }, (_, i) => new Bot(values.url, {
  name: `bot-${i + 1}`, code: values.room?.toUpperCase(), chat: i === 0,
}));
const joinErrors: string[] = [];
const tty = process.stdout.isTTY;
const started = Date.now();

function line(): string {
  const s = summarize(bots);
  const t = ((Date.now() - started) / 1000).toFixed(0);
  return `bots ${s.joined}/${count} joined | ${t}/${duration}s | in rel ${s.reliableIn} unrel ${s.unreliableIn} | `
    + `out rel ${s.reliableOut} unrel ${s.unreliableOut} | rtt p50 ${percentile(s.rtts, 50).toFixed(1)} ms | `
    + `reconnects ${s.reconnects} | errors ${s.errors.length + joinErrors.length}`;
}

console.log(`bots: ${count} bots → ${values.url}${values.room ? ` room ${values.room.toUpperCase()}` : ' (quick play)'} for ${duration}s`);
// Staggered joins: quick play fills one room before opening another.
await Promise.all(bots.map(async (bot, i) => {
  await new Promise((r) => setTimeout(r, i * 40));
  try {
    await bot.join();
  } catch (err) {
    joinErrors.push(`${bot.name}: could not join: ${(err as Error).message ?? err}`);
  }
}));

const progress = setInterval(() => {
  if (tty) process.stdout.write(`\r\x1b[K${line()}`);
}, 250);
const logEvery = setInterval(() => { if (!tty) console.log(line()); }, 5000);
const end = started + duration * 1000;
let interrupted = false;
process.once('SIGINT', () => { interrupted = true; });
while (Date.now() < end && !interrupted) await new Promise((r) => setTimeout(r, 100));
clearInterval(progress);
clearInterval(logEvery);
if (tty) process.stdout.write(`\r\x1b[K${line()}\n`);

const codes = await Promise.all(bots.map((b) => b.leave().catch((err: Error) => { joinErrors.push(`${b.name}: leave failed: ${err.message}`); return 0; })));
const s = summarize(bots);
const errors = [...joinErrors, ...s.errors];
const rooms = new Set(bots.map((b) => b.room?.roomId).filter(Boolean));
const badLeaves = codes.filter((c, i) => bots[i].room && c !== 4000).length;
console.log([
  '--- summary',
  `joined        ${s.joined}/${count} in ${rooms.size} room(s): ${[...rooms].join(', ')}`,
  `messages in   reliable ${s.reliableIn}, unreliable ${s.unreliableIn}`,
  `messages out  reliable ${s.reliableOut}, unreliable ${s.unreliableOut}`,
  `rtt           p50 ${percentile(s.rtts, 50).toFixed(1)} ms, p99 ${percentile(s.rtts, 99).toFixed(1)} ms (${s.rtts.length} pings)`,
  `reconnects    ${s.reconnects} (drops ${s.drops})`,
  `scores        ${bots.map((b) => `${b.name} ${b.finalScore}`).join(', ')}`,
  `errors        ${errors.length + badLeaves}`,
  ...errors.slice(0, 20).map((e) => `  ${e}`),
  ...(badLeaves ? [`  ${badLeaves} bot(s) did not leave with code 4000`] : []),
].join('\n'));
process.exit(errors.length + badLeaves > 0 || s.joined < count ? 1 : 0);
