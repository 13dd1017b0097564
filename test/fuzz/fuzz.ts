// `npm run fuzz [-- --inputs N --seed S --only NAME]`: every parser of utp-ts under random and structure-aware
// mutated inputs (10⁶ each by default), a legitimate peer exchanging messages meanwhile where there is one.
// Prints inputs, exceptions that escaped (must be 0), what was dropped or refused, and exits 1 on any failure.
import { parseArgs } from 'node:util';
import { fuzzSuite, type FuzzResult } from './run-fuzz.ts';
import { SUITES } from './suites.ts';

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, only: { type: 'string', multiple: true } } });
const inputs = Number(values.inputs);
const seed = Number(values.seed);
let stray = 0;
process.on('uncaughtException', (err) => { stray++; console.error('uncaught:', err); });
process.on('unhandledRejection', (err) => { stray++; console.error('unhandled rejection:', err); });

console.log(`fuzz: ${inputs.toLocaleString('en-US')} inputs per parser, seed ${seed}`);
const results: FuzzResult[] = [];
let failures = 0;
for (const suite of SUITES) {
  if (values.only && !suite.names.some((n) => values.only!.includes(n))) continue;
  try {
    await fuzzSuite(await suite.create(), inputs, seed, (r) => {
      results.push(r);
      const drops = Object.entries(r.outcome.dropped).map(([k, n]) => `${k}=${n}`).join(' ');
      console.log(`${r.name.padEnd(28)} ${r.inputs.toLocaleString('en-US').padStart(10)} inputs  ${String(r.escaped).padStart(3)} escaped  `
        + `${r.outcome.exchanged !== undefined ? `${r.outcome.exchanged} legit round trips  ` : ''}${r.seconds.toFixed(1)} s\n    ${drops}${r.outcome.note ? `\n    ${r.outcome.note}` : ''}`);
      if (r.escaped) { failures++; console.log(`    FIRST ESCAPE: ${r.firstEscape}`); }
    }, values.only);
  } catch (err) {
    failures++;
    console.log(`FAIL ${suite.names.join(', ')}: ${(err as Error)?.stack ?? err}`);
  }
}
const total = results.reduce((n, r) => n + r.inputs, 0);
console.log(`fuzz: ${total.toLocaleString('en-US')} inputs over ${results.length} parsers, ${results.reduce((n, r) => n + r.escaped, 0)} escaped, `
  + `${stray} uncaught elsewhere — ${failures || stray ? 'FAIL' : 'PASS'}`);
process.exit(failures || stray ? 1 : 0);
