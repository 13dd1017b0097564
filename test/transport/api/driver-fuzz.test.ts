import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionState, IPCNetwork, NetworkSettings, type NetworkDriver, type NetworkConnection } from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { drain, makeDriver, RawPeer, T } from '../../support/driver.ts';

/** Valid packets from the spec, the raw material for mutations. */
const seeds = ['TV-1', 'TV-2', 'TV-3a', 'TV-3b', 'TV-4', 'TV-5', 'TV-6', 'TV-8'].map(vectorBytes);

const datagram = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 1500 }),
  // A valid packet with bytes flipped, truncated or extended: reaches deeper code than pure noise.
  fc.record({
    seed: fc.constantFrom(...seeds),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    tail: fc.uint8Array({ maxLength: 40 }),
  }).map(({ seed, flips, cut, tail }) => {
    const b = Uint8Array.from([...seed, ...tail]);
    for (const [at, v] of flips) b[at % b.length] = v;
    return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
  }),
  // Our own token with a random type and body: the most dangerous inputs for an established connection.
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 })).map(([type, body]) =>
    Uint8Array.from([type, ...Buffer.from(T, 'hex'), ...body])),
);

describe('a listening driver under random and mutated datagrams', () => {
  it('never throws, keeps its existing connection working, and counts what it drops', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(datagram, { minLength: 1, maxLength: 40 }), async (packets) => {
        const net = new IPCNetwork();
        const server = await makeDriver(net, 7000, new NetworkSettings());
        const good = new RawPeer(net, 9001);
        const attacker = new RawPeer(net, 9002);
        // A second, well-behaved client with its own token that the garbage must not disturb.
        good.send(server.localEndpoint(), `5554500101${'a1a2a3a4a5a6a7a8'}`);
        server.update(0);
        const conn: NetworkConnection = server.accept()!;
        let t = 0;
        for (const p of packets) {
          attacker.send(server.localEndpoint(), p);
          t += 5;
          server.update(t);
          while (server.accept()) { /* garbage may legitimately open connections */ }
          drain(server);
        }
        good.take();
        good.send(server.localEndpoint(), `01${'a1a2a3a4a5a6a7a8'}00cafe`);
        server.update(t + 5);
        const events = drain(server).filter((e) => e.connection === conn.toString());
        expect(events).toEqual([{ type: 1, connection: conn.toString(), pipeline: 0, data: 'cafe' }]);
        expect(server.getConnectionState(conn)).toBe(ConnectionState.Connected);
        expect(server.send(conn, 0, Uint8Array.of(1, 2))).toBe(2);
        server.flush();
        expect(good.take()).toEqual([`01${'a1a2a3a4a5a6a7a8'}000102`]);
        const s = server.getStatistics();
        expect(s.dropped.internalError).toBe(0);
        expect(s.packetsReceived).toBe(packets.length + 2);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('counts garbage as dropped (unknown tokens, malformed, bad versions)', async () => {
    const net = new IPCNetwork();
    const server: NetworkDriver = await makeDriver(net, 7001);
    const attacker = new RawPeer(net, 9003);
    for (const p of ['00', '0102030405060708', `02${'ffffffffffffffff'}`, `5554500901${'0000000000000001'}`, `5554500109${'0000000000000001'}`]) {
      attacker.send(server.localEndpoint(), p);
    }
    server.update(1);
    const d = server.getStatistics().dropped;
    expect({ malformed: d.malformed, unknownToken: d.unknownToken, badVersion: d.badVersion }).toEqual({ malformed: 3, unknownToken: 1, badVersion: 1 });
  });
});
