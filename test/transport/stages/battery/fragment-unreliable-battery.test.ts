import { describe, expect, it } from 'vitest';
import { NetworkSettings, StatusCode } from '../../../../plugin/index.ts';
import { SimulatedLink } from './link.ts';
import { hashOf, message, Pair } from './pair.ts';

describe('fragmented reliable pipeline battery', () => {
  // [Fragmentation, Reliable] at MTU 1400 on UDP-like padding: chunks of 1376 bytes (spec §5.4, TV-12).
  const chunk = 1376;
  const sizes = [1, 2, 100, chunk - 1, chunk, chunk + 1, 2 * chunk - 1, 2 * chunk, 2 * chunk + 1, 3000, 4095, 4096];

  it('delivers a message of every size class from 1 byte to payloadCapacity intact under 10% loss', async () => {
    const p = await Pair.connect(new SimulatedLink(9000, { lossPercent: 10, reorderPercent: 5 }), undefined, true);
    const sent = sizes.map((n, i) => message(i, n));
    for (const m of sent) expect(p.client.send(p.clientConn, p.pipes.fragmented, m)).toBe(m.length);
    for (let f = 0; f < 3000 && p.atServer.length < sent.length; f++) p.step();
    const got = p.atServer.map(([, b]) => b);
    expect(got.map((b) => b.length), `seed ${p.link.seed}`).toEqual(sizes);
    expect(hashOf(got)).toBe(hashOf(sent));
  });

  it('refuses a message larger than payloadCapacity with -4 and sends nothing', async () => {
    const p = await Pair.connect(new SimulatedLink(9001));
    const before = p.client.getStatistics().packetsSent;
    expect(p.client.send(p.clientConn, p.pipes.fragmented, new Uint8Array(4097))).toBe(StatusCode.NetworkPacketOverflow);
    expect(p.client.getStatistics().packetsSent).toBe(before);
  });

  it('streams 300 mixed-size fragmented messages both ways at 20% loss', async () => {
    const p = await Pair.connect(new SimulatedLink(9002, { lossPercent: 20 }), undefined, true);
    const size = (i: number) => 1 + ((i * 977) % 4096);
    for (let i = 0; i < 300; i++) {
      p.client.send(p.clientConn, p.pipes.fragmented, message(i, size(i)));
      p.server.send(p.serverConn, p.pipes.fragmented, message(i, size(i)));
    }
    for (let f = 0; f < 50_000 && (p.atServer.length < 300 || p.atClient.length < 300); f++) p.step();
    const expected = hashOf(Array.from({ length: 300 }, (_, i) => message(i, size(i))));
    expect(hashOf(p.atServer.map(([, b]) => b)), `seed ${p.link.seed}`).toBe(expected);
    expect(hashOf(p.atClient.map(([, b]) => b)), `seed ${p.link.seed}`).toBe(expected);
  });
});

describe('unreliable-sequenced pipeline battery', () => {
  for (const seed of [100, 101, 102]) {
    it(`never delivers an older message after a newer one under loss, duplication and reordering (seed ${seed})`, async () => {
      const p = await Pair.connect(new SimulatedLink(seed, { lossPercent: 10, duplicatePercent: 20, reorderPercent: 30, reorderDelay: 2 }));
      for (let i = 0; i < 70_000; i += 10) { // crosses the 16-bit wrap
        for (let k = 0; k < 10; k++) p.client.send(p.clientConn, p.pipes.unreliable, message(i + k, 8));
        p.step();
      }
      for (let f = 0; f < 10; f++) p.step();
      const order = p.atServer.map(([, b]) => new DataView(b.buffer, b.byteOffset).getUint32(0, true));
      for (let k = 1; k < order.length; k++) expect(order[k], `seed ${seed} at ${k}`).toBeGreaterThan(order[k - 1]);
      expect(order.length).toBeGreaterThan(70_000 * 0.5);
      expect(order.length).toBeLessThan(70_000);
    }, 60_000);
  }
});

describe('simulator stage in the pipeline (UTP SimulatorPipelineStage)', () => {
  it('delays a reliable pipeline by packetDelayMs, reproducibly from its seed', async () => {
    const settings = () => new NetworkSettings().withSimulatorStageParameters({ packetDelayMs: 100, randomSeed: 7, mode: 1 });
    const p = await Pair.connect(new SimulatedLink(9100), settings);
    const { SimulatorPipelineStage, ReliableSequencedPipelineStage } = await import('../../../../plugin/transport/stages/index.ts');
    const delayedServer = p.server.createPipeline(ReliableSequencedPipelineStage, SimulatorPipelineStage);
    p.client.createPipeline(ReliableSequencedPipelineStage, SimulatorPipelineStage);
    const sentAt = p.now;
    p.client.send(p.clientConn, delayedServer, message(1));
    let arrivedAt = -1;
    for (let f = 0; f < 20 && arrivedAt < 0; f++) { p.step(); if (p.atServer.length) arrivedAt = p.now; }
    expect(arrivedAt - sentAt).toBeGreaterThanOrEqual(100);
    expect(arrivedAt - sentAt).toBeLessThan(100 + 3 * 16);
  });
});
