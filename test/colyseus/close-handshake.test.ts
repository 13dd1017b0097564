// The close handshake both Colyseus sides share, on two in-memory drivers and the drivers' own clock.
import { describe, expect, it } from 'vitest';
import {
  IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
  type NetworkConnection,
} from '../../plugin/transport/index.ts';
import { decodeCloseFrame } from '../../plugin/colyseus/close-frame.ts';
import { CloseHandshake } from '../../plugin/colyseus/close-handshake.ts';
import { RELIABLE_PIPELINE, createColyseusPipelines } from '../../plugin/colyseus/protocol.ts';

async function pair(): Promise<{ net: IPCNetwork; a: NetworkDriver; b: NetworkDriver; ab: NetworkConnection; pump(now: number): void }> {
  const net = new IPCNetwork();
  const settings = new NetworkSettings();
  const make = async (): Promise<NetworkDriver> => {
    const d = NetworkDriver.create(new IPCNetworkInterface(net), settings);
    createColyseusPipelines(d, settings);
    await d.bind(NetworkEndpoint.loopbackIpv4);
    d.listen();
    return d;
  };
  const a = await make();
  const b = await make();
  const ab = a.connect(b.localEndpoint());
  const pump = (now: number): void => {
    a.update(now); b.update(now); b.accept(); a.update(now); b.update(now);
  };
  pump(1);
  return { net, a, b, ab, pump };
}

/** The frames `driver` received on the reliable pipeline since the last call. */
function reliableFrames(driver: NetworkDriver): Uint8Array[] {
  const ev = new NetworkEvent();
  const out: Uint8Array[] = [];
  while (driver.popEvent(ev) !== NetworkEventType.Empty) {
    if (ev.type === NetworkEventType.Data && ev.pipeline.id === RELIABLE_PIPELINE) out.push(Uint8Array.from(ev.data));
  }
  return out;
}

describe('CloseHandshake', () => {
  it('sends the close frame and finishes once the peer acknowledged it', async () => {
    const { a, b, ab, pump } = await pair();
    const closing = CloseHandshake.begin(a, ab, 4000, 'consented', 1000)!;
    expect(closing).not.toBeNull();
    expect(closing.finished).toBe(false);
    a.update(10);
    b.update(10);
    expect(reliableFrames(b).map(decodeCloseFrame)).toEqual([{ code: 4000, reason: 'consented' }]);
    expect(closing.finished).toBe(false); // b's acknowledgement has not arrived yet
    pump(20);
    expect(closing.finished).toBe(true);
    expect(a.lastUpdateTime).toBeLessThan(1000); // by the acknowledgement, not the linger time
  });

  it('gives up after lingerMS of driver time when the peer never acknowledges', async () => {
    const { net, a, b, ab } = await pair();
    net.filter = () => false; // the peer is gone
    const closing = CloseHandshake.begin(a, ab, 4001, '', 500)!;
    const start = a.lastUpdateTime;
    for (let t = start + 100; t < start + 500; t += 100) {
      a.update(t);
      b.update(t);
      expect(closing.finished).toBe(false);
    }
    a.update(start + 500);
    expect(closing.finished).toBe(true);
    expect(closing.code).toBe(4001);
  });

  it('reports null when the close frame cannot be queued, so the caller disconnects at once', async () => {
    const { a, ab } = await pair();
    a.disconnect(ab);
    expect(CloseHandshake.begin(a, ab, 4000)).toBeNull();
  });
});
