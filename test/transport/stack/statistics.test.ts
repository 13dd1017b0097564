// stack/statistics.ts: the driver-wide counters, their sum over several drivers, and the bandwidth figures.
import { describe, expect, it } from 'vitest';
import { addStatistics, BandwidthMeter, createDriverStatistics } from '../../../plugin/transport/stack/statistics.ts';

describe('driver statistics', () => {
  it('start at zero with every drop reason present', () => {
    const s = createDriverStatistics();
    expect(s.packetsSent + s.bytesReceived + s.connections + s.admission.halfOpen).toBe(0);
    expect(s.dropped.malformed).toBe(0);
    expect(s.dropped.reassemblyLimit).toBe(0);
    expect(Object.keys(s.dropped)).toHaveLength(13);
  });

  it('add up counter by counter, drop reasons of layers (any name) and admission counters included', () => {
    const a = createDriverStatistics();
    const b = createDriverStatistics();
    a.packetsSent = 3; b.packetsSent = 4;
    b.dropped.malformed = 2;
    b.dropped.badRecord = 5; // a DTLS layer's own reason
    b.admission.evicted = 1;
    const total = createDriverStatistics();
    addStatistics(total, a);
    addStatistics(total, b);
    expect(total.packetsSent).toBe(7);
    expect(total.dropped.malformed).toBe(2);
    expect(total.dropped.badRecord).toBe(5);
    expect(total.admission.evicted).toBe(1);
  });

  it('bandwidth moves once per complete second of driver time, from the byte counters', () => {
    const s = createDriverStatistics();
    const meter = new BandwidthMeter();
    s.bytesSent = 500; s.bytesReceived = 100;
    meter.measure(s, 999);
    expect(s.sendBandwidth).toBe(0); // not a full second yet
    meter.measure(s, 1000);
    expect(s.sendBandwidth).toBe(500);
    expect(s.receiveBandwidth).toBe(100);
    s.bytesSent += 3000;
    meter.measure(s, 3000); // two seconds later: 3000 B over 2 s
    expect(s.sendBandwidth).toBe(1500);
    expect(s.receiveBandwidth).toBe(0);
  });
});
