#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ExitCode, stdio, UsageError, type Output } from './args.ts';
import { runEcho } from './echo.ts';
import { runPing } from './ping.ts';
import { runRelay } from './relay.ts';

const HELP = `Usage: utp <command> [options]

Unity Transport 2.x (UTP) tools, byte-compatible with Unity's com.unity.transport.

Commands:
  echo     a UTP server that echoes every message back on its pipeline
  ping     connect to a UTP server, measure round trips, disconnect
  relay    a self-hosted Unity Relay server and its allocation API

Run 'utp <command> --help' for a command's options. The package installs the same
command as 'utp-ts' too: outside a project, 'npx utp' finds an unrelated npm package,
so use 'npx utp-ts <command>'.

Options:
  -h, --help       this help
  -v, --version    print the version

Exit codes: 0 success (or stopped with Ctrl-C / SIGTERM), 1 runtime failure,
2 bad arguments or an unavailable feature.`;

const commands: Record<string, (argv: string[], io: Output) => Promise<number>> = {
  echo: runEcho,
  ping: runPing,
  relay: runRelay,
};

/** Dispatches `utp <command> …`; resolves with the process exit code. */
export async function main(argv: string[], io: Output = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(HELP);
    return ExitCode.Usage;
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    if (command === 'help' && rest[0] && commands[rest[0]]) return commands[rest[0]](['--help'], io);
    io.out(HELP);
    return ExitCode.Ok;
  }
  if (command === '-v' || command === '--version') {
    io.out(version());
    return ExitCode.Ok;
  }
  const run = commands[command];
  if (!run) {
    io.err(`utp: unknown command '${command}'`);
    io.err(`Try 'utp --help'.`);
    return ExitCode.Usage;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(`utp ${command}: ${message}`);
    if (err instanceof UsageError) {
      if (err.hint) io.err(`Try 'utp ${command} --help'.`);
      return ExitCode.Usage;
    }
    return ExitCode.Failure;
  }
}

/** The package version, from the package.json above this file (source tree or dist/). */
function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'utp-ts') return `utp-ts ${pkg.version}`;
    } catch { /* try the next location */ }
  }
  return 'utp-ts (unknown version)';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets are closed by now; if anything still holds the loop open, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`utp: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(ExitCode.Failure);
  },
);
