/**
 * Debian's `openssl` as an independent DTLS 1.2 peer: test certificates made at test time, `s_server` / `s_client`
 * processes with their output collected. Throws a clear error when the binary is missing (`apt-get install openssl`).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function opensslVersion(): string {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('these tests need the openssl command (Debian: apt-get install -y openssl)');
  }
}

function run(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A throw-away PKI: a CA, certificates it issued (ECDSA and RSA servers, a client) and one from another CA. */
export interface TestPki {
  readonly dir: string;
  file(name: string): string;
  pem(name: string): string;
  dispose(): void;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'utp-dtls-pki-'));
  const ec = (name: string) => run(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  const ca = (name: string, cn: string) => {
    ec(name);
    run(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '2', '-out', `${name}.pem`]);
  };
  const issue = (name: string, cn: string, by: string, rsa = false) => {
    if (rsa) run(dir, ['genrsa', '-out', `${name}.key`, '2048']);
    else ec(name);
    run(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    run(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.pem`, '-CAkey', `${by}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`]);
  };
  ca('ca', 'utp-ts test CA');
  ca('other-ca', 'another CA');
  issue('server', 'game.test', 'ca');
  issue('server-rsa', 'game.test', 'ca', true);
  issue('client', 'player-1', 'ca');
  issue('impostor', 'game.test', 'other-ca');
  return {
    dir,
    file: (name) => join(dir, name),
    pem: (name) => readFileSync(join(dir, name), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A running openssl process: everything it printed so far, and a way to wait for a line. */
export class OpensslProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn('openssl', args, { stdio: 'pipe' });
    const take = (d: Buffer) => {
      this.output += d.toString();
      this.waiters = this.waiters.filter((w) => {
        const m = this.output.match(w.re);
        if (m) w.resolve(m);
        return !m;
      });
    };
    this.child.stdout.on('data', take);
    this.child.stderr.on('data', take);
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  /** Resolves when the output matches `re`, rejects after `ms` with the output so far. */
  waitFor(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const m = this.output.match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`openssl never printed ${re}; output:\n${this.output}`)), ms);
      this.waiters.push({ re, resolve: (x) => { clearTimeout(timer); resolve(x); } });
    });
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** `openssl s_server -dtls1_2` on 127.0.0.1, ephemeral port; resolves once it listens. */
export async function opensslServer(args: string[]): Promise<{ proc: OpensslProcess; port: number }> {
  const proc = new OpensslProcess(['s_server', '-dtls1_2', '-accept', '127.0.0.1:0', ...args]);
  const m = await proc.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return { proc, port: Number(m[1]) };
}

/** `openssl s_client -dtls1_2` to 127.0.0.1:port. */
export function opensslClient(port: number, args: string[]): OpensslProcess {
  return new OpensslProcess(['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, ...args]);
}
