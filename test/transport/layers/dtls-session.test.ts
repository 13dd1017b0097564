/**
 * Interop with an independent DTLS 1.2 implementation: Debian's openssl s_server / s_client against utp-ts's DTLS
 * sessions (werift-dtls plus utp-ts's checks), with certificates made by openssl at test time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCaCertificates, loadCredential } from '../../../plugin/transport/layers/dtls-certificates.ts';
import { makeTestPki, opensslClient, opensslServer, opensslVersion, type OpensslProcess, type TestPki } from '../../support/openssl.ts';
import { udpDtlsPeer, type UdpDtlsPeer } from './dtls-peer.ts';

let pki: TestPki;
const cleanup: (() => void)[] = [];
beforeAll(() => { opensslVersion(); pki = makeTestPki(); });
afterAll(() => pki?.dispose());
afterEach(() => { for (const f of cleanup.splice(0)) f(); });

function track<T extends OpensslProcess | UdpDtlsPeer>(x: T): T {
  cleanup.push(() => ('kill' in x ? x.kill() : x.close()));
  return x;
}

const clientConfig = (ca = 'ca.pem', name = 'game.test') =>
  ({ role: 'client' as const, peer: { cas: loadCaCertificates(pki.pem(ca), 'test'), name } });

describe('utp-ts client → openssl s_server', () => {
  for (const [cert, suite] of [['server', 'ECDHE-ECDSA-CHACHA20-POLY1305'], ['server-rsa', 'ECDHE-RSA-CHACHA20-POLY1305']]) {
    it(`handshakes with a ${cert === 'server' ? 'P-256' : 'RSA'} certificate on ${suite}; data flows both ways`, async () => {
      const { proc, port } = await opensslServer(['-cert', pki.file(`${cert}.pem`), '-key', pki.file(`${cert}.key`)]);
      track(proc);
      const peer = track(await udpDtlsPeer(clientConfig()));
      peer.table.connect('127.0.0.1', port, performance.now());
      peer.table.send(Buffer.from('hello openssl\n'), '127.0.0.1', port);   // held until the handshake completes
      await proc.waitFor(/hello openssl/);
      expect(proc.output).toContain(`CIPHER is ${suite}`);
      expect(peer.table.stateOf('127.0.0.1', port)).toBe('connected');
      proc.write('hello utp\n');
      await peer.until(() => peer.received.some((r) => r.text === 'hello utp\n'));
    });
  }

  it('answers a certificate request without a certificate: openssl -verify (optional) accepts, -Verify (required) refuses', async () => {
    const optional = await opensslServer(['-cert', pki.file('server.pem'), '-key', pki.file('server.key'), '-verify', '1', '-CAfile', pki.file('ca.pem')]);
    track(optional.proc);
    const peer = track(await udpDtlsPeer(clientConfig()));
    peer.table.connect('127.0.0.1', optional.port, performance.now());
    peer.table.send(Buffer.from('no certificate\n'), '127.0.0.1', optional.port);
    await optional.proc.waitFor(/no certificate/);
    expect(optional.proc.output).not.toMatch(/Client certificate/i);   // (s_server prints one it received)

    const required = await opensslServer(['-cert', pki.file('server.pem'), '-key', pki.file('server.key'), '-Verify', '1', '-CAfile', pki.file('ca.pem')]);
    track(required.proc);
    peer.table.connect('127.0.0.1', required.port, performance.now());
    await peer.until(() => peer.closed.length > 0);
    expect(peer.closed[0]).toMatchObject({ reason: 'authentication' });
    expect(peer.closed[0].detail).toMatch(/refused the handshake/);
  });

  it('refuses a certificate from another CA', async () => {
    const { proc, port } = await opensslServer(['-cert', pki.file('impostor.pem'), '-key', pki.file('impostor.key')]);
    track(proc);
    const peer = track(await udpDtlsPeer(clientConfig()));
    peer.table.connect('127.0.0.1', port, performance.now());
    await peer.until(() => peer.closed.length > 0);
    expect(peer.closed[0]).toMatchObject({ reason: 'authentication' });
    expect(peer.closed[0].detail).toMatch(/not issued by a trusted CA/);
    expect(peer.drops.get('dtls-authentication-failed')).toBe(1);
    await proc.waitFor(/alert unknown ca/);   // our fatal alert told openssl why
  });

  it('closes with close_notify: openssl ends the connection when utp-ts closes the session', async () => {
    const { proc, port } = await opensslServer(['-cert', pki.file('server.pem'), '-key', pki.file('server.key')]);
    track(proc);
    const peer = track(await udpDtlsPeer(clientConfig()));
    peer.table.connect('127.0.0.1', port, performance.now());
    peer.table.send(Buffer.from('bye\n'), '127.0.0.1', port);
    await proc.waitFor(/bye/);
    expect(proc.output).not.toMatch(/DONE/);
    peer.table.close('127.0.0.1', port);
    await proc.waitFor(/DONE/);   // s_server read close_notify (DTLS has no other end of a connection)
  });

  it('refuses a certificate for another name', async () => {
    const { proc, port } = await opensslServer(['-cert', pki.file('server.pem'), '-key', pki.file('server.key')]);
    track(proc);
    const peer = track(await udpDtlsPeer(clientConfig('ca.pem', 'other.test')));
    peer.table.connect('127.0.0.1', port, performance.now());
    await peer.until(() => peer.closed.length > 0);
    expect(peer.closed[0]).toMatchObject({ reason: 'authentication' });
    expect(peer.closed[0].detail).toMatch(/not for "other.test"/);
  });
});

describe('openssl s_client → utp-ts server', () => {
  const serverConfig = (clientAuth: false | 'required' | 'optional' = false) => ({
    role: 'server' as const,
    credential: loadCredential(pki.pem('server.pem'), pki.pem('server.key'), 'test'),
    ...(clientAuth ? { clientCertificates: { cas: loadCaCertificates(pki.pem('ca.pem'), 'test') }, clientCertificateOptional: clientAuth === 'optional' } : {}),
  });

  it('handshakes through the cookie exchange, verifies our certificate and name; data flows both ways', async () => {
    const peer = track(await udpDtlsPeer(serverConfig()));
    const client = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem'), '-verify_return_error', '-verify_hostname', 'game.test']));
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    expect(client.output).toMatch(/Cipher is ECDHE-ECDSA-CHACHA20-POLY1305/);
    client.write('from openssl\n');
    await peer.until(() => peer.received.some((r) => r.text === 'from openssl\n'));
    const { address, port } = peer.received[0];
    peer.table.send(Buffer.from('from utp\n'), address, port);
    await client.waitFor(/from utp/);
    expect(peer.drops.get('dtls-cookie-sent')).toBe(1);
  });

  it('reports a close_notify from openssl as the peer closing', async () => {
    const peer = track(await udpDtlsPeer(serverConfig()));
    const client = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem')]));
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write('x\n');
    await peer.until(() => peer.received.length > 0);
    client.child.stdin.end();   // s_client shuts the connection down at the end of its input
    await peer.until(() => peer.closed.length > 0);
    expect(peer.closed).toEqual([{ reason: 'closed', detail: 'the peer closed the DTLS session' }]);
  });

  it('is refused by a client that trusts another CA', async () => {
    const peer = track(await udpDtlsPeer(serverConfig()));
    const client = track(opensslClient(peer.port, ['-CAfile', pki.file('other-ca.pem'), '-verify_return_error']));
    await client.waitFor(/verify error|certificate verify failed/);
    await peer.until(() => peer.closed.length > 0 || peer.drops.has('dtls-authentication-failed'));
    expect(peer.table.size).toBe(0);
  });

  /** A client with a certificate from the CA gets through; one with another CA's is refused. */
  async function signedAndImpostor(peer: UdpDtlsPeer): Promise<void> {
    const good = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem'), '-cert', pki.file('client.pem'), '-key', pki.file('client.key')]));
    await good.waitFor(/Verify return code: 0 \(ok\)/);
    good.write('signed\n');
    await peer.until(() => peer.received.some((r) => r.text === 'signed\n'));

    const wrong = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem'), '-cert', pki.file('impostor.pem'), '-key', pki.file('impostor.key')]));
    await peer.until(() => peer.closed.some((c) => c.reason === 'authentication'));
    expect(peer.closed.find((c) => c.reason === 'authentication')!.detail).toMatch(/not issued by a trusted CA/);
    await wrong.waitFor(/alert unknown ca/);   // our fatal alert told openssl why
    wrong.kill();
  }

  it('checks client certificates when it asks for them', async () => {
    await signedAndImpostor(track(await udpDtlsPeer(serverConfig('required'))));
  });

  it('requires one when the policy is Required: a client without a certificate is refused', async () => {
    const peer = track(await udpDtlsPeer(serverConfig('required')));
    const none = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem')]));
    await peer.until(() => peer.closed.some((c) => c.reason === 'authentication'));
    expect(peer.closed[0].detail).toMatch(/sent no certificate/);
    expect(peer.received).toHaveLength(0);
    none.kill();
  });

  it('asks for one when the policy is Optional: accepts a client without, checks one that is given', async () => {
    const peer = track(await udpDtlsPeer(serverConfig('optional')));
    const none = track(opensslClient(peer.port, ['-CAfile', pki.file('ca.pem')]));
    await none.waitFor(/Verify return code: 0 \(ok\)/);
    expect(none.output).toMatch(/Client Certificate Types: .*ECDSA sign/);   // openssl saw our CertificateRequest
    none.write('anonymous\n');
    await peer.until(() => peer.received.some((r) => r.text === 'anonymous\n'));

    await signedAndImpostor(peer);
  });
});

describe('pre-shared keys (Relay: identity = allocation id, key = HMAC key)', () => {
  const identity = 'allocation-0001';
  const key = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
  const hex = key.toString('hex');
  const psk = (k = key) => ({ role: 'client' as const, psk: { identity: Buffer.from(identity), key: k } });

  it('utp-ts client → openssl s_server -psk: PSK-AES128-GCM-SHA256, data both ways', async () => {
    const { proc, port } = await opensslServer(['-nocert', '-psk', hex, '-psk_identity', identity]);
    track(proc);
    const peer = track(await udpDtlsPeer(psk()));
    peer.table.connect('127.0.0.1', port, performance.now());
    peer.table.send(Buffer.from('psk hello\n'), '127.0.0.1', port);
    await proc.waitFor(/psk hello/);
    expect(proc.output).toContain('CIPHER is PSK-AES128-GCM-SHA256');
    proc.write('psk reply\n');
    await peer.until(() => peer.received.some((r) => r.text === 'psk reply\n'));
  });

  it('utp-ts client with a wrong key never gets a session (openssl drops its Finished): the half-open timeout ends it', async () => {
    const { proc, port } = await opensslServer(['-nocert', '-psk', hex, '-psk_identity', identity]);
    track(proc);
    const peer = track(await udpDtlsPeer(psk(Buffer.alloc(64, 7)), { halfOpenTimeoutMS: 1500 }));
    peer.table.connect('127.0.0.1', port, performance.now());
    peer.table.send(Buffer.from('secret\n'), '127.0.0.1', port);
    await peer.until(() => peer.closed.length > 0);
    expect(peer.closed[0]).toMatchObject({ reason: 'timeout' });
    expect(peer.closed[0].detail).toMatch(/wrong pre-shared key/);
    expect(proc.output).not.toContain('secret');
  });

  const pskServer = () => ({
    role: 'server' as const,
    pskKey: (id: Buffer) => (id.toString() === identity ? key : undefined),
  });

  it('openssl s_client -psk → utp-ts server: handshake, data both ways', async () => {
    const peer = track(await udpDtlsPeer(pskServer()));
    const client = track(opensslClient(peer.port, ['-psk', hex, '-psk_identity', identity]));
    await client.waitFor(/Cipher is PSK-AES128-GCM-SHA256/);
    client.write('from psk client\n');
    await peer.until(() => peer.received.some((r) => r.text === 'from psk client\n'));
    expect(peer.received.map((r) => r.text)).toEqual(['from psk client\n']);
    expect(peer.closed).toEqual([]);
    const { address, port } = peer.received[0];
    peer.table.send(Buffer.from('from psk server\n'), address, port);
    expect((await client.waitFor(/from psk server/))[0]).toBe('from psk server');
  });

  it('refuses an unknown identity and a wrong key from openssl', async () => {
    const peer = track(await udpDtlsPeer(pskServer()));
    track(opensslClient(peer.port, ['-psk', hex, '-psk_identity', 'someone-else']));
    await peer.until(() => peer.closed.some((c) => /unknown PSK identity/.test(c.detail)));
    track(opensslClient(peer.port, ['-psk', Buffer.alloc(64, 7).toString('hex'), '-psk_identity', identity]));
    await peer.until(() => peer.closed.some((c) => /keys differ/.test(c.detail)));
    expect(peer.received).toEqual([]);
  });
});
