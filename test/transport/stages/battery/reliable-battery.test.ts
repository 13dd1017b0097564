import { describe, expect, it } from 'vitest';
import { DisconnectReason, NetworkSettings, StatusCode } from '../../../../plugin/index.ts';
import { SimulatedLink } from './link.ts';
import { hashOf, message, Pair } from './pair.ts';

/**
 * Sends `count` reliable messages client → server, `perFrame` per frame, retrying on -5, and steps until
 * all arrived (or `maxFrames`). Returns the received payloads on that pipeline.
 */
function stream(p: Pair, count: number, perFrame: number, maxFrames: number, pipe = p.pipes.reliable, size?: (i: number) => number): Uint8Array[] {
  let next = 0;
  const got = () => p.atServer.filter(([id]) => id === pipe.id);
  for (let f = 0; f < maxFrames && got().length < count; f++) {
    for (let k = 0; k < perFrame && next < count; k++) {
      const status = p.client.send(p.clientConn, pipe, message(next, size?.(next)));
      if (status === StatusCode.NetworkSendQueueFull) break;
      if (status < 0) throw new Error(`seed ${p.link.seed}: send ${next} failed with ${status}`);
      next++;
    }
    p.step();
  }
  return got().map(([, b]) => b);
}

function expectExactStream(p: Pair, received: Uint8Array[], count: number, size?: (i: number) => number): void {
  const expected = Array.from({ length: count }, (_, i) => message(i, size?.(i)));
  const where = `seed ${p.link.seed}, ${JSON.stringify(p.link.counts)}`;
  expect(received.length, where).toBe(count);
  expect(hashOf(received), where).toBe(hashOf(expected));
}

describe('reliable pipeline battery (two drivers, in-memory link, fake clock)', () => {
  for (const loss of [0, 1, 5, 20, 40]) {
    it(`delivers every message once and in order at ${loss}% loss`, async () => {
      const p = await Pair.connect(new SimulatedLink(1000 + loss, { lossPercent: loss }));
      const received = stream(p, 3000, 16, 60_000);
      expectExactStream(p, received, 3000);
    });
  }

  for (const dup of [20, 50]) {
    it(`drops duplicates at ${dup}% duplication`, async () => {
      const p = await Pair.connect(new SimulatedLink(2000 + dup, { duplicatePercent: dup }));
      const received = stream(p, 3000, 16, 20_000);
      expectExactStream(p, received, 3000);
      const stats = p.server.getConnectionStatistics(p.serverConn)!.pipelines.find((x) => x.id === p.pipes.reliable.id)!;
      // Recent copies count as duplicates; copies older than the window as stale drops (§5.3.6).
      expect(stats.packetsDuplicated + stats.packetsDropped).toBeGreaterThan(0);
    });
  }

  it('reorders into sequence under 30% reordering', async () => {
    const p = await Pair.connect(new SimulatedLink(3000, { reorderPercent: 30, reorderDelay: 3 }));
    const received = stream(p, 3000, 16, 20_000);
    expectExactStream(p, received, 3000);
    const stats = p.server.getConnectionStatistics(p.serverConn)!.pipelines.find((x) => x.id === p.pipes.reliable.id)!;
    expect(stats.packetsOutOfOrder).toBeGreaterThan(0);
  });

  it('recovers from a 5-second blackout without losing the connection', async () => {
    const p = await Pair.connect(new SimulatedLink(4000, { lossPercent: 2 }));
    let next = 0;
    const send = () => { while (next < 1000 && p.client.send(p.clientConn, p.pipes.reliable, message(next)) >= 0) next++; };
    for (let f = 0; f < 20; f++) { send(); p.step(); }
    p.link.blackout = true;
    for (let t = 0; t < 5000; t += 16) { send(); p.step(); }
    p.link.blackout = false;
    for (let f = 0; f < 5000 && p.atServer.length < 1000; f++) { send(); p.step(); }
    expect(p.disconnects, `seed ${p.link.seed}`).toEqual([]);
    expectExactStream(p, p.atServer.map(([, b]) => b), 1000);
  });

  it('ends a blackout longer than disconnectTimeoutMS with a clean Timeout on both sides', async () => {
    const settings = () => new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 3000 });
    const p = await Pair.connect(new SimulatedLink(5000), settings);
    // Both sides receive something in the same frame, then the cable is pulled.
    p.client.send(p.clientConn, 0, message(0));
    p.server.send(p.serverConn, 0, message(1));
    p.step();
    const lastReceive = p.now;
    p.link.blackout = true;
    for (let f = 0; f < 400 && p.disconnects.length < 2; f++) p.step();
    expect(p.disconnects.map((d) => [d.side, d.reason]).sort()).toEqual([['client', DisconnectReason.Timeout], ['server', DisconnectReason.Timeout]]);
    // The first 16 ms frame after more than 3000 ms of receive silence (spec §3.5). The server read the
    // client's packet in frame S; the client reads the server's in frame S+16 (it updates first).
    const at = Object.fromEntries(p.disconnects.map((d) => [d.side, d.at]));
    expect(at).toEqual({ server: lastReceive + 3008, client: lastReceive + 16 + 3008 });
  });

  it('returns -5 exactly when the window (32) is full, and transmits nothing for it', async () => {
    const p = await Pair.connect(new SimulatedLink(6000));
    p.link.blackout = true; // no acks come back
    const statuses = Array.from({ length: 40 }, (_, i) => p.client.send(p.clientConn, p.pipes.reliable, message(i)));
    expect(statuses.slice(0, 32).every((s) => s > 0)).toBe(true);
    expect(statuses.slice(32)).toEqual(Array(8).fill(StatusCode.NetworkSendQueueFull));
    p.link.blackout = false;
    for (let f = 0; f < 100; f++) p.step();
    expectExactStream(p, p.atServer.map(([, b]) => b), 32);
  });

  it('queues instead of failing in send-queue mode and delivers everything', async () => {
    const p = await Pair.connect(new SimulatedLink(7000, { lossPercent: 5 }), undefined, true);
    for (let i = 0; i < 2000; i++) expect(p.client.send(p.clientConn, p.pipes.reliable, message(i))).toBeGreaterThan(0);
    const queued = p.client.getConnectionStatistics(p.clientConn)!.pipelines.find((x) => x.id === p.pipes.reliable.id)!.queuedMessages;
    expect(queued).toBe(2000 - 32); // the backpressure signal
    for (let f = 0; f < 20_000 && p.atServer.length < 2000; f++) p.step();
    expectExactStream(p, p.atServer.map(([, b]) => b), 2000);
  });

  it('carries 3 × 65,536 messages across the sequence wrap at 5% loss, 5% duplication, 5% reordering', async () => {
    const p = await Pair.connect(new SimulatedLink(8000, { lossPercent: 5, duplicatePercent: 5, reorderPercent: 5, reorderDelay: 2 }), undefined, true);
    const count = 3 * 65_536;
    const size = () => 12;
    let next = 0;
    let frames = 0;
    while (p.atServer.length < count && frames++ < 200_000) {
      // Keep the queue short so the run stays light: refill up to 64 queued messages per frame.
      for (let k = 0; k < 64 && next < count; k++) p.client.send(p.clientConn, p.pipes.reliable, message(next++, 12));
      p.step();
    }
    expectExactStream(p, p.atServer.map(([, b]) => b), count, size);
  }, 120_000);

  it('sends no spurious resends to a server that updates every 50 ms, on a lossless link (ack delay in the timeout)', async () => {
    const p = await Pair.connect(new SimulatedLink(10_000));
    const resent = (d: typeof p.client, c: typeof p.clientConn) =>
      d.getConnectionStatistics(c)!.pipelines.find((x) => x.id === p.pipes.reliable.id)!.packetsResent;
    let warmUp = [0, 0];
    for (let f = 0; f < 1000; f++) {
      p.client.send(p.clientConn, p.pipes.reliable, message(f)); // a 100 Hz client…
      if (f % 5 === 0) p.server.send(p.serverConn, p.pipes.reliable, message(f));
      p.step(10, f % 5 === 4); // …and a server that updates at 20 Hz
      // Until the first RTT samples the timeout is 64 ms, shorter than this round trip: those resends are UTP's.
      if (f === 100) warmUp = [resent(p.client, p.clientConn), resent(p.server, p.serverConn)];
    }
    expect([resent(p.client, p.clientConn), resent(p.server, p.serverConn)]).toEqual(warmUp);
    expect(p.atServer.length).toBe(1000);
  });
});
