import { describe, expect, it } from 'vitest';
import { IPCNetwork, NetworkSettings, type NetworkSimulatorParameters } from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { makeDriver, RawPeer, T } from '../../support/driver.ts';

/** A server with the driver-wide simulator, connected to a raw client using token T. */
async function setup(params: Partial<NetworkSimulatorParameters>) {
  const net = new IPCNetwork();
  const raw = new RawPeer(net, 9001);
  const server = await makeDriver(net, 7000, new NetworkSettings()
    .withNetworkConfigParameters({ heartbeatTimeoutMS: 0 })
    .withNetworkSimulatorParameters({ randomSeed: 42, ...params }));
  return { net, raw, server };
}

describe('driver-wide network simulator (UTP SimulatorLayer)', () => {
  it('delays outgoing datagrams by sendDelayMS, handshake included', async () => {
    const { raw, server } = await setup({ sendDelayMS: 100 });
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    expect(raw.take()).toEqual([]);
    server.update(99);
    expect(raw.take()).toEqual([]);
    server.update(100);
    expect(raw.take()).toEqual([Buffer.from(vectorBytes('TV-3a')).toString('hex')]);
  });

  it('keeps send order with a fixed delay and spreads with jitter', async () => {
    const { raw, server } = await setup({ sendDelayMS: 10, sendJitterMS: 50 });
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    raw.send(server.localEndpoint(), vectorBytes('TV-5')); // proven: data may flow to it at once
    server.update(0);
    const c = server.accept()!;
    for (let i = 0; i < 50; i++) server.send(c, 0, Uint8Array.of(i));
    const arrivals: number[] = [];
    for (let t = 1; t <= 70; t++) {
      server.update(t);
      for (const p of raw.take()) if (p.startsWith(`01${T}00`)) arrivals.push(parseInt(p.slice(20), 16));
    }
    expect(arrivals.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(arrivals).not.toEqual(arrivals.slice().sort((a, b) => a - b)); // jitter reorders
  });

  it('drops sendPacketLossPercent of datagrams, reproducibly from the seed', async () => {
    const run = async () => {
      const { raw, server } = await setup({ sendPacketLossPercent: 30 });
      raw.send(server.localEndpoint(), vectorBytes('TV-1'));
      server.update(0);
      raw.send(server.localEndpoint(), vectorBytes('TV-1')); // the accept may be lost: ask again
      raw.send(server.localEndpoint(), vectorBytes('TV-5')); // proven: data may flow to it at once
      server.update(1);
      const c = server.accept()!;
      raw.take();
      for (let i = 0; i < 1000; i++) server.send(c, 0, Uint8Array.of(i & 0xff, i >> 8));
      server.flush();
      return raw.take();
    };
    const a = await run();
    expect(a.length).toBeGreaterThan(600);
    expect(a.length).toBeLessThan(800);
    expect(await run()).toEqual(a);
  });

  it('duplicates sendDuplicatePercent of datagrams', async () => {
    const { raw, server } = await setup({ sendDuplicatePercent: 100 });
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    expect(raw.take().length).toBe(2);
  });

  it('loses incoming datagrams by percentage and by receiveMTU, counting them', async () => {
    const { raw, server } = await setup({ receivePacketLossPercent: 100 });
    raw.send(server.localEndpoint(), vectorBytes('TV-1'));
    server.update(0);
    expect(server.accept()).toBeNull();
    expect(server.getStatistics().dropped.simulated).toBe(1);

    const mtu = await setup({ receiveMTU: 12 });
    mtu.raw.send(mtu.server.localEndpoint(), vectorBytes('TV-1')); // 13 bytes > 12
    mtu.server.update(0);
    expect(mtu.server.accept()).toBeNull();
    expect(mtu.server.getStatistics().dropped.simulated).toBe(1);
  });
});
