import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConnectionState, FragmentationPipelineStage, IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint,
  NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage, StatusCode,
} from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { hex } from '../../support/hex.ts';
import { drain, makeDriver, RawPeer, T } from '../../support/driver.ts';

const request = (token: string, payload = ''): string =>
  `5554500101${token}${payload ? (payload.length / 2).toString(16).padStart(2, '0') + '00' + payload : ''}`;
const tokenOf = (i: number): string => i.toString(16).padStart(16, '0');
const bytesOf = (packets: string[]): number => packets.reduce((n, p) => n + p.length / 2, 0);

describe('a half-open connection (a stranger that sent only ConnectionRequests)', () => {
  it('gets one accept per request and nothing else: no heartbeats, then it is released after the disconnect timeout', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7000);
    const stranger = new RawPeer(net, 9000);
    stranger.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    const c = server.accept()!;
    expect(server.getConnectionState(c)).toBe(ConnectionState.Connected); // UTP's view: accepted
    expect(server.isProven(c)).toBe(false);
    stranger.send(server.localEndpoint(), vectorBytes('TV-1')); // a retransmission is answered once more
    server.update(1500);
    for (let t = 2000; t <= 30_000; t += 500) server.update(t);
    expect(stranger.take()).toEqual([hex(vectorBytes('TV-3a')), hex(vectorBytes('TV-3a'))]);
    expect(server.getStatistics().admission.halfOpen).toBe(1);
    server.update(31_501);
    expect(drain(server)).toEqual([{ type: NetworkEventType.Disconnect, connection: c.toString(), pipeline: 0, data: '01' }]);
    server.update(31_502);
    expect(stranger.take()).toEqual([]); // no Disconnect either: it would be more than the stranger sent
    const s = server.getStatistics();
    expect({ halfOpen: s.admission.halfOpen, expired: s.admission.expired, withheld: s.admission.packetsWithheld, connections: s.connections })
      .toEqual({ halfOpen: 0, expired: 1, withheld: 0, connections: 0 });
  });

  it('holds messages sent to it until the peer speaks, then sends them as they would have left then', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7001);
    const peer = new RawPeer(net, 9001);
    peer.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    const c = server.accept()!;
    peer.take();
    expect(server.send(c, 0, Uint8Array.of(0xca, 0xfe))).toBe(2);
    server.update(10);
    expect(peer.take()).toEqual([]);
    peer.send(server.localEndpoint(), vectorBytes('TV-5')); // proof: a heartbeat, as a Unity client sends
    server.update(20);
    expect(server.isProven(c)).toBe(true);
    expect(peer.take()).toEqual([`01${T}00cafe`]);
    server.update(521);
    expect(peer.take()).toEqual([hex(vectorBytes('TV-5'))]); // heartbeats resume once proven
    expect(server.getStatistics().admission.proven).toBe(1);
  });

  it('keeps its credit and age in a half-open object, and messages sent to it in a held list; the record drops both once proven', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7010);
    const peer = new RawPeer(net, 9010);
    server.update(5);
    peer.send(server.localEndpoint(), request(T, 'aabbcc'));
    server.update(10);
    const c = server.accept()!;
    const rec = server.stack.scl.connections.live(c)!;
    const [accept] = peer.take();
    expect(rec.halfOpen).toEqual({ credit: 18 - accept.length / 2, openedAt: 10 }); // a 18-byte request, answered once
    expect(rec.proven).toBe(false);
    expect(server.send(c, 0, Uint8Array.of(1, 2))).toBe(2);
    expect(rec.held?.bytes).toBe(2);
    peer.send(server.localEndpoint(), vectorBytes('TV-5'));
    server.update(20);
    expect(rec.halfOpen).toBeNull();
    expect(rec.proven).toBe(true);
    expect(rec.held).toBeNull(); // the held message left, and its list with it
    expect(peer.take()).toEqual([`01${T}000102`]);
  });

  it('refuses (−5) what would exceed the held-bytes limit, and withholds a Disconnect the peer did not pay for', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7002, new NetworkSettings().withAdmissionParameters({ maxHeldBytesPerConnection: 100 }));
    const peer = new RawPeer(net, 9002);
    peer.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    const c = server.accept()!;
    expect(server.send(c, 0, new Uint8Array(80))).toBe(80);
    expect(server.send(c, 0, new Uint8Array(80))).toBe(StatusCode.NetworkSendQueueFull);
    server.disconnect(c);
    server.update(10);
    expect(peer.take()).toEqual([hex(vectorBytes('TV-3a'))]);
    expect(server.getStatistics().admission).toMatchObject({ heldRefused: 1, packetsWithheld: 1 });
  });

  it('sends the accept payload only when the request was at least as large as the accept', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7003);
    server.setAcceptPayload(new TextEncoder().encode('ok'));
    const small = new RawPeer(net, 9003);
    const large = new RawPeer(net, 9004);
    small.send(server.localEndpoint(), vectorBytes('TV-1')); // 13 B: a 17-byte TV-3b would amplify
    large.send(server.localEndpoint(), vectorBytes('TV-2').map((b, i) => (i === 12 ? 9 : b))); // 19 B, another token
    server.update(0);
    expect(small.take()).toEqual([hex(vectorBytes('TV-3a'))]);
    expect(large.take()).toEqual([hex(vectorBytes('TV-3b')).replace('0708', '0709')]);
    expect(server.getStatistics().admission.acceptPayloadsWithheld).toBe(1);
  });

  it('starts path-MTU probes only once proven (each probe is up to maxMessageSize)', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7004, new NetworkSettings().withNetworkConfigParameters({ performPathMtuDiscovery: true }));
    const peer = new RawPeer(net, 9005);
    peer.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    server.update(400);
    server.update(800);
    expect(peer.take()).toEqual([hex(vectorBytes('TV-3a'))]);
    peer.send(server.localEndpoint(), vectorBytes('TV-5'));
    server.update(900);
    expect(peer.take().map((p) => p.length / 2)).toEqual([1024, 1300, 1380, 1400]);
  });

  it('with acceptHalfOpen false, accept() returns a connection once proven, with the message that proved it', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7005, new NetworkSettings().withAdmissionParameters({ acceptHalfOpen: false }));
    const peer = new RawPeer(net, 9006);
    peer.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    expect(server.accept()).toBeNull();
    peer.send(server.localEndpoint(), vectorBytes('TV-4'));
    server.update(10);
    const c = server.accept()!;
    expect(c).not.toBeNull();
    expect(drain(server)).toEqual([{ type: NetworkEventType.Data, connection: c.toString(), pipeline: 0, data: '6869' }]);
  });

  it('never answers with more bytes than a crowd of strangers sent, whatever they send (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ from: fc.integer({ min: 0, max: 7 }), token: fc.integer({ min: 0, max: 5 }), payload: fc.nat(40), at: fc.nat(40_000) }), { minLength: 1, maxLength: 60 }),
      fc.boolean(),
      async (requests, acceptPayload) => {
        const net = new IPCNetwork();
        const server = await makeDriver(net, 7006);
        if (acceptPayload) server.setAcceptPayload(new Uint8Array(24));
        const peers = Array.from({ length: 8 }, (_, i) => new RawPeer(net, 9100 + i, `127.0.0.${i + 1}`));
        const sent = new Array(8).fill(0);
        let t = 0;
        for (const r of requests.sort((a, b) => a.at - b.at)) {
          const bytes = request(tokenOf(r.token), 'ab'.repeat(r.payload));
          peers[r.from].send(server.localEndpoint(), bytes);
          sent[r.from] += bytes.length / 2;
          t = r.at;
          server.update(t);
          for (let c = server.accept(); c; c = server.accept()) server.send(c, 0, new Uint8Array(50)); // an eager application
          server.disconnect(server.accept() ?? server.accept()!);
        }
        for (let k = 1; k <= 70; k++) server.update(t + k * 500);
        peers.forEach((p, i) => expect(bytesOf(p.take())).toBeLessThanOrEqual(sent[i]));
      },
    ), { numRuns: 60 });
  });
});

describe('limits on strangers', () => {
  it('per address: beyond maxHalfOpenPerAddress, new requests wait until the oldest has had halfOpenEvictAfterMS to speak', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7010, new NetworkSettings().withAdmissionParameters({ maxHalfOpenPerAddress: 2, halfOpenEvictAfterMS: 1000 }));
    const flood = new RawPeer(net, 9010, '127.0.0.9');
    const other = new RawPeer(net, 9011, '127.0.0.10');
    for (const i of [1, 2, 3]) flood.send(server.localEndpoint(), request(tokenOf(i)));
    other.send(server.localEndpoint(), request(tokenOf(4)));
    server.update(0);
    expect(flood.take().length).toBe(2); // the third one is not answered (its client would retry)
    expect(other.take().length).toBe(1); // other addresses are not affected
    expect(server.getStatistics().dropped.refused).toBe(1);
    flood.send(server.localEndpoint(), request(tokenOf(5)));
    server.update(1000);
    expect(flood.take()).toEqual([`5554500102${tokenOf(5)}`]); // token 1 gave way
    expect(server.getStatistics().admission).toMatchObject({ evicted: 1, halfOpen: 3 });
  });

  it('never evicts a proven connection: with maxConnections reached by proven peers, strangers are refused', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7011, new NetworkSettings().withAdmissionParameters({ maxConnections: 2, halfOpenEvictAfterMS: 0 }));
    const a = new RawPeer(net, 9012, '127.0.0.2');
    const b = new RawPeer(net, 9013, '127.0.0.3');
    for (const [p, tok] of [[a, tokenOf(1)], [b, tokenOf(2)]] as const) {
      p.send(server.localEndpoint(), request(tok));
      p.send(server.localEndpoint(), `03${tok}`);
    }
    server.update(0);
    const stranger = new RawPeer(net, 9014, '127.0.0.4');
    stranger.send(server.localEndpoint(), request(tokenOf(3)));
    server.update(5000);
    expect(stranger.take()).toEqual([]);
    expect(server.getStatistics()).toMatchObject({ connections: 2, dropped: { refused: 1 }, admission: { evicted: 0 } });
  });

  it('a carrier that proves addresses itself (WebSocket, DTLS, Relay) has no half-open connections', async () => {
    class ProvingInterface extends IPCNetworkInterface { readonly provesAddresses = true; }
    const net = new IPCNetwork();
    const server = NetworkDriver.create(new ProvingInterface(net));
    await server.bind(NetworkEndpoint.loopbackIpv4.withPort(7012));
    server.listen();
    const peer = new RawPeer(net, 9015);
    peer.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    expect(server.isProven(server.accept()!)).toBe(true);
    server.update(501);
    expect(peer.take()).toEqual([hex(vectorBytes('TV-3a')), hex(vectorBytes('TV-5'))]);
  });

  it('bounds fragment reassembly across connections (maxReassemblyBytes) and counts what it drops', async () => {
    const net = new IPCNetwork();
    const settings = () => new NetworkSettings().withAdmissionParameters({ maxReassemblyBytes: 3000 });
    const server = await makeDriver(net, 7013, settings());
    const frag = server.createPipeline(FragmentationPipelineStage);
    const clients = await Promise.all([0, 1].map(() => makeDriver(net, 0, settings(), false)));
    const conns = clients.map((c) => { c.createPipeline(FragmentationPipelineStage); return c.connect(server.localEndpoint()); });
    let t = 0;
    const step = (): void => { t += 10; for (const c of clients) c.update(t); server.update(t); while (server.accept()); };
    step(); step(); step();
    // Each client's 4000-byte message loses its last fragment, so its first two (2 × 1388 B) wait for it: the
    // second client's would take the total past 3000 B.
    let count = 0;
    net.filter = (bytes, from) => {
      if (from.port === 7013 || bytes[0] !== 1 || bytes[9] !== frag.id) return true;
      return (count++ % 3) !== 2; // the last fragment of each message is lost: the first two wait for it
    };
    clients.forEach((c, i) => c.send(conns[i], frag, new Uint8Array(4000)));
    step();
    expect(server.getStatistics().dropped.reassemblyLimit).toBeGreaterThan(0);
    net.filter = null;
    clients.forEach((c, i) => c.send(conns[i], frag, new Uint8Array(100)));
    step();
    expect(drain(server).filter((e) => e.type === NetworkEventType.Data).map((e) => e.data.length / 2)).toEqual([100, 100]);
  });
});

describe('a utp-ts client proves its address at once (heartbeatOnAccept)', () => {
  async function pair(heartbeatOnAccept: boolean) {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7020);
    const client = await makeDriver(net, 0, new NetworkSettings().withLocalParameters({ heartbeatOnAccept }), false);
    const seen: string[] = [];
    net.filter = (bytes, from) => { if (from.port !== 7020) seen.push(hex(bytes).slice(0, 2)); return true; };
    const c = client.connect(server.localEndpoint());
    return { net, server, client, c, seen };
  }

  it('sends one heartbeat at the update after the accept, so what the server sent at once arrives a round trip later', async () => {
    const { server, client, c, seen } = await pair(true);
    client.update(0);
    server.update(0);
    const s = server.accept()!;
    expect(server.send(s, 0, Uint8Array.of(7))).toBe(1); // an eager server greets at once
    server.flush();
    client.update(10); // Connect
    expect(drain(client).map((e) => e.type)).toEqual([NetworkEventType.Connect]);
    client.update(20); // nothing sent by the application: the heartbeat leaves
    server.update(20);
    client.update(30);
    expect(drain(client)).toEqual([{ type: NetworkEventType.Data, connection: c.toString(), pipeline: 0, data: '07' }]);
    expect(seen).toEqual(['55', '03']);
  });

  it('sends no heartbeat when the application spoke first, nor with heartbeatOnAccept false (UTP timing)', async () => {
    for (const on of [true, false]) {
      const { server, client, c, seen } = await pair(on);
      client.update(0);
      server.update(0);
      client.update(10);
      if (on) client.send(c, 0, Uint8Array.of(1));
      client.update(20);
      client.update(30);
      expect(seen).toEqual(on ? ['55', '01'] : ['55']);
    }
  });

  it('two utp-ts drivers still exchange reliable messages from the first update on', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7021);
    const client = await makeDriver(net, 0, new NetworkSettings(), false);
    const sp = server.createPipeline(ReliableSequencedPipelineStage);
    const cp = client.createPipeline(ReliableSequencedPipelineStage);
    const c = client.connect(server.localEndpoint());
    let t = 0;
    const got: string[] = [];
    for (let i = 0; i < 10; i++) {
      t += 10;
      client.update(t);
      server.update(t);
      for (let s = server.accept(); s; s = server.accept()) server.send(s, sp, Uint8Array.of(0xaa));
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(e.data);
    }
    expect(got).toEqual(['aa']);
    expect(client.send(c, cp, Uint8Array.of(1))).toBe(1);
  });
});
