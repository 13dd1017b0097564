import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, NetworkDriver, NetworkEndpoint, NetworkEventType, NetworkSettings, UtpSocketError, type NetworkConnection,
} from '../../../plugin/index.ts';
import { drain } from '../../support/driver.ts';
import { pump } from '../../support/pump.ts';

const drivers: NetworkDriver[] = [];
afterEach(() => { for (const d of drivers.splice(0)) d.dispose(); });

function make(): NetworkDriver {
  const d = NetworkDriver.create();
  drivers.push(d);
  return d;
}

describe.each([
  ['IPv4', NetworkEndpoint.loopbackIpv4],
  ['IPv6', NetworkEndpoint.loopbackIpv6],
])('UDP over loopback (%s)', (_family, loopback) => {
  it('connects, exchanges pipeline-0 data both ways and disconnects', async () => {
    const server = make();
    await server.bind(loopback.withPort(0));
    server.listen();
    expect(server.localEndpoint().port).toBeGreaterThan(0);
    const client = make();
    const c = client.connect(server.localEndpoint(), new TextEncoder().encode('hello'));
    let s: NetworkConnection | null = null;
    const payload = { payload: null as Uint8Array | null };
    await pump([client, server], () => { s ??= server.accept(payload); return s !== null && client.getConnectionState(c) === ConnectionState.Connected; });
    expect(new TextDecoder().decode(payload.payload!)).toBe('hello');

    const got: string[] = [];
    client.send(c, 0, new TextEncoder().encode('ping'));
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { got.push(e.data); server.send(s!, 0, Buffer.from(e.data, 'hex')); }
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(`echo:${e.data}`);
      return got.length === 2;
    });
    expect(got).toEqual([Buffer.from('ping').toString('hex'), `echo:${Buffer.from('ping').toString('hex')}`]);

    client.disconnect(c);
    const reasons: string[] = [];
    await pump([client, server], () => { reasons.push(...drain(server).filter((e) => e.type === NetworkEventType.Disconnect).map((e) => e.data)); return reasons.length > 0; });
    expect(reasons).toEqual(['03']);
  });
});

describe('UDP socket errors', () => {
  it('rejects a bind to a port in use with UtpSocketError (NetworkSocketError -11)', async () => {
    const other = createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.1', r));
    const port = other.address().port;
    try {
      const d = make();
      const err = await d.bind(NetworkEndpoint.loopbackIpv4.withPort(port)).catch((e) => e);
      expect(err).toBeInstanceOf(UtpSocketError);
      expect(err.code).toBe(-11);
      expect(d.bound).toBe(false);
    } finally {
      other.close();
    }
  });

  it('drops datagrams larger than maxMessageSize and counts them; one of exactly that size goes up the stack', async () => {
    const server = make();
    await server.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
    server.listen();
    const max = new NetworkSettings().networkConfig.maxMessageSize;
    const raw = createSocket('udp4');
    try {
      const send = (size: number) => new Promise<void>((r) => raw.send(new Uint8Array(size), server.localEndpoint().port, '127.0.0.1', () => r()));
      await send(max + 1);
      await send(max); // zeros: not a UTP packet, so the connection layer drops it under another reason
      const dropped = () => server.getStatistics().dropped;
      const otherDrops = () => Object.entries(dropped()).reduce((n, [reason, count]) => n + (reason === 'oversize' ? 0 : count), 0);
      await pump([server], () => dropped().oversize + otherDrops() >= 2, 'both datagrams to be dropped');
      expect(dropped().oversize).toBe(1);
      expect(otherDrops()).toBe(1);
      expect(server.accept()).toBeNull();
    } finally {
      raw.close();
    }
  });
});
