/**
 * The relay never answers a sender that is not bound at its address with more bytes than it sent (issue 13): BIND,
 * CONNECT_REQUEST, PING, RELAY, DISCONNECT and junk from strangers, on a fake clock over the in-memory network.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IPCNetwork } from '../../../plugin/index.ts';
import { createBind } from '../../../plugin/relay/index.ts';
import { RateLimiter } from '../../../plugin/relay/node.ts';
import { encodeConnectRequest, encodeFromTo, encodePing, encodeRelay, RelayMessageType } from '../../../plugin/relay/wire/messages.ts';
import { FakeClock } from '../../support/clock.ts';
import { RawPeer } from '../../support/driver.ts';
import { memoryRelay, relayEndpoint } from '../harness.ts';

const bytesOf = (packets: string[]): number => packets.reduce((n, p) => n + p.length / 2, 0);

describe('relay answers to strangers', () => {
  it('withholds the 21-byte ERROR 0 from a 4-byte header with a bad version, and counts it', async () => {
    const net = new IPCNetwork();
    const server = await memoryRelay(net, new FakeClock());
    const stranger = new RawPeer(net, 9300);
    stranger.send(relayEndpoint, 'da720702');
    stranger.send(relayEndpoint, 'da720702' + '00'.repeat(18)); // 22 bytes: an ERROR 0 is no larger
    expect(stranger.take().map((p) => p.length / 2)).toEqual([21]);
    expect(server.load.withheld).toBe(1);
  });

  it('never sends a stranger more than it sent, whatever Relay messages it forges (property)', async () => {
    const net = new IPCNetwork();
    const clock = new FakeClock();
    const server = await memoryRelay(net, clock);
    const host = server.store.create({ maxConnections: 4, now: clock.now });
    const known = [host.id, new Uint8Array(16).fill(7)];
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2 }), fc.uint8Array({ maxLength: 300 }))
        .map(([type, version, body]) => Uint8Array.from([0xda, 0x72, version, type, ...body])),
      fc.constantFrom(...known).map((id) => encodePing(id)),
      fc.constantFrom(...known).map((id) => encodeConnectRequest(id, host.connectionData)),
      fc.constantFrom(...known).map((id) => encodeRelay(id, host.id, Uint8Array.of(1, 2, 3))),
      fc.constantFrom(...known).map((id) => encodeFromTo(RelayMessageType.Disconnect, id, host.id)),
      fc.nat(3).map((nonce) => createBind(nonce, host.connectionData, new Uint8Array(64)) as Uint8Array),
    );
    let port = 9400;
    await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 30 }), async (messages) => {
      const stranger = new RawPeer(net, port++);
      let sent = 0;
      for (const m of messages) {
        stranger.send(relayEndpoint, m);
        sent += m.length;
        clock.now += 100;
        server.update(clock.now);
      }
      expect(bytesOf(stranger.take())).toBeLessThanOrEqual(sent);
    }), { numRuns: 300 });
  });

  it('remembers at most maxSources rate buckets, forgetting the oldest source first', () => {
    const limiter = new RateLimiter(1, 1, 3);
    for (const source of ['a', 'b', 'c', 'd']) expect(limiter.allow(source, 0)).toBe(true);
    expect(limiter.size).toBe(3);
    expect(limiter.allow('d', 0)).toBe(false); // still remembered: its bucket is empty
    expect(limiter.allow('a', 0)).toBe(true); // forgotten: a fresh bucket
  });
});
