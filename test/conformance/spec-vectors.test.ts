// Every vector of spec/vectors.json is explained by the protocol reference and asserted by a test.
import { describe, expect, it } from 'vitest';
import { vectors } from '../support/vectors.ts';
import { filesUnder, readSource, referenceText, sections } from './reference.ts';

/** The id as a whole word: TV-1 is not TV-12a, TV-14 is not TV-14b. */
const named = (id: string, text: string) => new RegExp(String.raw`(?<![\w-])${id}(?![\w-])`).test(text);

const ids = [...vectors.keys()];
// The byte checks of test/conformance/, one file per wire concept (not this file nor the citation check).
const conformanceFiles = filesUnder(['test/conformance'], ['.test.ts'])
  .filter((f) => !/\/spec-[^/]*$/.test(f))
  .map((f) => ({ f, text: readSource(f) }));

describe('spec/vectors.json against the reference and the tests', () => {
  it('holds the vectors, each as long as it says', () => {
    expect(ids.length).toBeGreaterThan(20);
    for (const v of vectors.values()) expect(v.hex.length, v.id).toBe(2 * v.length);
  });

  it('every vector is named in spec/utp-protocol.md, outside the §9 index too', () => {
    const index = sections.get('9') ?? '';
    const body = referenceText.replace(index, '');
    expect(index).toMatch(/^## 9\. Test vectors/);
    expect(ids.filter((id) => !named(id, index))).toEqual([]);
    expect(ids.filter((id) => !named(id, body))).toEqual([]);
  });

  it('every vector is checked by a test in test/conformance/', () => {
    expect(conformanceFiles.map(({ f }) => f)).toContain('test/conformance/simple-connection-vectors.test.ts');
    expect(ids.filter((id) => !conformanceFiles.some(({ text }) => named(id, text)))).toEqual([]);
  });
});
