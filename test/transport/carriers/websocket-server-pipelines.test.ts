import { afterEach, describe, expect, it } from 'vitest';
import {
  FragmentationPipelineStage, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  type NetworkDriver, type NetworkPipeline,
} from '../../../plugin/index.ts';
import { connectPair, disposeAll, drain, wsClient, wsServer } from '../../support/websocket.ts';
import { pump } from '../../support/pump.ts';

afterEach(disposeAll);

/** Seeded loss on both drivers (UTP's SimulatorLayer): the WebSocket is reliable, the simulated network is not. */
const lossy = (seed: number) => new NetworkSettings()
  .withNetworkConfigParameters({ connectTimeoutMS: 100 })
  .withNetworkSimulatorParameters({ sendPacketLossPercent: 10, receivePacketLossPercent: 10, randomSeed: seed });

function pipelines(d: NetworkDriver): NetworkPipeline[] {
  return [
    d.createPipeline(ReliableSequencedPipelineStage),
    d.createPipeline(UnreliableSequencedPipelineStage),
    d.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage),
  ];
}

describe('pipelines over WebSocket under simulated 10 % loss each way', () => {
  it('[Reliable] in order, [UnreliableSequenced] never backwards, [Fragmentation, Reliable] intact', async () => {
    const { driver: server } = await wsServer({}, lossy(7));
    const client = wsClient(undefined, lossy(11));
    const [rel, unrel, frag] = pipelines(server);
    expect(pipelines(client).map((p) => p.id)).toEqual([rel.id, unrel.id, frag.id]);
    const { c, s } = await connectPair(server, client, server.localEndpoint());

    const N = 60;
    const big = (i: number) => new Uint8Array(3000).map((_, j) => (i * 7 + j) & 0xff);
    let nextRel = 0, nextUnrel = 0, nextFrag = 0;
    const echoed: number[] = [];
    const unreliable: number[] = [];
    const fragments: Uint8Array[] = [];
    const backlog: number[] = []; // the server's echoes that met a full window (−5)
    await pump([client, server], () => {
      // Client: keep the reliable windows full (−5 = window full, try again next update).
      while (nextRel < N && client.send(c, rel, Uint8Array.of(nextRel)) > 0) nextRel++;
      if (nextUnrel < N) client.send(c, unrel, Uint8Array.of(nextUnrel++));
      while (nextFrag < 5 && client.send(c, frag, big(nextFrag)) > 0) nextFrag++;
      for (const e of drain(server)) {
        if (e.type !== NetworkEventType.Data) continue;
        if (e.pipeline === rel.id) backlog.push(e.data[0]); // echoed back below, also under loss
        else if (e.pipeline === unrel.id) unreliable.push(e.data[0]);
        else if (e.pipeline === frag.id) fragments.push(e.data);
      }
      while (backlog.length && server.send(s, rel, Uint8Array.of(backlog[0])) === 1) backlog.shift();
      for (const e of drain(client)) if (e.type === NetworkEventType.Data && e.pipeline === rel.id) echoed.push(e.data[0]);
      return echoed.length === N && fragments.length === 5 && nextUnrel === N;
    }, 'every echo, fragment and unreliable message', 20_000);

    expect(echoed).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(fragments).toEqual(Array.from({ length: 5 }, (_, i) => big(i)));
    expect(unreliable.length).toBeGreaterThan(0);
    for (let i = 1; i < unreliable.length; i++) expect(unreliable[i]).toBeGreaterThan(unreliable[i - 1]);
    expect(server.getStatistics().dropped.simulated + client.getStatistics().dropped.simulated).toBeGreaterThan(0);
  });
});
