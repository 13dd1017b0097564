import {
  IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
} from '../../plugin/index.ts';
import { fromHex, hex } from './hex.ts';

/** A peer written from the spec only: it sends raw bytes and records what it receives. */
export class RawPeer {
  readonly endpoint: NetworkEndpoint;
  readonly received: Uint8Array[] = [];
  readonly #net: IPCNetwork;

  constructor(net: IPCNetwork, port: number, address = '127.0.0.1') {
    this.#net = net;
    this.endpoint = net.attach(NetworkEndpoint.parse(address, port), {
      receive: (bytes) => { this.received.push(bytes); },
      error: () => {},
    });
  }

  send(to: NetworkEndpoint, bytes: Uint8Array | string): void {
    const b = typeof bytes === 'string' ? fromHex(bytes) : bytes;
    this.#net.deliver(b, this.endpoint, to);
  }

  /** Received packets as hex strings, and forget them. */
  take(): string[] {
    const out = this.received.map(hex);
    this.received.length = 0;
    return out;
  }
}

export const T = '0102030405060708';

export async function makeDriver(net: IPCNetwork, port = 0, settings = new NetworkSettings(), listen = true): Promise<NetworkDriver> {
  const d = NetworkDriver.create(new IPCNetworkInterface(net), settings);
  await d.bind(NetworkEndpoint.loopbackIpv4.withPort(port));
  if (listen) d.listen();
  return d;
}

export interface SeenEvent { type: number; connection: string; pipeline: number; data: string }

/** Pops every event and describes it compactly. */
export function drain(d: NetworkDriver): SeenEvent[] {
  const ev = new NetworkEvent();
  const out: SeenEvent[] = [];
  while (d.popEvent(ev) !== NetworkEventType.Empty) {
    out.push({ type: ev.type, connection: ev.connection.toString(), pipeline: ev.pipeline.id, data: hex(ev.data) });
  }
  return out;
}
