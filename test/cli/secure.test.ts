/**
 * The CLI's secure options on real sockets: `utp echo --dtls --cert --key` with `utp ping dtls://… --ca`, a ping that
 * does not trust the server, and `--tls-cert/--tls-key` turning the WebSocket listener into wss://.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../support/openssl.ts';
import { killAll, runUtp, UtpProcess } from './spawn.ts';

let pki: TestPki;
beforeAll(() => { pki = makeTestPki(); });
afterAll(() => pki?.dispose());
afterEach(async () => { await killAll(); });

async function dtlsEcho(): Promise<number> {
  const echo = new UtpProcess(['echo', '--udp', '127.0.0.1:0', '--dtls', '--cert', pki.file('server.pem'), '--key', pki.file('server.key')]);
  return Number((await echo.waitFor(/^listening dtls:\/\/127\.0\.0\.1:(\d+)$/, 15_000))[1]);
}

describe('utp echo --dtls and utp ping dtls://', () => {
  it('pings through DTLS with the CA and the server name', async () => {
    const port = await dtlsEcho();
    const r = await runUtp(['ping', `dtls://127.0.0.1:${port}`, '--ca', pki.file('ca.pem'), '--server-name', 'game.test', '--count', '2', '--interval', '20']);
    expect(r.stderr).toEqual([]);
    expect(r.exit.code).toBe(0);
    expect(r.stdout).toContain('2 messages sent, 2 received, 0% loss');
  });

  it('refuses a server its CA did not certify (AuthenticationFailure), and --insecure skips the check', async () => {
    const port = await dtlsEcho();
    const refused = await runUtp(['ping', `dtls://127.0.0.1:${port}`, '--ca', pki.file('other-ca.pem'), '--server-name', 'game.test', '--count', '1']);
    expect(refused.exit.code).toBe(1);
    expect([...refused.stdout, ...refused.stderr].join('\n')).toMatch(/AuthenticationFailure/);
    const insecure = await runUtp(['ping', `dtls://127.0.0.1:${port}`, '--insecure', '--count', '1']);
    expect(insecure.exit.code).toBe(0);
  });

  it('explains missing or misplaced certificate options', async () => {
    const r = await runUtp(['echo', '--udp', '127.0.0.1:0', '--dtls']);
    expect(r.exit.code).toBe(2);
    expect(r.stderr.join('\n')).toMatch(/--dtls needs --cert FILE and --key FILE/);
    const p = await runUtp(['ping', 'udp://127.0.0.1:9', '--ca', pki.file('ca.pem')]);
    expect(p.exit.code).toBe(2);
  });
});

describe('--tls-cert/--tls-key', () => {
  it('serves utp echo\'s WebSocket listener as wss://', async () => {
    const echo = new UtpProcess(['echo', '--ws', '127.0.0.1:0', '--tls-cert', pki.file('server.pem'), '--tls-key', pki.file('server.key')]);
    const port = Number((await echo.waitFor(/^listening wss:\/\/127\.0\.0\.1:(\d+)$/, 15_000))[1]);
    const r = await runUtp(['ping', `wss://127.0.0.1:${port}`, '--insecure', '--count', '1']);
    expect(r.exit.code).toBe(0);
  });

  it('serves utp relay over DTLS and its WebSocket listener as wss://', async () => {
    const relay = new UtpProcess(['relay', '--dtls', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--tls-cert', pki.file('server.pem'), '--tls-key', pki.file('server.key')]);
    const dtls = await relay.waitFor(/^relay dtls:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
    const wss = await relay.waitFor(/^relay wss:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
    expect(Number(dtls[1])).toBeGreaterThan(0);
    expect(Number(wss[1])).toBeGreaterThan(0);
    expect(relay.stderr).toEqual([]);
  });
});
