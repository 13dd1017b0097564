// Every "§N.N" the code and its docs cite must name a section of spec/utp-protocol.md; a cited list item
// ("§7.3 rule 2", "§10.1 item 14", "§5.3.6 step 4") must exist in that section, and a quoted name
// ("§3.5 "Closing"") must appear in it.
import { describe, expect, it } from 'vitest';
import { filesUnder, readSource, sections } from './reference.ts';

interface Citation { file: string; line: number; section: string; text: string }

const NUMBER = String.raw`\d+(?:\.\d+)*`;
// "§5.3.1", "§ 3.2", ranges "§3.5–3.6" and "§6.2.4/6.2.5". Sections of other documents ("RFC 6455 §1.3",
// the design "notes §7") are not ours.
const CITATION = new RegExp(String.raw`(RFC \d+ |notes )?§ ?(${NUMBER})(?: ?[–/-] ?(${NUMBER}))?`, 'g');
const LIST_ITEM = new RegExp(String.raw`§(${NUMBER}),? (?:rule|item|step)s? (\d+)`, 'g');
const QUOTED_NAME = new RegExp(String.raw`§(${NUMBER}) "([^"]+)"`, 'g');

const files = [
  ...filesUnder(['plugin', 'test', 'bench'], ['.ts']),
  ...filesUnder(['bench'], ['.md']),
  'README.md',
];

function* matches(re: RegExp): Generator<{ file: string; line: number; m: RegExpExecArray }> {
  for (const file of files) {
    const lines = readSource(file).split('\n');
    for (let i = 0; i < lines.length; i++) {
      for (const m of lines[i].matchAll(re)) yield { file, line: i + 1, m };
    }
  }
}

const citations: Citation[] = [];
for (const { file, line, m } of matches(CITATION)) {
  if (m[1]) continue;
  for (const section of [m[2], m[3]]) if (section) citations.push({ file, line, section, text: m[0] });
}

const asWords = (name: string) =>
  new RegExp(String.raw`(?<!\w)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\w)`);

const where = (c: { file: string; line: number; text: string }) => `${c.file}:${c.line} ${c.text}`;

describe('§ citations resolve in spec/utp-protocol.md', () => {
  it('finds the reference numbered and the code citing it', () => {
    expect(sections.size).toBeGreaterThan(60);
    expect(citations.filter((c) => c.file.startsWith('plugin/')).length).toBeGreaterThan(200);
    expect(sections.get('5.3.1')).toMatch(/^#### 5\.3\.1 Header/);
  });

  it('every cited section number is a heading', () => {
    expect(citations.filter((c) => !sections.has(c.section)).map(where)).toEqual([]);
  });

  it('every cited rule, item or step is in its section (or is its subsection)', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { file, line, m } of matches(LIST_ITEM)) {
      const [text, section, item] = m;
      const body = sections.get(section) ?? '';
      checked++;
      if (!new RegExp(String.raw`^ {0,4}${item}\. `, 'm').test(body) && !sections.has(`${section}.${item}`)) {
        missing.push(where({ file, line, text }));
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('every quoted name appears, as whole words, in the section it is quoted from', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const { file, line, m } of matches(QUOTED_NAME)) {
      const [text, section, name] = m;
      checked++;
      if (!asWords(name).test(sections.get(section) ?? '')) missing.push(where({ file, line, text }));
    }
    expect(checked).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});
