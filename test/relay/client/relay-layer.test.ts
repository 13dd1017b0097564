/**
 * The client layer (spec §7.3) against a raw relay written from the spec: every byte it sends is checked
 * against the vectors, on a fake clock, over the in-memory network.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DisconnectReason, IPCNetwork, NetworkEndpoint, NetworkSettings, UDPNetworkInterface } from '../../../plugin/index.ts';
import { RelayConnectionStatus, RelayServerData, webCryptoHmacSha256, withRelayParameters } from '../../../plugin/relay/index.ts';
import { NetworkDriver } from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { RawPeer } from '../../support/driver.ts';
import {
  A, B, C, K, RecordingSink, RELAY_PORT, relayEndpoint, relayInterface, vectorServerData, type RelayRig,
} from '../harness.ts';
import { fromHex, hex } from '../../support/hex.ts';
import { sleep } from '../../support/pump.ts';

const { NotEstablished, Established, AllocationInvalid } = RelayConnectionStatus;
const TV = (id: string) => hex(vectorBytes(id)).replace(/ /g, '');
const BIND_RECEIVED = 'da720001';
const ACCEPTED = TV('TV-18');
const bindNonce = (h: string) => parseInt(h.slice(12, 14) + h.slice(10, 12), 16);
const error = (code: number) => fromHex(`da72000c ${hex(A)} 0${code}`);
const REQUEST = fromHex('5554500101 0102030405060708'); // an SCL ConnectionRequest (TV-1)

let net: IPCNetwork, relay: RawPeer, iface: RelayRig, sink: RecordingSink;

beforeEach(async () => {
  net = new IPCNetwork();
  relay = new RawPeer(net, RELAY_PORT);
  ({ iface, sink } = await relayInterface(net));
});

/** Binds at t=0 and answers; returns the clock (0). */
function establish(): void {
  iface.update(0);
  expect(relay.take()).toEqual([TV('TV-14')]);
  relay.send(iface.localEndpoint, BIND_RECEIVED);
  iface.update(0);
  expect(iface.relayConnectionStatus).toBe(Established);
}

/** Sends an SCL packet to the host as the driver would. */
function sclSend(packet: Uint8Array, to: NetworkEndpoint = relayEndpoint): void {
  iface.send(packet, 0, packet.length, to);
}

describe('binding (rule 1)', () => {
  it('reports its header budget: 40 + the carrier (spec §2.4)', () => {
    expect(iface.layer.headerSize).toBe(40);
    const settings = withRelayParameters(new NetworkSettings(), vectorServerData());
    expect(NetworkDriver.create(new UDPNetworkInterface(), settings).packetPadding).toBe(40 + 9 + 1);
  });

  it('sends TV-14 at the first update, then TV-14b after connectTimeoutMS: the nonce grows after each BIND', () => {
    expect(iface.relayConnectionStatus).toBe(NotEstablished);
    iface.update(0);
    expect(relay.take()).toEqual([TV('TV-14')]);
    iface.update(999);
    expect(relay.take()).toEqual([]);
    iface.update(1000);
    expect(relay.take()).toEqual([TV('TV-14b')]);
    iface.update(2000);
    expect(relay.take().map(bindNonce)).toEqual([2]);
    relay.send(iface.localEndpoint, BIND_RECEIVED);
    iface.update(2010);
    expect(iface.relayConnectionStatus).toBe(Established);
    iface.update(3100);
    expect(relay.take()).toEqual([]); // bound: no more BINDs
    expect(iface.nonce).toBe(3);
  });

  it('gives up with AllocationInvalid after maxConnectAttempts × connectTimeoutMS', async () => {
    const settings = new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 3 });
    ({ iface } = await relayInterface(new IPCNetwork(), vectorServerData(), { settings }));
    for (let t = 0; t < 300; t += 10) iface.update(t);
    expect(iface.relayConnectionStatus).toBe(NotEstablished);
    expect(iface.statistics.bindsSent).toBe(3);
    iface.update(300);
    expect(iface.relayConnectionStatus).toBe(AllocationInvalid);
    iface.update(10_000);
    expect(iface.statistics.bindsSent).toBe(3); // timers stop
  });

  it('with WebCrypto the BIND is precomputed: the first update after bind sends it once the HMAC resolved', async () => {
    const net2 = new IPCNetwork();
    const relay2 = new RawPeer(net2, RELAY_PORT);
    // Record each WebCrypto computation so the test waits for exactly those, not for a guessed delay.
    const computing: Promise<unknown>[] = [];
    const webCrypto = webCryptoHmacSha256();
    const hmac: typeof webCrypto = (key, message) => { const p = webCrypto(key, message); computing.push(Promise.resolve(p)); return p; };
    const r = await relayInterface(net2, vectorServerData(), { hmac });
    const settled = async (): Promise<void> => { await Promise.all(computing); await sleep(0); };
    await settled(); // nonces 0 and 1
    expect(computing.length).toBeGreaterThanOrEqual(2);
    r.iface.update(0);
    expect(relay2.take()).toEqual([TV('TV-14')]);
    await settled();
    r.iface.update(1000);
    expect(relay2.take()).toEqual([TV('TV-14b')]);
  });
});

describe('keep-alive (rule 5)', () => {
  it('PINGs (TV-16) after 3 s without sending, re-BINDs with the same nonce after 9 s without receiving', () => {
    establish(); // BIND at 0, nonce now 1
    iface.update(2999);
    expect(relay.take()).toEqual([]);
    iface.update(3000);
    expect(relay.take()).toEqual([TV('TV-16')]);
    iface.update(6000);
    expect(relay.take()).toEqual([TV('TV-16')]);
    iface.update(8999);
    expect(relay.take()).toEqual([]);
    iface.update(9000);
    expect(relay.take()).toEqual([TV('TV-14b')]); // nonce 1, not bumped by a keep-alive re-BIND
    iface.update(10_000);
    expect(relay.take()).toEqual([TV('TV-14b')]); // every connectTimeoutMS while silent
    relay.send(iface.localEndpoint, BIND_RECEIVED);
    iface.update(10_500);
    expect(relay.take()).toEqual([]);
    iface.update(13_500);
    expect(relay.take()).toEqual([TV('TV-16')]);
    expect(iface.relayConnectionStatus).toBe(Established);
  });

  it('sending postpones the PING; any valid message postpones the re-BIND', () => {
    establish(); // BIND at 0
    relay.send(iface.localEndpoint, 'da720002' + hex(A) + '0100'); // our server's PING echo: a valid message
    iface.update(2000);
    sclSend(REQUEST); // join path: CONNECT_REQUEST leaves at once, then every second while the SCL asks
    for (const t of [3000, 4000, 5000, 6000, 7999]) iface.update(t);
    expect(relay.take().map((h) => h.slice(0, 8))).toEqual(Array(4).fill('da720003'));
    iface.update(8000);
    expect(relay.take()).toEqual([TV('TV-16')]); // 3 s after the last CONNECT_REQUEST
    iface.update(10_999);
    expect(relay.take()).toEqual([]);
    iface.update(11_000);
    expect(relay.take()).toEqual([TV('TV-14b')]); // 9 s after the PING echo, not after BIND_RECEIVED
  });

  it('gives up re-binding after the connect budget: AllocationInvalid', async () => {
    const settings = new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 5 });
    ({ iface } = await relayInterface(net = new IPCNetwork(), vectorServerData(), { settings }));
    relay = new RawPeer(net, RELAY_PORT);
    establish();
    iface.update(9000 + 499);
    expect(iface.relayConnectionStatus).toBe(Established);
    iface.update(9000 + 500);
    expect(iface.relayConnectionStatus).toBe(AllocationInvalid);
  });

  it('relayConnectionTimeMS 0 disables PING and re-BIND', async () => {
    ({ iface } = await relayInterface(net = new IPCNetwork(), vectorServerData(), { relayConnectionTimeMS: 0 }));
    relay = new RawPeer(net, RELAY_PORT);
    establish();
    for (let t = 0; t <= 60_000; t += 500) iface.update(t);
    expect(relay.take()).toEqual([]);
    expect(iface.relayConnectionStatus).toBe(Established);
  });
});

describe('ERROR codes (spec §7.2)', () => {
  it('TV-20 (code 3) re-BINDs at once with nonce + 1', () => {
    establish(); // nonce 1
    relay.send(iface.localEndpoint, vectorBytes('TV-20'));
    iface.update(100);
    const [b] = relay.take();
    expect(bindNonce(b)).toBe(2);
    expect(iface.statistics.errors[3]).toBe(1);
  });

  it.each([[1], [4]])('code %i invalidates the allocation', (code) => {
    establish();
    const seen: number[] = [];
    iface.layer.onRelayError = (c) => seen.push(c);
    relay.send(iface.localEndpoint, error(code));
    iface.update(10);
    expect(iface.relayConnectionStatus).toBe(AllocationInvalid);
    expect(seen).toEqual([code]);
    iface.update(20_000);
    expect(relay.take()).toEqual([]); // nothing more: no PING, no re-BIND
  });

  it.each([[0], [2], [5], [6]])('code %i is counted and reported, status unchanged', (code) => {
    establish();
    relay.send(iface.localEndpoint, error(code));
    iface.update(10);
    expect(iface.relayConnectionStatus).toBe(Established);
    expect(iface.statistics.lastErrorCode).toBe(code);
  });
});

describe('joining (rule 2), TV-17/TV-18/TV-15', () => {
  it('holds SCL packets until ACCEPTED, sends CONNECT_REQUEST (TV-17) every second, then relays (TV-15)', () => {
    sclSend(REQUEST); // before BIND_RECEIVED: nothing but the BIND
    iface.update(0);
    expect(relay.take()).toEqual([TV('TV-14')]);
    relay.send(iface.localEndpoint, BIND_RECEIVED);
    iface.update(10);
    expect(relay.take()).toEqual([TV('TV-17')]);
    sclSend(REQUEST); // the SCL's retry is held too
    iface.update(1009);
    expect(relay.take()).toEqual([]);
    iface.update(1010);
    expect(relay.take()).toEqual([TV('TV-17')]);
    expect(iface.statistics.dropped.notJoined).toBe(2);

    relay.send(iface.localEndpoint, ACCEPTED); // from B (the host) to A
    iface.update(1100);
    // The held ConnectionRequest leaves at once, behind a RELAY header to B.
    expect(relay.take()).toEqual([`da72000a${hex(A)}${hex(B)}000d${hex(REQUEST)}`]);
    sclSend(vectorBytes('TV-4'));
    expect(relay.take()).toEqual([TV('TV-15')]);
    iface.update(3000);
    expect(relay.take()).toEqual([]); // no more CONNECT_REQUESTs; the data counted as sending, so no PING yet
  });

  it('delivers the host\'s RELAY packets as coming from the endpoint the driver connected to', () => {
    establish();
    sclSend(REQUEST);
    relay.send(iface.localEndpoint, ACCEPTED);
    iface.update(10);
    relay.take();
    relay.send(iface.localEndpoint, `da72000a${hex(B)}${hex(A)}000c${hex(vectorBytes('TV-4')).replace(/ /g, '')}`);
    expect(sink.received).toEqual([{ hex: TV('TV-4'), address: '127.0.0.1', port: RELAY_PORT }]);
  });

  it('stops asking once the SCL stops (it gave up or closed)', () => {
    establish();
    sclSend(REQUEST);
    for (let t = 0; t <= 10_000; t += 100) iface.update(t);
    expect(relay.take().filter((h) => h.startsWith('da720003')).length).toBe(4); // at 0, 1000, 2000, 3000
  });

  it('REJECTED closes the joining connection with ClosedByRemote and invalidates the allocation (rule 7)', () => {
    establish();
    sclSend(REQUEST);
    relay.send(iface.localEndpoint, `da720008${hex(B)}${hex(A)}`);
    iface.update(10);
    expect(sink.closedLinks).toEqual([{ address: '127.0.0.1', port: RELAY_PORT, reason: DisconnectReason.ClosedByRemote }]);
    expect(iface.relayConnectionStatus).toBe(AllocationInvalid);
  });

  it('only one outgoing connection: packets for a second target are dropped', () => {
    establish();
    sclSend(REQUEST);
    sclSend(REQUEST, NetworkEndpoint.loopbackIpv4.withPort(1234));
    expect(iface.statistics.dropped.secondConnection).toBe(1);
  });
});

describe('DISCONNECT (rule 6), TV-19', () => {
  function joined(): void {
    establish();
    sclSend(REQUEST);
    relay.send(iface.localEndpoint, ACCEPTED);
    iface.update(10);
    relay.take();
  }

  it('follows the release of a connection (after its SCL Disconnect) with TV-19 and forgets the peer', () => {
    joined();
    const disconnect = fromHex('02 0102030405060708');
    sclSend(disconnect);
    iface.layer.connectionClosed(relayEndpoint);
    expect(relay.take()).toEqual([`da72000a${hex(A)}${hex(B)}0009${hex(disconnect)}`, TV('TV-19')]);
    sclSend(vectorBytes('TV-4')); // a new connect would have to join again
    iface.update(20);
    expect(relay.take()).toEqual([TV('TV-17')]);
  });

  it('a DISCONNECT from the host closes its connection with ProtocolError', () => {
    joined();
    relay.send(iface.localEndpoint, `da720009${hex(B)}${hex(A)}`);
    iface.update(20);
    expect(sink.closedLinks).toEqual([{ address: '127.0.0.1', port: RELAY_PORT, reason: DisconnectReason.ProtocolError }]);
  });

  it('a DISCONNECT for another id or from an unknown peer is dropped', () => {
    joined();
    relay.send(iface.localEndpoint, `da720009${hex(B)}${hex(B)}`);
    relay.send(iface.localEndpoint, `da720009${hex(C.subarray(0, 16))}${hex(A)}`);
    iface.update(20);
    expect(sink.closedLinks).toEqual([]);
    expect(iface.statistics.dropped.notForUs).toBe(1);
    expect(iface.statistics.dropped.unknownPeer).toBe(1);
  });
});

describe('hosting (rule 3)', () => {
  it('a RELAY from an unknown allocation creates a peer at the id\'s hex address; replies go back to it', () => {
    establish();
    const J = C.subarray(0x40, 0x50);
    relay.send(iface.localEndpoint, `da72000a${hex(J)}${hex(A)}000d${hex(REQUEST)}`);
    expect(sink.received).toEqual([{ hex: hex(REQUEST), address: hex(J), port: 0 }]);
    const accept = fromHex('5554500102 0102030405060708');
    sclSend(accept, NetworkEndpoint.custom(hex(J), 0));
    expect(relay.take()).toEqual([`da72000a${hex(A)}${hex(J)}000d${hex(accept)}`]);
  });
});

describe('bad input is dropped and counted, never thrown', () => {
  it('malformed, foreign, misaddressed and unknown messages', () => {
    establish();
    const s = iface.statistics.dropped;
    const to = iface.localEndpoint;
    relay.send(to, 'da72'); // short
    relay.send(to, '72da000a'); // byte-swapped signature
    relay.send(to, 'da72010a'); // version 1
    relay.send(to, `da72000a${hex(B)}${hex(A)}000d0102`); // RELAY length ≠ remaining
    relay.send(to, `da72000a${hex(B)}${hex(B)}0002aabb`); // RELAY for someone else
    relay.send(to, `da720006${hex(B)}`); // short ACCEPTED
    relay.send(to, 'da72000c0011'); // short ERROR
    relay.send(to, 'da720005'); // unused type 5
    relay.send(to, 'da720000'); // a BIND from the "server"
    new RawPeer(net, 7001).send(to, TV('TV-15')); // not from the relay endpoint
    iface.update(10);
    expect(s).toMatchObject({ malformed: 6, notForUs: 1, unexpected: 2, foreignSource: 1 });
    expect(sink.received).toEqual([]);
    expect(iface.relayConnectionStatus).toBe(Established);
  });

  it('fuzzed datagrams never throw', () => {
    establish();
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 2000; i++) {
      const b = Uint8Array.from({ length: rnd() % 64 }, rnd);
      if (b.length > 4 && i % 2) { b[0] = 0xda; b[1] = 0x72; b[2] = 0; b[3] = [1, 2, 6, 8, 9, 10, 12][i % 7]; }
      relay.send(iface.localEndpoint, b);
      if (i % 50 === 0) iface.update(i);
    }
    iface.update(3000);
  });
});

describe('construction', () => {
  it('puts a DTLS layer under Relay for dtls data (UDP + Relay + DTLS padding 87, spec §2.4) and refuses a mismatched carrier (§2.3)', () => {
    const base = { endpoint: relayEndpoint, allocationId: A, connectionData: C, key: K };
    const driver = (data: RelayServerData) => NetworkDriver.create(new UDPNetworkInterface(), withRelayParameters(new NetworkSettings(), data));
    const secure = driver(new RelayServerData({ ...base, connectionType: 'dtls' }));
    expect(secure.stack.layer('DTLS')?.headerSize).toBe(37);
    expect(secure.packetPadding).toBe(87);
    secure.dispose();
    expect(() => driver(new RelayServerData({ ...base, connectionType: 'ws' }))).toThrow(/UDP/);
  });
});
