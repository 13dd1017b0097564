// Reads the protocol reference (spec/utp-protocol.md) and the project's sources for the conformance tests that
// check the two against each other.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export const referenceText = readFileSync(join(root, 'spec/utp-protocol.md'), 'utf8');

/**
 * The reference's numbered sections, `'5.3.1'` → its text from the heading up to the next heading that is not one
 * of its subsections (so a section's text includes its subsections').
 */
export const sections: ReadonlyMap<string, string> = (() => {
  const lines = referenceText.split('\n');
  const starts: { number: string; line: number }[] = [];
  lines.forEach((line, i) => {
    const m = /^#{2,4} (\d+(?:\.\d+)*)\.? /.exec(line);
    if (m) starts.push({ number: m[1], line: i });
  });
  const out = new Map<string, string>();
  starts.forEach(({ number, line }, k) => {
    const next = starts.slice(k + 1).find((s) => !s.number.startsWith(number + '.'));
    out.set(number, lines.slice(line, next ? next.line : lines.length).join('\n'));
  });
  return out;
})();

/** Repository-relative paths of the files under `dirs` whose names end with one of `suffixes`. */
export function filesUnder(dirs: readonly string[], suffixes: readonly string[]): string[] {
  return dirs.flatMap((dir) =>
    (readdirSync(join(root, dir), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && suffixes.some((s) => e.name.endsWith(s)))
      .map((e) => join(e.parentPath, e.name).slice(root.length)),
  ).sort();
}

export const readSource = (path: string): string => readFileSync(join(root, path), 'utf8');
