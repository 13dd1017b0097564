import {
  NetworkDriver, NetworkPipeline, NetworkSettings, UDPNetworkInterface, WebSocketNetworkInterface, wsPackageWebSocket,
  type NetworkInterface, type PipelineStage,
} from '../../plugin/transport/index.ts';

export type PipelineKind = 'null' | 'reliable';
export type Carrier = 'udp' | 'ws' | 'dtls';

/**
 * A driver tuned for a load test: deep receive/send queues; over UDP a 4 MiB socket receive buffer. Over WebSocket
 * the server side is `WebSocketServerInterface` and the client side `WebSocketNetworkInterface` on the `ws` package
 * (the same client library as the plain-ws baseline).
 */
export async function benchDriver(window: number, carrier: Carrier = 'udp', role: 'server' | 'client' = 'server'): Promise<NetworkDriver> {
  const settings = new NetworkSettings()
    .withNetworkConfigParameters({ receiveQueueCapacity: 4096, sendQueueCapacity: 4096 })
    .withReliableStageParameters({ windowSize: window });
  let networkInterface: NetworkInterface;
  if (carrier === 'dtls') {
    // Certificates made by the suite (bench/lib/dtls-pki.ts) in the directory named by UTP_BENCH_PKI.
    const { readFileSync } = await import('node:fs');
    const pem = (name: string) => readFileSync(`${process.env.UTP_BENCH_PKI}/${name}`, 'utf8');
    if (role === 'server') settings.withSecureServerParameters(pem('server.pem'), pem('server.key'));
    else settings.withSecureClientParameters(pem('ca.pem'), 'bench.test');
    networkInterface = new UDPNetworkInterface({ receiveBufferSize: 4 << 20 });   // the stack adds the DtlsLayer
  } else if (carrier === 'udp') networkInterface = new UDPNetworkInterface({ receiveBufferSize: 4 << 20 });
  else if (role === 'client') networkInterface = new WebSocketNetworkInterface({ WebSocket: await wsPackageWebSocket() });
  else {
    const { WebSocketServerInterface } = await import('../../plugin/transport/node.ts');
    networkInterface = new WebSocketServerInterface();
  }
  return NetworkDriver.create({ settings, networkInterface });
}

/** The stages module path, relative to this file (written by another part of the project). */
export const stagesModule = new URL('../../plugin/transport/stages/index.ts', import.meta.url);

/** Pipeline 0 for 'null'; pipeline 1 = [ReliableSequenced] for 'reliable'. Same ids on both peers. */
export async function benchPipeline(driver: NetworkDriver, kind: PipelineKind): Promise<NetworkPipeline> {
  if (kind === 'null') return NetworkPipeline.Null;
  const stages = (await import(stagesModule.href)) as { ReliableSequencedPipelineStage: PipelineStage };
  return driver.createPipeline(stages.ReliableSequencedPipelineStage);
}
