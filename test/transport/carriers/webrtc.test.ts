import { afterEach, describe, expect, it } from 'vitest';
import {
  DisconnectReason, FragmentationPipelineStage, NetworkEventType, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, WEBRTC_MAX_PACKET, type NetworkDriver,
} from '../../../plugin/index.ts';
import { connectPair, disposeAll, drain, pump, str, text } from '../../support/websocket.ts';
import { rtcClient, rtcServer } from '../../support/webrtc.ts';

afterEach(disposeAll);

const pipelines = (d: NetworkDriver) => ({
  reliable: d.createPipeline(ReliableSequencedPipelineStage),
  unreliable: d.createPipeline(UnreliableSequencedPipelineStage),
  big: d.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage),
});

describe('NetworkDriver over WebRTC data channels (Node client through node-datachannel ↔ Node server)', () => {
  it('connects, carries reliable, unreliable and 3,000-byte fragmented messages both ways, and disconnects', async () => {
    const { driver: server, iface } = await rtcServer();
    const sp = pipelines(server);
    const { driver: client, iface: ci } = await rtcClient({ signalUrl: `http://127.0.0.1:${server.localEndpoint().port}${iface.path}` });
    const cp = pipelines(client);
    const { c, s, payload } = await connectPair(server, client, ci.serverEndpoint, text('hello'));
    expect(str(payload!)).toBe('hello');
    expect(ci.carrierName).toBe('webrtc');
    expect(client.getConnectionStatistics(c)!.carrier).toBe('webrtc');
    expect(server.getConnectionStatistics(s)!.carrier).toBe('webrtc');
    // 1400 − 250 reserved − 9 (SCL) − 1 (pipeline id): every packet fits one SCTP chunk in one datagram.
    expect(client.maxPayloadSize(c, 0)).toBe(WEBRTC_MAX_PACKET - 10);

    const big = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
    client.send(c, cp.reliable, text('r1'));
    client.send(c, cp.unreliable, text('u1'));
    client.send(c, cp.big, big);
    client.flush();
    const atServer: Array<[number, Uint8Array]> = [];
    const atClient: Array<[number, Uint8Array]> = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { atServer.push([e.pipeline, e.data]); server.send(s, e.pipeline, e.data); }
      server.flush();
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) atClient.push([e.pipeline, e.data]);
      return atClient.length === 3;
    });
    for (const got of [atServer, atClient]) {
      const by = new Map(got.map(([p, d]) => [p, d]));
      expect(str(by.get(sp.reliable.id)!)).toBe('r1');
      expect(str(by.get(sp.unreliable.id)!)).toBe('u1');
      expect(by.get(sp.big.id)).toEqual(big);
    }
    expect(iface.peerCount).toBe(1);

    client.disconnect(c);
    client.flush();
    const reasons: number[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote]);
  });
});
