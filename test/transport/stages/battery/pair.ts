import { createHash } from 'node:crypto';
import {
  ConnectionState, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
  type NetworkConnection, type NetworkPipeline,
} from '../../../../plugin/index.ts';
import { FragmentationPipelineStage, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage } from '../../../../plugin/transport/stages/index.ts';
import type { SimulatedLink } from './link.ts';

/** Pipelines created in the same order on both peers, as the spec's vectors assume (§9). */
export interface Pipelines { reliable: NetworkPipeline; unreliable: NetworkPipeline; fragmented: NetworkPipeline }

function createPipelines(d: NetworkDriver, sendQueue: boolean): Pipelines {
  return {
    reliable: d.createPipeline({ sendQueue }, ReliableSequencedPipelineStage),
    unreliable: d.createPipeline(UnreliableSequencedPipelineStage),
    fragmented: d.createPipeline({ sendQueue }, FragmentationPipelineStage, ReliableSequencedPipelineStage),
  };
}

/** A connected client/server pair over a simulated link, stepped on a fake 60 Hz clock. */
export class Pair {
  readonly link: SimulatedLink;
  server!: NetworkDriver;
  client!: NetworkDriver;
  serverConn!: NetworkConnection;
  clientConn!: NetworkConnection;
  pipes!: Pipelines;
  now = 0;
  /** Received Data events per side, copied: `[pipelineId, bytes]`. */
  readonly atServer: Array<[number, Uint8Array]> = [];
  readonly atClient: Array<[number, Uint8Array]> = [];
  readonly disconnects: Array<{ side: 'server' | 'client'; reason: number; at: number }> = [];
  readonly #ev = new NetworkEvent();

  constructor(link: SimulatedLink) {
    this.link = link;
  }

  static async connect(link: SimulatedLink, settings: () => NetworkSettings = () => new NetworkSettings(), sendQueue = false): Promise<Pair> {
    const p = new Pair(link);
    // accept() once the client proved its address, so the server's first sends leave at once (not held).
    p.server = NetworkDriver.create(new IPCNetworkInterface(link.net), settings().withAdmissionParameters({ acceptHalfOpen: false }));
    await p.server.bind(NetworkEndpoint.loopbackIpv4.withPort(7000));
    p.server.listen();
    p.client = NetworkDriver.create(new IPCNetworkInterface(link.net), settings());
    await p.client.bind(NetworkEndpoint.loopbackIpv4);
    p.pipes = createPipelines(p.server, sendQueue);
    createPipelines(p.client, sendQueue);
    p.clientConn = p.client.connect(p.server.localEndpoint());
    for (let i = 0; i < 5000 && (!p.serverConn || p.client.getConnectionState(p.clientConn) !== ConnectionState.Connected); i++) p.step();
    if (!p.serverConn) throw new Error(`seed ${link.seed}: no connection after 5000 frames`);
    return p;
  }

  /** One frame: both drivers update, events are collected, held datagrams move on. */
  step(ms = 16, serverUpdates = true): void {
    this.now += ms;
    this.client.update(this.now);
    if (serverUpdates) this.server.update(this.now);
    for (let c; (c = this.server.accept()); ) this.serverConn = c;
    this.#collect(this.server, 'server', this.atServer);
    this.#collect(this.client, 'client', this.atClient);
    this.link.tick();
  }

  #collect(d: NetworkDriver, side: 'server' | 'client', into: Array<[number, Uint8Array]>): void {
    const ev = this.#ev;
    for (let t; (t = d.popEvent(ev)) !== NetworkEventType.Empty; ) {
      if (t === NetworkEventType.Data) into.push([ev.pipeline.id, ev.data.slice()]);
      if (t === NetworkEventType.Disconnect) this.disconnects.push({ side, reason: ev.disconnectReason, at: this.now });
    }
  }
}

/** Deterministic message i of a stream: a header with its index, then bytes derived from it. */
export function message(i: number, size = 8 + (i % 57)): Uint8Array {
  const b = new Uint8Array(size);
  for (let k = 0; k < size; k++) b[k] = (i * 31 + k * 7) & 0xff;
  if (size >= 4) new DataView(b.buffer).setUint32(0, i, true);
  return b;
}

export function hashOf(chunks: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}
