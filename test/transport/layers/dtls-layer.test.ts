/**
 * DtlsLayer behaviour on an in-memory network with a fake clock for the layer's timers (werift's own handshake
 * retransmissions still run on real timers): handshakes through the stateless cookie, data both ways, UTP's
 * half-open timeout, bounded sessions, address change, and bad input dropped and counted without a throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisconnectReason, NetworkEndpoint, NetworkSettings, SecureClientAuthPolicy, UtpSettingsError } from '../../../plugin/transport/index.ts';
import { DtlsLayer, DTLS_HEADER_SIZE } from '../../../plugin/transport/layers/dtls-layer.ts';
import type { LayerLinks } from '../../../plugin/transport/stack/layer.ts';
import { recordOverhead } from '../../../plugin/transport/layers/dtls-library.ts';
import { makeTestPki, type TestPki } from '../../support/openssl.ts';
import { sleep } from '../../support/pump.ts';

let pki: TestPki;
beforeAll(() => { pki = makeTestPki(); });
afterAll(() => pki?.dispose());

const serverSettings = () => new NetworkSettings().withSecureServerParameters(pki.pem('server.pem'), pki.pem('server.key'));
const clientSettings = (name = 'game.test') => new NetworkSettings().withSecureClientParameters(pki.pem('ca.pem'), name);

/** Layers joined by an in-memory network: datagrams queue and move on `pump`, with the fake time `now`. */
class Net {
  now = 0;
  readonly nodes = new Map<string, Node>();
  queue: { to: string; from: string; bytes: Buffer }[] = [];
  /** Rewrites or drops datagrams in flight (undefined drops). */
  filter: (d: { to: string; from: string; bytes: Buffer }) => { to: string; from: string; bytes: Buffer } | undefined = (d) => d;

  add(address: string, settings: NetworkSettings, limits = {}): Node {
    const node = new Node(this, address, new DtlsLayer(settings, { limits }));
    this.nodes.set(address, node);
    return node;
  }

  /** Runs updates and deliveries (letting werift's promises settle) until `done()` or `ms` of real time. */
  async pump(done: () => boolean, ms = 5000): Promise<void> {
    const t0 = Date.now();
    while (!done()) {
      if (Date.now() - t0 > ms) throw new Error('pump: condition not met');
      for (const n of this.nodes.values()) n.layer.update(this.now);
      for (const d of this.queue.splice(0)) {
        const f = this.filter(d);
        const [address, port] = f?.from.split(':') ?? [];
        if (f) this.nodes.get(f.to.split(':')[0])?.layer.receive(f.bytes, 0, f.bytes.length, address, Number(port));
      }
      await sleep(1);
    }
  }
}

class Node {
  readonly received: string[] = [];
  readonly drops = new Map<string, number>();
  readonly closed: { address: string; port: number; reason: number }[] = [];
  readonly sent: Buffer[] = [];
  port = 7777;
  readonly net: Net;
  readonly address: string;
  readonly layer: DtlsLayer;

  constructor(net: Net, address: string, layer: DtlsLayer) {
    this.net = net;
    this.address = address;
    this.layer = layer;
    const links: LayerLinks = {
      get now() { return net.now; },
      settings: new NetworkSettings(),
      ready: true,
      error: () => {},
      wake: () => {},
      up: (b, s, e) => this.received.push(Buffer.from(b.subarray(s, e)).toString()),
      down: (b, s, e, to) => {
        const bytes = Buffer.from(b.subarray(s, e));   // the send queue copies too
        this.sent.push(bytes);
        net.queue.push({ to: `${to.address}:${to.port}`, from: `${this.address}:${this.port}`, bytes });
      },
      drop: (r) => this.drops.set(r, (this.drops.get(r) ?? 0) + 1),
      closed: (address, port, reason) => this.closed.push({ address, port, reason }),
    };
    layer.attach(links);
  }

  get endpoint(): NetworkEndpoint { return NetworkEndpoint.parse(this.address, this.port); }
  text(s: string, to: Node): void {
    const b = Buffer.from(s);
    this.layer.send(b, 0, b.length, to.endpoint);
  }
}

async function connected(): Promise<{ net: Net; server: Node; client: Node }> {
  const net = new Net();
  const server = net.add('10.0.0.1', serverSettings());
  const client = net.add('10.0.0.2', clientSettings());
  client.port = 50000;
  client.layer.connectionOpened(server.endpoint);
  client.text('request', server);                 // held until the handshake completes
  await net.pump(() => server.received.includes('request'));
  return { net, server, client };
}

describe('DtlsLayer', () => {
  it('reserves UTP\'s 29 bytes, and a ChaCha20-Poly1305 record costs exactly that', async () => {
    const { server, client } = await connected();
    expect(client.layer.headerSize).toBe(DTLS_HEADER_SIZE);
    client.sent.length = 0;
    client.text('x'.repeat(100), server);
    expect(client.sent.map((b) => b.length)).toEqual([100 + 29]);
    expect(recordOverhead(0xcca9)).toBe(29);
  });

  it('handshakes through a stateless cookie and carries data both ways', async () => {
    const { net, server, client } = await connected();
    expect(server.drops.get('dtls-cookie-sent')).toBe(1);
    expect(server.layer.sessionState('10.0.0.2', 50000)).toBe('connected');
    server.text('reply', client);
    await net.pump(() => client.received.includes('reply'));
  });

  it('completes a handshake whose client flight 5 arrives twice, back to back (a retransmission on a busy machine)', async () => {
    const net = new Net();
    const server = net.add('10.0.0.1', serverSettings());
    const client = net.add('10.0.0.2', clientSettings());
    client.port = 50000;
    // A starved server answers flight 5 late: the client's retransmitted copy lands while the first is being checked.
    // (Every client datagram but its ClientHellos arrives twice.)
    net.filter = (d) => {
      const clientHello = d.bytes[0] === 22 && d.bytes[13] === 1;
      if (d.to.startsWith('10.0.0.1') && !clientHello) server.layer.receive(Buffer.from(d.bytes), 0, d.bytes.length, '10.0.0.2', 50000);
      return d;
    };
    client.layer.connectionOpened(server.endpoint);
    client.text('request', server);
    await net.pump(() => server.received.includes('request'));
    server.text('reply', client);
    await net.pump(() => client.received.includes('reply'));
    expect(server.closed).toEqual([]);
    expect(client.closed).toEqual([]);
    expect(server.drops.get('dtls-authentication-failed')).toBeUndefined();
  });

  it('completes a handshake whose client flight 5 arrives again after the server answered it (the server resends flight 6)', async () => {
    const net = new Net();
    const server = net.add('10.0.0.1', serverSettings());
    const client = net.add('10.0.0.2', clientSettings());
    client.port = 50000;
    let again: { to: string; from: string; bytes: Buffer }[] = [];
    net.filter = (d) => {
      const clientHello = d.bytes[0] === 22 && d.bytes[13] === 1;
      if (d.to.startsWith('10.0.0.1') && !clientHello && again !== null) again.push({ ...d, bytes: Buffer.from(d.bytes) });
      return d;
    };
    client.layer.connectionOpened(server.endpoint);
    client.text('request', server);
    await net.pump(() => server.layer.sessionState('10.0.0.2', 50000) === 'connected');
    net.queue.push(...again);   // the copies, once flight 6 has left
    again = [];
    await net.pump(() => server.received.includes('request'));
    server.text('reply', client);
    await net.pump(() => client.received.includes('reply'));
    expect(server.closed).toEqual([]);
    expect(client.closed).toEqual([]);
  });

  it('sends close_notify when the connection closes: the peer ends its session as closed by the remote', async () => {
    const { net, server, client } = await connected();
    client.layer.connectionClosed(server.endpoint);
    expect(client.layer.sessionState('10.0.0.1', 7777)).toBeUndefined();
    await net.pump(() => server.closed.length > 0);
    expect(server.closed).toEqual([{ address: '10.0.0.2', port: 50000, reason: DisconnectReason.ClosedByRemote }]);
  });

  it('refuses a server certificate for another name, as an authentication failure', async () => {
    const net = new Net();
    const server = net.add('10.0.0.1', serverSettings());
    const client = net.add('10.0.0.2', clientSettings('elsewhere.test'));
    client.layer.connectionOpened(server.endpoint);
    await net.pump(() => client.closed.length > 0);
    expect(client.closed[0]).toMatchObject({ address: '10.0.0.1', port: 7777, reason: DisconnectReason.AuthenticationFailure });
    expect(client.drops.get('dtls-authentication-failed')).toBe(1);
    // The client's fatal alert (bad_certificate) ends the server's half-open session at once, not at its timeout.
    await net.pump(() => server.closed.length > 0);
    expect(server.closed[0]).toMatchObject({ address: '10.0.0.2', reason: DisconnectReason.AuthenticationFailure });
  });

  it('ends a handshake that never finishes after (maxConnectAttempts + 1) × connectTimeoutMS', async () => {
    const net = new Net();
    const settings = clientSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 3 });
    const client = net.add('10.0.0.2', settings);
    client.layer.connectionOpened(NetworkEndpoint.parse('10.0.0.9', 7777));   // nobody there
    net.now = 399;
    await net.pump(() => true);
    await net.pump(() => client.net.queue.length === 0);
    expect(client.closed).toEqual([]);
    net.now = 401;
    await net.pump(() => client.closed.length > 0);
    expect(client.closed[0]).toMatchObject({ reason: DisconnectReason.Timeout });
    expect(client.layer.sessionState('10.0.0.9', 7777)).toBeUndefined();
  });

  it('bounds its sessions and counts what it turns away', async () => {
    const net = new Net();
    const server = net.add('10.0.0.1', serverSettings(), { maxSessions: 1 });
    const a = net.add('10.0.0.2', clientSettings());
    const b = net.add('10.0.0.3', clientSettings());
    a.layer.connectionOpened(server.endpoint);
    await net.pump(() => server.layer.sessionState('10.0.0.2', 7777) === 'connected');
    b.layer.connectionOpened(server.endpoint);
    await net.pump(() => (server.drops.get('dtls-sessions-full') ?? 0) > 0);
    expect(server.layer.sessionState('10.0.0.3', 7777)).toBeUndefined();
  });

  it('follows a client whose address changed: a new handshake after reconnectionTimeoutMS of silence', async () => {
    const { net, server, client } = await connected();
    client.port = 50001;                                  // the NAT gave the client a new port
    client.text('lost', server);                          // the server drops it: unknown peer
    await net.pump(() => (server.drops.get('dtls-unknown-peer') ?? 0) > 0);
    net.now += 2001;                                      // reconnectionTimeoutMS (default 2000) of silence
    await net.pump(() => server.layer.sessionState('10.0.0.2', 50001) === 'connected');
    // The client switches when the server's last flight arrives; until then its packets use the old keys and are
    // dropped (the connection layer resends them, as here).
    await net.pump(() => { client.text('after the move', server); return server.received.includes('after the move'); });
    expect(server.received).not.toContain('lost');
  });
});

describe('DtlsLayer client certificates', () => {
  const server = (net: Net, policy: SecureClientAuthPolicy) => net.add('10.0.0.1', new NetworkSettings()
    .withSecureServerParameters(pki.pem('server.pem'), pki.pem('server.key'), pki.pem('ca.pem'), undefined, policy));
  const withCertificate = (name: string) => new NetworkSettings()
    .withSecureClientParameters(pki.pem(`${name}.pem`), pki.pem(`${name}.key`), pki.pem('ca.pem'), 'game.test');

  it('Optional (with a CA): a client without one connects, one from the CA too, an impostor is refused', async () => {
    const net = new Net();
    const s = server(net, SecureClientAuthPolicy.Optional);
    const clients = [net.add('10.0.0.2', clientSettings()), net.add('10.0.0.3', withCertificate('client')), net.add('10.0.0.4', withCertificate('impostor'))];
    for (const c of clients) { c.layer.connectionOpened(s.endpoint); c.text(`from ${c.address}`, s); }
    await net.pump(() => s.received.includes('from 10.0.0.2') && s.received.includes('from 10.0.0.3') && s.closed.length > 0);
    expect(s.received).not.toContain('from 10.0.0.4');
    expect(s.closed).toEqual([{ address: '10.0.0.4', port: 7777, reason: DisconnectReason.AuthenticationFailure }]);
  });

  it('Required: a client without a certificate is refused, one from the CA connects', async () => {
    const net = new Net();
    const s = server(net, SecureClientAuthPolicy.Required);
    const clients = [net.add('10.0.0.2', clientSettings()), net.add('10.0.0.3', withCertificate('client'))];
    for (const c of clients) { c.layer.connectionOpened(s.endpoint); c.text(`from ${c.address}`, s); }
    await net.pump(() => s.received.includes('from 10.0.0.3') && s.closed.length > 0);
    expect(s.received).not.toContain('from 10.0.0.2');
    expect(s.closed).toEqual([{ address: '10.0.0.2', port: 7777, reason: DisconnectReason.AuthenticationFailure }]);
  });
});

describe('DtlsLayer bad input', () => {
  it('answers a forged ClientHello with fewer bytes, keeps no state, and drops garbage and truncated records', async () => {
    const { net, server, client } = await connected();
    const hello = client.sent.find((b) => b[0] === 0x16 && b[13] === 0x01)!;   // a real ClientHello, replayed
    const before = server.drops.get('dtls-cookie-sent') ?? 0;
    server.sent.length = 0;
    for (let i = 0; i < 200; i++) server.layer.receive(hello, 0, hello.length, '192.0.2.1', 1000 + i);   // a spoofed flood
    expect(server.drops.get('dtls-cookie-sent')).toBe(before + 200);
    expect(server.sent.every((b) => b.length < hello.length)).toBe(true);
    expect(server.layer.sessionState('192.0.2.1', 1000)).toBeUndefined();

    const garbage = [Buffer.alloc(0), Buffer.from([0x16]), Buffer.alloc(40, 0xff), Buffer.from(hello.subarray(0, 30)),
      Buffer.from([23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 200, 1, 2, 3])];
    for (const g of garbage) {
      expect(() => server.layer.receive(g, 0, g.length, '192.0.2.2', 5)).not.toThrow();                  // strangers
      expect(() => server.layer.receive(g, 0, g.length, '10.0.0.2', 50000)).not.toThrow();              // the client's address
    }
    expect(server.drops.get('dtls-unknown-peer')).toBeGreaterThanOrEqual(garbage.length);
    expect(server.drops.get('dtls-truncated')).toBeGreaterThan(0);
    server.text('still up', client);
    await net.pump(() => client.received.includes('still up'));
  });

  it('drops replayed and tampered records', async () => {
    const { net, server, client } = await connected();
    client.sent.length = 0;
    client.text('once', server);
    const record = client.sent[0];
    await net.pump(() => server.received.filter((r) => r === 'once').length === 1);
    server.layer.receive(record, 0, record.length, '10.0.0.2', 50000);
    expect(server.drops.get('dtls-replayed')).toBe(1);
    const tampered = Buffer.from(record);
    tampered[tampered.length - 1] ^= 1;
    tampered.writeUIntBE(tampered.readUIntBE(5, 6) + 1, 5, 6);   // a fresh sequence number, so not a replay
    server.layer.receive(tampered, 0, tampered.length, '10.0.0.2', 50000);
    expect(server.drops.get('dtls-bad-record')).toBe(1);
    expect(server.received.filter((r) => r === 'once')).toHaveLength(1);
  });
});

describe('withSecure…Parameters', () => {
  it('take PEM text and say so when given a file name', () => {
    expect(() => new NetworkSettings().withSecureServerParameters('server.pem', 'server.key')).toThrow(UtpSettingsError);
    expect(() => new NetworkSettings().withSecureServerParameters('server.pem', 'server.key')).toThrow(/PEM text/);
    expect(() => new NetworkSettings().withSecureClientParameters({ caCertificate: pki.pem('ca.pem') })).toThrow(/serverName/);
    const s = new NetworkSettings().withSecureServerParameters(pki.pem('server.pem'), pki.pem('server.key'), pki.pem('ca.pem'),
      undefined, SecureClientAuthPolicy.Required);
    expect(s.secure).toMatchObject({ role: 'server', clientAuthenticationPolicy: 'required' });
  });

  it('refuse a key that does not belong to the certificate when the layer is built', () => {
    const s = new NetworkSettings().withSecureServerParameters(pki.pem('server.pem'), pki.pem('client.key'));
    expect(() => new DtlsLayer(s)).toThrow(/does not belong/);
  });
});
