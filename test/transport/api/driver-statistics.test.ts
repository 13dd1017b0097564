import { describe, expect, it } from 'vitest';
import { IPCNetwork, NetworkSettings, ReliableSequencedPipelineStage } from '../../../plugin/index.ts';
import { makeDriver } from '../../support/driver.ts';

describe('statistics (UTP 2.7 GetStatistics / GetConnectionStatistics meanings)', () => {
  it('counts packets and bytes per connection and pipeline, and driver bandwidth per second', async () => {
    const net = new IPCNetwork();
    const settings = () => new NetworkSettings().withNetworkConfigParameters({ heartbeatTimeoutMS: 0 });
    const server = await makeDriver(net, 7000, settings());
    const client = await makeDriver(net, 0, settings(), false);
    const sp = server.createPipeline(ReliableSequencedPipelineStage);
    const cp = client.createPipeline(ReliableSequencedPipelineStage);
    const c = client.connect(server.localEndpoint());
    let t = 0;
    const step = () => { t += 10; client.update(t); server.update(t); };
    step(); step();
    const s = server.accept()!;
    for (let i = 0; i < 100; i++) { client.send(c, cp, new Uint8Array(50)); step(); }
    for (let i = 0; i < 5; i++) step();
    void sp;

    const cs = client.getConnectionStatistics(c)!;
    const ss = server.getConnectionStatistics(s)!;
    const cPipe = cs.pipelines.find((p) => p.id === cp.id)!;
    const sPipe = ss.pipelines.find((p) => p.id === sp.id)!;
    // 100 datagrams of 10 (SCL + pipeline id) + 12 (reliable header) + 50 bytes each.
    expect(cPipe.packetsSent).toBe(100);
    expect(cPipe.bytesSent).toBe(100 * 72);
    expect(sPipe.packetsReceived).toBe(100);
    expect(sPipe.bytesReceived).toBe(100 * 72);
    expect(sPipe.acksSent).toBeGreaterThan(0);
    expect(cPipe.rtt).toBeGreaterThan(0);
    // Connection totals include the handshake and the server's ack-only packets.
    expect(ss.packetsReceived).toBe(101);
    expect(cs.packetsReceived).toBe(1 + sPipe.acksSent);
    expect(ss.bytesReceived).toBe(13 + 100 * 72);
    // 100 × 72 bytes over ~1 s of driver time.
    const bw = client.getStatistics().sendBandwidth;
    expect(bw).toBeGreaterThan(5000);
    expect(bw).toBeLessThan(8000);
  });
});
