/**
 * The self-hosted relay's server half, driven by raw clients written from the spec (§7.2 layouts), on a
 * fake clock over the in-memory network.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { IPCNetwork } from '../../../plugin/index.ts';
import { createBind, RelayErrorCode } from '../../../plugin/relay/index.ts';
import type { RelayAllocation, RelayServer } from '../../../plugin/relay/node.ts';
import { encodeConnectRequest, encodeFromTo, encodePing, encodeRelay, RelayMessageType } from '../../../plugin/relay/wire/messages.ts';
import { RawPeer } from '../../support/driver.ts';
import { memoryRelay, relayEndpoint } from '../harness.ts';
import { hex } from '../../support/hex.ts';
import { FakeClock } from '../../support/clock.ts';

let net: IPCNetwork, clock: FakeClock, server: RelayServer;
let nextPort = 9100;

beforeEach(async () => {
  net = new IPCNetwork();
  clock = new FakeClock();
  server = await memoryRelay(net, clock);
});

/** A raw Relay client on its own port. */
class Client {
  readonly peer = new RawPeer(net, nextPort++);
  readonly a: RelayAllocation;
  constructor(a: RelayAllocation) { this.a = a; }
  send(b: Uint8Array | string): void { this.peer.send(relayEndpoint, b); }
  bind(nonce = 0, key = this.a.key): void { this.send(createBind(nonce, this.a.connectionData, key) as Uint8Array); }
  take(): string[] { return this.peer.take(); }
}

const alloc = (max = 10): RelayAllocation => server.store.create({ maxConnections: max, now: clock.now });
const err = (id: Uint8Array, code: number): string => `da72000c${hex(id)}0${code}`;
const BIND_RECEIVED = 'da720001';

function bound(max = 10): Client {
  const c = new Client(alloc(max));
  c.bind();
  expect(c.take()).toEqual([BIND_RECEIVED]);
  return c;
}

/** A host and a joiner, linked by CONNECT_REQUEST + ACCEPTED. */
function pair(): { host: Client; joiner: Client } {
  const host = bound(), joiner = bound();
  joiner.send(encodeConnectRequest(joiner.a.id, host.a.connectionData));
  expect(joiner.take()).toEqual([hex(encodeFromTo(RelayMessageType.Accepted, host.a.id, joiner.a.id))]);
  return { host, joiner };
}

describe('BIND', () => {
  it('answers a valid BIND with BIND_RECEIVED and binds the client', () => {
    const c = bound();
    expect(c.a.bound).toBe(true);
    expect(server.load).toMatchObject({ allocations: 1, bound: 1 });
  });

  it('refuses a wrong HMAC with ERROR 2, unknown connection data with ERROR 4', () => {
    const c = new Client(alloc());
    c.bind(0, new Uint8Array(64));
    expect(c.take()).toEqual([err(c.a.id, RelayErrorCode.Unauthorized)]);
    expect(c.a.bound).toBe(false);
    const stranger = new Client(alloc());
    server.store.remove(stranger.a, clock.now, 0); // forgotten entirely (no tombstone)
    server.update(clock.now + 1);
    stranger.bind();
    expect(stranger.take()).toEqual([err(new Uint8Array(16), RelayErrorCode.AllocationIdNotFound)]);
  });

  it('a BIND from another address needs a newer nonce: a replay gets ERROR 3, the next nonce moves the binding', () => {
    const c = bound(); // nonce 0
    const thief = new Client(c.a);
    thief.bind(0);
    expect(thief.take()).toEqual([err(c.a.id, RelayErrorCode.AllocationIdClientMismatch)]);
    expect(c.a.port).toBe(c.peer.endpoint.port);
    thief.bind(1); // a client whose address changed: ERROR 3 ⇒ nonce + 1 (§7.2)
    expect(thief.take()).toEqual([BIND_RECEIVED]);
    expect(c.a.port).toBe(thief.peer.endpoint.port);
    c.bind(0); // same nonce again from the old address: refused too
    expect(c.take()).toEqual([err(c.a.id, 3)]);
  });

  it('answers a wrong version with ERROR 0 and drops non-Relay and malformed datagrams', () => {
    const c = bound();
    c.send(`da7201020${'0'.repeat(31)}`.slice(0, 8) + hex(c.a.id) + '0100');
    expect(c.take()).toEqual([err(c.a.id, RelayErrorCode.InvalidProtocolVersion)]);
    for (const junk of ['00', '5554500101', 'da72000000', 'da720002' + hex(c.a.id), 'da72000a' + hex(c.a.id), 'da720007', 'da720006']) c.send(junk);
    expect(c.take()).toEqual([]);
    expect(server.load.dropped).toMatchObject({ malformed: 5, unexpected: 2 });
  });
});

describe('PING', () => {
  it('echoes a PING from the bound client, refuses one from elsewhere with ERROR 3 (once per second)', () => {
    const c = bound();
    c.send(encodePing(c.a.id));
    expect(c.take()).toEqual([hex(encodePing(c.a.id))]);
    const other = new Client(c.a);
    other.send(encodePing(c.a.id));
    other.send(encodePing(c.a.id));
    expect(other.take()).toEqual([err(c.a.id, 3)]);
    clock.now += 1000;
    other.send(encodePing(c.a.id));
    expect(other.take()).toEqual([err(c.a.id, 3)]);
  });
});

describe('CONNECT_REQUEST', () => {
  it('ACCEPTED (from host, to joiner), again on a repeat, without counting twice', () => {
    const { host, joiner } = pair();
    joiner.send(encodeConnectRequest(joiner.a.id, host.a.connectionData));
    expect(joiner.take()).toEqual([hex(encodeFromTo(RelayMessageType.Accepted, host.a.id, joiner.a.id))]);
    expect(host.a.joiners.size).toBe(1);
    expect(host.take()).toEqual([]); // the host hears of joiners only through their RELAY (§7.3 rule 3)
  });

  it('REJECTED when the host allocation is full', () => {
    const host = bound(1), first = bound(), second = bound();
    first.send(encodeConnectRequest(first.a.id, host.a.connectionData));
    expect(first.take()[0]).toMatch(/^da720006/);
    second.send(encodeConnectRequest(second.a.id, host.a.connectionData));
    expect(second.take()).toEqual([hex(encodeFromTo(RelayMessageType.Rejected, host.a.id, second.a.id))]);
  });

  it('ERROR 6 for self-connect, 4 for an unknown host, 5 for a host not bound, 4 for an unknown joiner', () => {
    const c = bound();
    c.send(encodeConnectRequest(c.a.id, c.a.connectionData));
    expect(c.take()).toEqual([err(c.a.id, RelayErrorCode.SelfConnectNotAllowed)]);
    c.send(encodeConnectRequest(c.a.id, new Uint8Array(255).fill(7)));
    expect(c.take()).toEqual([err(c.a.id, RelayErrorCode.AllocationIdNotFound)]);
    const idle = alloc();
    c.send(encodeConnectRequest(c.a.id, idle.connectionData));
    expect(c.take()).toEqual([err(c.a.id, RelayErrorCode.NotConnected)]);
    const ghost = new Uint8Array(16).fill(9);
    c.send(encodeConnectRequest(ghost, idle.connectionData));
    expect(c.take()).toEqual([err(ghost, RelayErrorCode.AllocationIdNotFound)]);
    expect(server.load.errorsSent).toMatchObject({ 4: 2, 5: 1, 6: 1 });
  });
});

describe('RELAY', () => {
  it('forwards unchanged both ways between linked allocations', () => {
    const { host, joiner } = pair();
    const up = encodeRelay(joiner.a.id, host.a.id, Uint8Array.of(1, 2, 3));
    joiner.send(up);
    expect(host.take()).toEqual([hex(up)]);
    const down = encodeRelay(host.a.id, joiner.a.id, Uint8Array.of(4, 5));
    host.send(down);
    expect(joiner.take()).toEqual([hex(down)]);
    expect(server.load).toMatchObject({ joins: 1, packetsIn: 5 }) // 2 BIND, CONNECT_REQUEST, 2 RELAY;
  });

  it('ERROR 5 to an unlinked allocation, 4 from an unknown one, 3 from the wrong client; bad lengths dropped', () => {
    const { host, joiner } = pair();
    const stranger = bound();
    stranger.send(encodeRelay(stranger.a.id, host.a.id, Uint8Array.of(1)));
    expect(stranger.take()).toEqual([err(host.a.id, RelayErrorCode.NotConnected)]);
    const ghost = new Uint8Array(16).fill(3);
    stranger.send(encodeRelay(ghost, host.a.id, Uint8Array.of(1)));
    expect(stranger.take()).toEqual([err(ghost, RelayErrorCode.AllocationIdNotFound)]);
    stranger.send(encodeRelay(joiner.a.id, host.a.id, Uint8Array.of(1)));
    expect(stranger.take()).toEqual([err(joiner.a.id, RelayErrorCode.AllocationIdClientMismatch)]);
    const bad = encodeRelay(joiner.a.id, host.a.id, Uint8Array.of(1, 2));
    bad[37] = 3; // length says 3, 2 follow
    joiner.send(bad);
    expect(host.take()).toEqual([]);
  });
});

describe('DISCONNECT', () => {
  it('is forwarded to the peer and dissolves the link; a second one is dropped quietly', () => {
    const { host, joiner } = pair();
    const d = encodeFromTo(RelayMessageType.Disconnect, joiner.a.id, host.a.id);
    joiner.send(d);
    expect(host.take()).toEqual([hex(d)]);
    expect(host.a.joiners.size).toBe(0);
    host.send(encodeFromTo(RelayMessageType.Disconnect, host.a.id, joiner.a.id));
    expect(joiner.take()).toEqual([]);
    joiner.send(encodeRelay(joiner.a.id, host.a.id, Uint8Array.of(1)));
    expect(joiner.take()).toEqual([err(host.a.id, RelayErrorCode.NotConnected)]);
  });
});

describe('expiry and load', () => {
  it('expires a bound allocation after 10 s of silence, tells its peers, then answers ERROR 1', () => {
    const { host, joiner } = pair();
    clock.now = 9_999;
    joiner.send(encodePing(joiner.a.id));
    joiner.take();
    server.update(clock.now);
    expect(server.store.size).toBe(2);
    clock.now = 10_000;
    server.update(clock.now);
    expect(server.store.size).toBe(1);
    expect(joiner.take()).toEqual([hex(encodeFromTo(RelayMessageType.Disconnect, host.a.id, joiner.a.id))]);
    host.send(encodePing(host.a.id));
    expect(host.take()).toEqual([err(host.a.id, RelayErrorCode.PlayerTimedOut)]);
    host.bind(5);
    expect(host.take()).toEqual([err(new Uint8Array(16), RelayErrorCode.PlayerTimedOut)]);
  });

  it('expires never-bound allocations after unboundTimeoutMs', () => {
    alloc();
    server.update(59_999);
    expect(server.store.size).toBe(1);
    server.update(60_000);
    expect(server.store.size).toBe(0);
  });

  it('rate-limits per source address and reports packets per second', async () => {
    const limited = await memoryRelay(net = new IPCNetwork(), clock, { rateLimit: { packetsPerSecond: 10, burst: 5 } });
    server = limited;
    const c = bound();
    for (let i = 0; i < 10; i++) c.send(encodePing(c.a.id));
    expect(c.take().length).toBe(4); // the BIND took one token of five
    expect(limited.load.dropped.rateLimited).toBe(6);
    limited.update(0);
    clock.now = 500; // five tokens back
    for (let i = 0; i < 10; i++) c.send(encodePing(c.a.id));
    expect(c.take().length).toBe(5);
    limited.update(1000);
    expect(limited.load.packetsPerSecond).toBe(10); // the 10 PINGs since update(0)
  });
});
