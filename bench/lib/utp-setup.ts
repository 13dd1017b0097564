import {
  NetworkDriver, NetworkPipeline, NetworkSettings, UDPNetworkInterface, type PipelineStage,
} from '../../plugin/transport/index.ts';

export type PipelineKind = 'null' | 'reliable';

/** A driver tuned for a load test: deep receive/send queues and a 4 MiB socket receive buffer. */
export function benchDriver(window: number): NetworkDriver {
  const settings = new NetworkSettings()
    .withNetworkConfigParameters({ receiveQueueCapacity: 4096, sendQueueCapacity: 4096 })
    .withReliableStageParameters({ windowSize: window });
  return NetworkDriver.create({ settings, networkInterface: new UDPNetworkInterface({ receiveBufferSize: 4 << 20 }) });
}

/** The stages module path, relative to this file (written by another part of the project). */
export const stagesModule = new URL('../../plugin/transport/stages/index.ts', import.meta.url);

/** Pipeline 0 for 'null'; pipeline 1 = [ReliableSequenced] for 'reliable'. Same ids on both peers. */
export async function benchPipeline(driver: NetworkDriver, kind: PipelineKind): Promise<NetworkPipeline> {
  if (kind === 'null') return NetworkPipeline.Null;
  const stages = (await import(stagesModule.href)) as { ReliableSequencedPipelineStage: PipelineStage };
  return driver.createPipeline(stages.ReliableSequencedPipelineStage);
}
