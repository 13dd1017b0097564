// The seeded slice of `npm run fuzz` that every `npm test` runs: 10⁴ inputs per parser (UTP_FUZZ_INPUTS overrides),
// none may throw out of a parser, and each legitimate peer must keep exchanging messages meanwhile.
import { describe, expect, it } from 'vitest';
import { fuzzSuite } from './run-fuzz.ts';
import { SUITES } from './suites.ts';

const INPUTS = Number(process.env.UTP_FUZZ_INPUTS ?? 10_000);

describe('fuzzing, a seeded slice', () => {
  for (const suite of SUITES) {
    it(`${suite.names.join(', ')}: ${INPUTS.toLocaleString('en-US')} inputs each, nothing escapes, the legitimate peer carries on`, async () => {
      const results = await fuzzSuite(await suite.create(), INPUTS, 20_260_101);
      expect(results.map((r) => r.name)).toEqual(suite.names);
      for (const r of results) {
        expect(r.escaped, `${r.name}: ${r.firstEscape}`).toBe(0);
        // Every target meets inputs it must refuse: garbage is dropped and counted, not silently taken.
        expect(Object.values(r.outcome.dropped).reduce((a, b) => a + b, 0), r.name).toBeGreaterThan(0);
      }
    }, 180_000);
  }
});
