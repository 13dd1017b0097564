// Certificate options shared by `utp echo`, `utp ping` and `utp relay`: PEM files read once, with usage errors that
// name the option.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.ts';

/** The PEM text of `--option FILE`. */
export function readPem(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** `--A FILE --B FILE` given together or not at all; returns both PEM texts, or undefined. */
export function pemPair(values: Record<string, unknown>, a: string, b: string): { cert: string; key: string } | undefined {
  const cert = values[a] as string | undefined;
  const key = values[b] as string | undefined;
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError(`--${a} and --${b} go together (a PEM certificate and its private key)`);
  return { cert: readPem(cert, `--${a}`), key: readPem(key, `--${b}`) };
}
