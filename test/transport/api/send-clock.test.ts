// A message sent between updates is stamped with the time it is sent when the driver runs on the real clock, so a
// round-trip sample never includes how long ago the last update ran (the browser case: a send after a frame's
// paint). Explicit clocks — tests, fixedFrameTimeMS — are left exactly as given. Last: an open send leaves from its writer's own array.
import { describe, expect, it } from 'vitest';
import {
  ConnectionState, FragmentationPipelineStage, IPCNetwork, NetworkConnection, NetworkDriver, NetworkEvent, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
} from '../../../plugin/index.ts';
import { makeDriver } from '../../support/driver.ts';
import { sleep } from '../../support/pump.ts';

interface Pair { client: NetworkDriver; server: NetworkDriver; connection: NetworkConnection }

async function connectedPair(settings: NetworkSettings, tick: (d: NetworkDriver) => void): Promise<Pair> {
  const net = new IPCNetwork();
  const server = await makeDriver(net, 9000, settings);
  const client = await makeDriver(net, 0, settings, false);
  for (const d of [client, server]) d.createPipeline(ReliableSequencedPipelineStage);
  const connection = client.connect(server.localEndpoint());
  const ev = new NetworkEvent();
  for (let i = 0; i < 10 && client.getConnectionState(connection) !== ConnectionState.Connected; i++) {
    tick(client); tick(server);
    while (server.accept()) { /* accept */ }
    while (server.popEvent(ev) !== NetworkEventType.Empty) { /* drain */ }
    tick(client);
    while (client.popEvent(ev) !== NetworkEventType.Empty) { /* drain */ }
  }
  expect(client.getConnectionState(connection)).toBe(ConnectionState.Connected);
  return { client, server, connection };
}

const lastRtt = (p: Pair): number =>
  (p.client.getPipelineBuffers(1, 'ReliableSequenced', p.connection) as { lastRtt: number }).lastRtt;

describe('the send timestamp', () => {
  it('on the real clock: a message sent 80 ms after the last update is timed from its send, not from that update', async () => {
    const p = await connectedPair(new NetworkSettings(), (d) => d.update());
    p.client.update();
    await sleep(80); // the page paints; then it sends
    expect(p.client.send(p.connection, 1, new Uint8Array([1, 2, 3]))).toBe(3);
    p.client.flush();
    p.server.update(); // receives
    p.server.update(); // acknowledges (an ack goes out at the update after the receive, as in UTP)
    p.client.update();
    // Without the fresh stamp the sample would be ≥ 80 ms; the exchange itself is synchronous, in-process.
    expect(lastRtt(p)).toBeLessThan(40);
    const resent = p.client.getConnectionStatistics(p.connection)!.pipelines.reduce((n, s) => n + s.packetsResent, 0);
    expect(resent).toBe(0);
  });

  it('on an explicit clock the stamp is the last update\'s time, whatever the wall clock did', async () => {
    const p = await connectedPair(new NetworkSettings(), (d) => d.update(1000));
    p.client.update(2000);
    p.server.update(2000);
    await sleep(30);
    p.client.send(p.connection, 1, new Uint8Array([4]));
    p.client.flush();
    p.server.update(2000);
    p.server.update(2000);
    p.client.update(2007);
    expect(lastRtt(p)).toBe(7);
  });

  it('with fixedFrameTimeMS each update is one frame, and sends do not add frames', async () => {
    const settings = new NetworkSettings().withNetworkConfigParameters({ fixedFrameTimeMS: 16 });
    const p = await connectedPair(settings, (d) => d.update());
    p.client.update();
    const frame = p.client.lastUpdateTime;
    p.client.send(p.connection, 1, new Uint8Array([5]));
    p.client.send(p.connection, 1, new Uint8Array([6]));
    expect(p.client.lastUpdateTime).toBe(frame);
    p.client.flush();
    p.server.update();
    p.server.update(); // the ack leaves one server frame after the receive: ProcessingTime 16
    p.client.update();
    expect(p.client.lastUpdateTime).toBe(frame + 16);
    // The ack came back within one client frame, after one server frame of ProcessingTime: the floor of 1 ms.
    expect(lastRtt(p)).toBe(1);
  });
});

describe('an open send while a pipeline is created', () => {
  it('endSend sends what the writer holds even when createPipeline enlarged the send buffer in between', async () => {
    const p = await connectedPair(new NetworkSettings(), (d) => d.update());
    const { status, writer } = p.client.beginSend(1, p.connection);
    expect(status).toBe(0);
    const message = Array.from({ length: 100 }, (_, i) => (i * 7 + 3) & 0xff);
    for (const b of message) writer.writeByte(b);
    const before = writer.buffer;
    p.client.createPipeline(FragmentationPipelineStage); // 4,096-byte payloads: a larger send buffer
    expect(p.client.endSend(writer)).toBe(100);
    expect(writer.buffer).toBe(before); // the writer kept its array; the driver must send from it
    p.client.flush();
    p.server.update();
    const ev = new NetworkEvent();
    expect(p.server.popEvent(ev)).toBe(NetworkEventType.Data);
    expect([...ev.bytes.subarray(ev.offset, ev.offset + ev.length)]).toEqual(message);
  });
});
