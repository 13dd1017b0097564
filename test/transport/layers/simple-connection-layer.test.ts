import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, IPCNetwork, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, StatusCode,
  type NetworkDriver, NetworkConnection,
} from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { drain, makeDriver, RawPeer, T } from '../../support/driver.ts';
import { hex, text } from '../../support/hex.ts';

const { Connect, Data, Disconnect } = NetworkEventType;

describe('client side of the handshake (spec §3.5, fake clock)', () => {
  let net: IPCNetwork, raw: RawPeer, client: NetworkDriver;
  beforeEach(async () => {
    net = new IPCNetwork();
    raw = new RawPeer(net, 9000);
    client = await makeDriver(net, 0, new NetworkSettings(), false);
  });

  function requestToken(): string {
    const [req] = raw.take();
    expect(req).toMatch(/^5554500101[0-9a-f]{16}$/);
    return req.slice(10, 26);
  }

  it('sends a ConnectionRequest at the first update and retries every connectTimeoutMS', () => {
    const c = client.connect(raw.endpoint);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connecting);
    client.update(0);
    const token = requestToken();
    client.update(1000);
    expect(raw.take()).toEqual([]); // not yet: the retry needs *more* than 1000 ms (§3.5 client 2)
    client.update(1001);
    expect(raw.take()).toEqual([`5554500101${token}`]); // same token on every retry
    client.update(1500);
    expect(raw.take()).toEqual([]);
  });

  it('attaches the connect payload to every request (TV-2 form)', () => {
    client.connect(raw.endpoint, new TextEncoder().encode('auth'));
    client.update(0);
    const [first] = raw.take();
    expect(first).toMatch(/^5554500101[0-9a-f]{16}040061757468$/);
    client.update(1001);
    expect(raw.take()).toEqual([first]);
  });

  it('gives up with MaxConnectionAttempts after maxConnectAttempts requests', async () => {
    client = await makeDriver(net, 0, new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 3 }), false);
    const c = client.connect(raw.endpoint);
    for (let t = 0; t <= 400; t += 10) client.update(t);
    expect(raw.take().length).toBe(3);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Disconnected);
  });

  it('reports the give-up as a Disconnect event with reason 2', async () => {
    client = await makeDriver(net, 0, new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 2 }), false);
    const c = client.connect(raw.endpoint);
    const seen = [];
    for (let t = 0; t <= 400; t += 10) { client.update(t); seen.push(...drain(client)); }
    expect(seen).toEqual([{ type: Disconnect, connection: c.toString(), pipeline: 0, data: '02' }]);
  });

  it('completes on ConnectionAccept and surfaces the accept payload with Connect (2.7)', () => {
    const c = client.connect(raw.endpoint);
    client.update(0);
    const token = requestToken();
    raw.send(client.localEndpoint(), `5554500102${token}02006f6b`);
    client.update(16);
    expect(drain(client)).toEqual([{ type: Connect, connection: c.toString(), pipeline: 0, data: hex(text('ok')) }]);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connected);
    expect(new TextDecoder().decode(client.getConnectionPayload(c)!)).toBe('ok');
    // A duplicate accept changes nothing and is counted as a drop.
    raw.send(client.localEndpoint(), `5554500102${token}`);
    client.update(32);
    expect(drain(client)).toEqual([]);
    expect(client.getStatistics().dropped.wrongState).toBe(1);
  });

  it('treats any message with its token as an implicit accept (lost accept, §3.5 client 4)', () => {
    const c = client.connect(raw.endpoint);
    client.update(0);
    const token = requestToken();
    raw.send(client.localEndpoint(), `01${token}00${hex(text('hi'))}`);
    client.update(16);
    expect(drain(client)).toEqual([
      { type: Connect, connection: c.toString(), pipeline: 0, data: '' },
      { type: Data, connection: c.toString(), pipeline: 0, data: hex(text('hi')) },
    ]);
    client.update(1100);
    expect(raw.take().some((p) => p.startsWith('55545001'))).toBe(false); // no more requests
  });

  it('ignores an accept carrying another token', () => {
    const c = client.connect(raw.endpoint);
    client.update(0);
    requestToken();
    raw.send(client.localEndpoint(), `5554500102${T}`);
    client.update(16);
    expect(drain(client)).toEqual([]);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connecting);
  });
});

describe('server side of the handshake and connection life (raw client with token T)', () => {
  let net: IPCNetwork, raw: RawPeer, server: NetworkDriver;
  beforeEach(async () => {
    net = new IPCNetwork();
    raw = new RawPeer(net, 9001);
    server = await makeDriver(net, 7777);
  });

  /** Connects the raw client; its heartbeat right after the request proves its address (no longer half-open). */
  function connectRaw(t = 0, request = vectorBytes('TV-1')): NetworkConnection {
    raw.send(server.localEndpoint(), request);
    raw.send(server.localEndpoint(), vectorBytes('TV-5'));
    server.update(t);
    const c = server.accept();
    expect(c).not.toBeNull();
    return c!;
  }

  it('answers TV-1 with exactly TV-3a and exposes the connection through accept()', () => {
    const c = connectRaw();
    expect(raw.take()).toEqual([hex(vectorBytes('TV-3a'))]);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Connected);
    expect(server.remoteEndpoint(c)!.equals(raw.endpoint)).toBe(true);
    expect(server.accept()).toBeNull();
  });

  it('exposes the TV-2 connect payload and sends the TV-3b accept payload', () => {
    server.setAcceptPayload(new TextEncoder().encode('ok'));
    raw.send(server.localEndpoint(), vectorBytes('TV-2'));
    server.update(0);
    const out: { payload?: Uint8Array | null } = {};
    expect(server.accept(out)).not.toBeNull();
    expect(new TextDecoder().decode(out.payload!)).toBe('auth');
    expect(raw.take()).toEqual([hex(vectorBytes('TV-3b'))]);
  });

  it('answers every duplicate request again without creating a second connection', () => {
    connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(100);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-3a')), hex(vectorBytes('TV-3a'))]);
    expect(server.accept()).toBeNull();
    expect(server.getStatistics().connections).toBe(1);
  });

  it('delivers TV-4 as a Data event on pipeline 0 and sends pipeline-0 data as TV-4', () => {
    const c = connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), vectorBytes('TV-4'));
    server.update(10);
    expect(drain(server)).toEqual([{ type: Data, connection: c.toString(), pipeline: 0, data: hex(text('hi')) }]);
    expect(server.send(c, 0, new TextEncoder().encode('hi'))).toBe(2);
    server.flush();
    expect(raw.take()).toEqual([hex(vectorBytes('TV-4'))]);
  });

  it('forwards the bytes of an event by offset and length, without a view, byte-exactly', () => {
    const c = connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), `01${T}00${hex(text('hello world, this message is longer than sixty-four bytes for the set path!'))}`);
    server.update(10);
    const ev = new NetworkEvent();
    expect(server.popEvent(ev)).toBe(Data);
    expect(Buffer.from(ev.bytes.subarray(ev.offset, ev.offset + ev.length)).toString()).toBe(Buffer.from(ev.data).toString());
    expect(server.send(c, 0, ev.bytes, ev.offset, ev.length)).toBe(ev.length);
    expect(server.send(c, 0, ev.bytes, ev.offset + 6, 5)).toBe(5);
    server.flush();
    expect(raw.take()).toEqual([
      `01${T}00${hex(text('hello world, this message is longer than sixty-four bytes for the set path!'))}`,
      `01${T}00${hex(text('world'))}`,
    ]);
    expect(() => server.send(c, 0, ev.bytes, ev.offset, ev.bytes.length + 1)).toThrow(/outside/);
  });

  it('sends an empty pipeline-0 message as the 10-byte prefix (§4.4)', () => {
    const c = connectRaw();
    raw.take();
    expect(server.send(c, 0, new Uint8Array(0))).toBe(0);
    server.flush();
    expect(raw.take()).toEqual([`01${T}00`]);
  });

  it('sends TV-5 heartbeats when nothing was sent for heartbeatTimeoutMS, and none while sending', () => {
    const c = connectRaw(0);
    raw.take();
    server.update(500);
    expect(raw.take()).toEqual([]);
    server.update(501);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-5'))]);
    server.update(900);
    server.send(c, 0, Uint8Array.of(1));
    server.update(1200);
    expect(raw.take()).toEqual([`01${T}0001`]); // the data reset the idle timer: no heartbeat at 1200
    raw.send(server.localEndpoint(), vectorBytes('TV-5')); // heartbeats from the peer keep it alive
    server.update(1300);
    expect(drain(server)).toEqual([]);
  });

  it('times out after disconnectTimeoutMS of receive silence, sending TV-6 and reporting Timeout', async () => {
    server = await makeDriver(net, 7778, new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 2000, heartbeatTimeoutMS: 0 }));
    const c = connectRaw(0);
    raw.take();
    raw.send(server.localEndpoint(), vectorBytes('TV-5'));
    server.update(1500); // refreshed at 1500
    server.update(3500);
    expect(raw.take()).toEqual([]);
    server.update(3501);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-6'))]);
    expect(drain(server)).toEqual([{ type: Disconnect, connection: c.toString(), pipeline: 0, data: '01' }]);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Disconnected);
  });

  it('disconnectTimeoutMS 0 disables the timeout; heartbeatTimeoutMS 0 disables heartbeats (2.5.2+)', async () => {
    server = await makeDriver(net, 7779, new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 0, heartbeatTimeoutMS: 0 }));
    const c = connectRaw(0);
    raw.take();
    server.update(1_000_000);
    expect(raw.take()).toEqual([]);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Connected);
  });

  it('reports a received TV-6 as ClosedByRemote and sends nothing back', () => {
    const c = connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), vectorBytes('TV-6'));
    server.update(10);
    expect(drain(server)).toEqual([{ type: Disconnect, connection: c.toString(), pipeline: 0, data: '03' }]);
    server.update(20);
    expect(raw.take()).toEqual([]);
  });

  it('disconnect() sends exactly one TV-6 at the next update, with no local event', () => {
    const c = connectRaw();
    raw.take();
    expect(server.disconnect(c)).toBe(StatusCode.Success);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Disconnected);
    server.update(10);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-6'))]);
    expect(drain(server)).toEqual([]);
    server.update(20);
    server.update(2000);
    expect(raw.take()).toEqual([]);
  });

  it('dispose() right after disconnect() still sends that TV-6', () => {
    const c = connectRaw();
    raw.take();
    server.disconnect(c);
    server.dispose();
    expect(raw.take()).toEqual([hex(vectorBytes('TV-6'))]);
  });

  it('answers TV-7 with TV-8', () => {
    connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), vectorBytes('TV-7'));
    server.update(10);
    // A 1024-byte probe at our default maxMessageSize 1400 is acknowledged as 1024; TV-8 is the 1400 probe's ack.
    expect(raw.take()).toEqual([`05${T}0200${(1024).toString(16).padStart(4, '0').replace(/(..)(..)/, '$2$1')}`]);
    const probe1400 = new Uint8Array(1400);
    probe1400.set(vectorBytes('TV-7').subarray(0, 9));
    probe1400[9] = 0x6d; probe1400[10] = 0x05;
    raw.send(server.localEndpoint(), probe1400);
    server.update(20);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-8'))]);
  });

  it('drops unknown tokens and bad versions silently and counts them', () => {
    const c = connectRaw();
    raw.take();
    raw.send(server.localEndpoint(), `01${'ffffffffffffffff'}00${hex(text('x'))}`);
    raw.send(server.localEndpoint(), `5554500201${'1111111111111111'}`);
    raw.send(server.localEndpoint(), '0102');
    server.update(10);
    expect(raw.take()).toEqual([]);
    expect(drain(server)).toEqual([]);
    const dropped = server.getStatistics().dropped;
    expect(dropped.unknownToken).toBe(1);
    expect(dropped.badVersion).toBe(1);
    expect(dropped.malformed).toBe(1);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Connected);
  });

  it('drops data for an unknown pipeline id and counts it', () => {
    const c = connectRaw();
    raw.send(server.localEndpoint(), `01${T}07${hex(text('x'))}`);
    server.update(10);
    expect(drain(server)).toEqual([]);
    expect(server.getStatistics().dropped.badPipeline).toBe(1);
    expect(server.getConnectionState(c)).toBe(ConnectionState.Connected);
  });

  it('follows a connection to a new address (roaming, §3.7), unless pinned', async () => {
    const c = connectRaw();
    const moved = new RawPeer(net, 9100);
    moved.send(server.localEndpoint(), vectorBytes('TV-5'));
    server.update(10);
    expect(server.remoteEndpoint(c)!.port).toBe(9100);
    server.send(c, 0, Uint8Array.of(7));
    server.flush();
    expect(moved.take()).toEqual([`01${T}0007`]);

    const pinned = await makeDriver(net, 7780, new NetworkSettings().withLocalParameters({ connectionRoaming: false }));
    raw.send(pinned.localEndpoint(), vectorBytes('TV-1'));
    pinned.update(0);
    const p = pinned.accept()!;
    moved.send(pinned.localEndpoint(), vectorBytes('TV-4'));
    pinned.update(10);
    expect(drain(pinned)).toEqual([]);
    expect(pinned.remoteEndpoint(p)!.port).toBe(9001);
    expect(pinned.getStatistics().dropped.addressMismatch).toBe(1);
  });

  it('discards events of connections not yet accepted, and unpopped events at the next update', () => {
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    raw.send(server.localEndpoint(), vectorBytes('TV-4'));
    server.update(0);
    expect(drain(server)).toEqual([]); // not accepted yet: UTP's PopEvent drops them
    const c = server.accept()!;
    raw.send(server.localEndpoint(), vectorBytes('TV-4'));
    server.update(10);
    expect(server.getEventQueueSizeForConnection(c)).toBe(1);
    server.update(20);
    expect(server.getEventQueueSizeForConnection(c)).toBe(0);
  });

  it('refuses stale handles with UTP codes after an id is reused', () => {
    const c = connectRaw();
    server.disconnect(c);
    server.update(10);
    server.update(20); // released
    expect(server.send(c, 0, Uint8Array.of(1))).toBe(StatusCode.NetworkVersionMismatch);
    const other = new RawPeer(net, 9200);
    other.send(server.localEndpoint(), `5554500101${'aaaaaaaaaaaaaaaa'}`);
    server.update(30);
    const c2 = server.accept()!;
    expect(c2.id).toBe(c.id);
    expect(c2.version).toBe(c.version + 1);
    expect(server.send(c, 0, Uint8Array.of(1))).toBe(StatusCode.NetworkVersionMismatch);
    expect(server.disconnect(c)).toBe(StatusCode.NetworkVersionMismatch);
    expect(server.send(new NetworkConnection(99, 1), 0, Uint8Array.of(1))).toBe(StatusCode.NetworkIdMismatch);
    expect(server.send(c2, 0, Uint8Array.of(1))).toBe(1);
  });

  it('a bound driver that is not listening completes the handshake, then disconnects (§3.7, §11.2)', async () => {
    const quiet = await makeDriver(net, 7781, new NetworkSettings(), false);
    raw.send(quiet.localEndpoint(), vectorBytes('TV-1'));
    raw.send(quiet.localEndpoint(), vectorBytes('TV-5'));
    quiet.update(0);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-3a'))]);
    expect(quiet.accept()).toBeNull();
    quiet.update(10);
    expect(raw.take()).toEqual([hex(vectorBytes('TV-6'))]);
  });
});

describe('two drivers', () => {
  it('run the TV-26 session shape end to end and report ClosedByRemote', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 7000);
    const client = await makeDriver(net, 0, new NetworkSettings(), false);
    const c = client.connect(server.localEndpoint());
    let t = 0;
    const step = () => { t += 10; client.update(t); server.update(t); };
    step(); step();
    const s = server.accept()!;
    expect(drain(client).map((e) => e.type)).toEqual([Connect]);
    client.send(c, 0, new TextEncoder().encode('hi'));
    step();
    expect(drain(server)).toEqual([{ type: Data, connection: s.toString(), pipeline: 0, data: hex(text('hi')) }]);
    client.disconnect(c);
    step();
    expect(drain(server)).toEqual([{ type: Disconnect, connection: s.toString(), pipeline: 0, data: '03' }]);
  });

  it('path-MTU discovery (opt-in) settles on maxMessageSize between two drivers', async () => {
    const net = new IPCNetwork();
    const settings = () => new NetworkSettings().withNetworkConfigParameters({ performPathMtuDiscovery: true });
    const server = await makeDriver(net, 7001, settings());
    const client = await makeDriver(net, 0, settings(), false);
    const c = client.connect(server.localEndpoint());
    let t = 0;
    for (let i = 0; i < 5 && client.getConnectionState(c) !== ConnectionState.Connected; i++) {
      t += 10; client.update(t); server.update(t);
    }
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connected);
    expect(client.getConnectionStatistics(c)!.pathMtu).toBe(1400);
    expect(client.maxPayloadSize(c)).toBe(1390);
  });

  it('path-MTU discovery falls back to maxMessageSize after ~600 ms without acks (pre-2.5 peer)', async () => {
    const net = new IPCNetwork();
    const raw = new RawPeer(net, 9300);
    const client = await makeDriver(net, 0, new NetworkSettings().withNetworkConfigParameters({ performPathMtuDiscovery: true }), false);
    const c = client.connect(raw.endpoint);
    client.update(0);
    const token = raw.take()[0].slice(10, 26);
    raw.send(client.localEndpoint(), `5554500102${token}`);
    client.update(10);
    const probes = raw.take();
    expect(probes.map((p) => p.length / 2)).toEqual([1024, 1300, 1380, 1400]);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connecting);
    client.update(311);
    expect(raw.take().length).toBe(4); // second round
    client.update(622);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connected);
    expect(client.getConnectionStatistics(c)!.pathMtu).toBe(1400);
  });
});

describe('API misuse throws typed errors that say what to do', () => {
  it('listen before bind, bind twice, unknown pipeline, oversize connect payload, disposed driver', async () => {
    const net = new IPCNetwork();
    const d = await makeDriver(net, 0, new NetworkSettings(), false);
    await expect(d.bind(NetworkEndpoint.loopbackIpv4)).rejects.toThrow(/already bound/);
    expect(() => d.send(NetworkConnection.Null, 5, new Uint8Array(1))).toThrow(/unknown pipeline 5/);
    expect(() => d.connect(NetworkEndpoint.loopbackIpv4.withPort(1), new Uint8Array(1376))).toThrow(/1375-byte limit/);
    const unbound = (await import('../../../plugin/index.ts')).NetworkDriver.create(new (await import('../../../plugin/index.ts')).IPCNetworkInterface(net));
    expect(() => unbound.listen()).toThrow(/bind/);
    d.dispose();
    expect(() => d.update(0)).toThrow(/disposed/);
    expect(() => new NetworkSettings().withNetworkConfigParameters({ maxMessageSize: 2000 })).toThrow(/maxMessageSize must be an integer in 1..1472/);
  });
});
