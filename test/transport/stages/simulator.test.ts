import { describe, expect, it } from 'vitest';
import {
  ReliableSequencedPipelineStage, SimulatorMode, SimulatorPipelineStage,
} from '../../../plugin/transport/stages/index.ts';
import { NetworkSettings, type SimulatorStageParameters } from '../../../plugin/transport/api/settings.ts';
import { SeededRandom } from '../../../plugin/transport/api/random.ts';
import { Endpoint, Link, withSeed } from './harness.ts';
import { hex } from '../../support/hex.ts';

const simulator = (p: Partial<SimulatorStageParameters>) =>
  new Endpoint([SimulatorPipelineStage], new NetworkSettings().withSimulatorStageParameters({ randomSeed: 1, ...p }));

/** Payload naming packet i (u32 LE) followed by `extra` bytes. */
function numbered(i: number, extra = 4): Uint8Array {
  const m = new Uint8Array(4 + extra);
  new DataView(m.buffer).setUint32(0, i, true);
  return m;
}
const indexOf = (packet: Uint8Array, at = 10) => new DataView(packet.buffer, packet.byteOffset).getUint32(at, true);
/** A wire packet for the simulator endpoint (pipeline 1, no header). */
const wire = (i: number) => {
  const p = new Uint8Array(10 + 8);
  p[0] = 1;
  p[9] = 1;
  new DataView(p.buffer).setUint32(10, i, true);
  return p;
};

/** Sends `count` packets, one per ms, updating every ms; returns [time, hex] of what reached the wire. */
function run(e: Endpoint, count: number): [number, string][] {
  const out: [number, string][] = [];
  e.host.onPacket = (p) => out.push([e.host.now, hex(p)]);
  e.host.record = false;
  for (let t = 0; t < count + 1000; t++) {
    e.update(t);
    if (t < count) e.send(numbered(t, 12));
  }
  return out;
}

describe('SeededRandom', () => {
  it('is reproducible from its seed, and different seeds differ', () => {
    const draw = (seed: number) => { const r = new SeededRandom(seed); return Array.from({ length: 8 }, () => r.nextU32()); };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(new Set(draw(0)).size).toBe(8); // seed 0 is a fine seed too
  });

  it('ranges and chances hold', () => {
    const r = new SeededRandom(7);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
      const k = r.nextRange(-3, 3);
      expect(k >= -3 && k <= 3 && Number.isInteger(k)).toBe(true);
      expect(r.chance(0)).toBe(false);
      expect(r.chance(100)).toBe(true);
    }
    expect(Math.abs(sum / 20_000 - 0.5)).toBeLessThan(0.01);
  });
});

describe('SimulatorPipelineStage', () => {
  const all = { packetDropPercentage: 10, packetDuplicationPercentage: 10, packetDelayMs: 5, packetJitterMs: 4,
    reorderPercentage: 10, fuzzFactor: 5, fuzzOffset: 4 };

  it('is deterministic from its seed', () => {
    const first = run(simulator({ ...all, randomSeed: 1234 }), 2000);
    expect(run(simulator({ ...all, randomSeed: 1234 }), 2000)).toEqual(first);
    expect(run(simulator({ ...all, randomSeed: 1235 }), 2000)).not.toEqual(first);
  });

  it('mode selects the direction; Off passes everything', () => {
    const cases: [number, number, number][] = [
      [SimulatorMode.ReceivedPacketsOnly, 10, 0],
      [SimulatorMode.SentPacketsOnly, 0, 10],
      [SimulatorMode.AllPackets, 0, 0],
      [SimulatorMode.Off, 10, 10],
    ];
    for (const [mode, sent, delivered] of cases) {
      const e = simulator({ mode, packetDropPercentage: 100 });
      for (let i = 0; i < 10; i++) {
        e.send(numbered(i));
        e.receivePacket(wire(i));
      }
      expect([e.host.sent.length, e.host.delivered.length]).toEqual([sent, delivered]);
    }
  });

  it('packetDropInterval drops exactly every N-th packet', () => {
    const e = simulator({ packetDropInterval: 4 });
    for (let i = 1; i <= 100; i++) e.send(numbered(i));
    expect(e.host.sent.map((p) => indexOf(p))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1).filter((i) => i % 4));
    expect(e.stats.packetsDropped).toBe(25);
  });

  it('packetDropPercentage and packetDuplicationPercentage hit their rates', () => {
    withSeed(31, (seed) => {
      const e = simulator({ randomSeed: seed, packetDropPercentage: 30, packetDuplicationPercentage: 20 });
      for (let i = 0; i < 10_000; i++) e.send(numbered(i));
      expect(e.stats.packetsDropped / 10_000).toBeCloseTo(0.3, 1);
      expect(e.stats.packetsDuplicated / 7000).toBeCloseTo(0.2, 1);
      expect(e.host.sent.length).toBe(10_000 - e.stats.packetsDropped + e.stats.packetsDuplicated);
      const ids = e.host.sent.map((p) => indexOf(p));
      const dupes = ids.filter((id, k) => k > 0 && ids[k - 1] === id).length;
      expect(dupes).toBe(e.stats.packetsDuplicated); // a duplicate follows its original
    });
  });

  it('packetDelayMs holds packets (sent copies, received references) until an update at or past due', () => {
    const e = simulator({ packetDelayMs: 50 });
    e.update(0);
    e.send(numbered(1));
    e.receivePacket(wire(2));
    e.update(49);
    expect([e.host.sent.length, e.host.delivered.length]).toEqual([0, 0]);
    e.update(50);
    expect(e.host.sent.map((p) => indexOf(p))).toEqual([1]); // survived the poisoned send buffer
    expect(e.host.delivered.map((d) => indexOf(d, 0))).toEqual([2]);
  });

  it('packetJitterMs spreads delays over delay ± jitter, released in due-time order', () => {
    withSeed(8, (seed) => {
      const e = simulator({ randomSeed: seed, packetDelayMs: 50, packetJitterMs: 10 });
      const delays = new Set<number>();
      let lastDue = 0;
      e.host.onPacket = (p) => {
        const delay = e.host.now - indexOf(p);
        expect(delay).toBeGreaterThanOrEqual(40);
        expect(delay).toBeLessThanOrEqual(60);
        delays.add(delay);
        expect(e.host.now).toBeGreaterThanOrEqual(lastDue);
        lastDue = e.host.now;
      };
      for (let t = 0; t < 600; t++) {
        e.update(t);
        if (t < 500) e.send(numbered(t));
      }
      expect(e.host.sent).toHaveLength(500);
      expect(delays.size).toBeGreaterThan(15);
    });
  });

  it('reorderPercentage lets later packets overtake, losing none', () => {
    const e = simulator({ reorderPercentage: 30 });
    for (let t = 0; t < 202; t++) {
      e.update(t);
      if (t < 200) e.send(numbered(t));
    }
    const ids = e.host.sent.map((p) => indexOf(p));
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const overtaken = ids.filter((id, k) => k > 0 && id < ids[k - 1]).length;
    expect(overtaken).toBeGreaterThan(30);
  });

  it('fuzzFactor flips bits only past fuzzOffset and never in a stored original', () => {
    const e = simulator({ fuzzFactor: 50, fuzzOffset: 4 });
    for (let i = 0; i < 400; i++) e.send(new Uint8Array(16));
    const fuzzed = e.host.sent.filter((p) => p.subarray(10).some((b) => b !== 0));
    for (const p of fuzzed) expect(hex(p.subarray(10, 14))).toBe('00000000');
    expect(fuzzed.length / 400).toBeCloseTo(0.5, 1);
    // Behind Reliable, resends come from the stored copy: with every bit flipped (100%) each resend must be
    // exactly inverted, which fails if fuzzing had touched the copy.
    const r = new Endpoint([ReliableSequencedPipelineStage, SimulatorPipelineStage],
      new NetworkSettings().withSimulatorStageParameters({ randomSeed: 3, fuzzFactor: 100, fuzzOffset: 12 }));
    r.send(Uint8Array.of(1, 2, 3));
    r.update(65);
    r.update(130);
    expect(r.host.sent.map((p) => hex(p.subarray(22)))).toEqual(['fefdfc', 'fefdfc', 'fefdfc']);
  });

  it('maxPacketSize: larger packets bypass the simulator', () => {
    const e = simulator({ maxPacketSize: 100, packetDropPercentage: 100 });
    e.send(new Uint8Array(100));
    e.send(new Uint8Array(101));
    expect(e.host.sent.map((p) => p.length - 10)).toEqual([101]);
  });

  it('maxPacketCount: with no room left to hold a packet it passes at once', () => {
    const e = simulator({ maxPacketCount: 3, packetDelayMs: 10 });
    for (let i = 0; i < 5; i++) e.send(numbered(i));
    expect(e.host.sent.map((p) => indexOf(p))).toEqual([3, 4]);
    e.update(10);
    expect(e.host.sent.map((p) => indexOf(p))).toEqual([3, 4, 0, 1, 2]);
    expect(e.inspect(0).held).toBe(0);
  });

  it('behind Reliable on both peers: everything arrives, in order, despite loss, duplication and delay', () => {
    withSeed(11, (seed) => {
      const settings = (s: number) => new NetworkSettings().withSimulatorStageParameters({
        randomSeed: s, packetDropPercentage: 15, packetDuplicationPercentage: 10, packetDelayMs: 5, packetJitterMs: 3,
      });
      const a = new Endpoint([ReliableSequencedPipelineStage, SimulatorPipelineStage], settings(seed));
      const b = new Endpoint([ReliableSequencedPipelineStage, SimulatorPipelineStage], settings(seed + 1));
      const link = new Link(a, b, { seed, delay: 1 });
      let sent = 0;
      for (let now = 1; b.host.delivered.length < 2000; now++) {
        if (now > 200_000) throw new Error('stuck');
        link.tick(now);
        while (sent < 2000 && a.send(numbered(sent)) === 0) sent++;
      }
      expect(b.host.delivered.map((d) => indexOf(d, 0))).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      expect(a.stats.packetsDropped + b.stats.packetsDropped).toBeGreaterThan(300);
    });
  });
});
