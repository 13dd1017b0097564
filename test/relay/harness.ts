import {
  IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
  type NetworkConnection, type PacketSink,
} from '../../plugin/index.ts';
import { RelayLayer, RelayServerData, withRelayParameters, type HmacSha256, type RelayLayerOptions } from '../../plugin/relay/index.ts';
import type { LayerLinks } from '../../plugin/transport/stack/layer.ts';
import { RelayServer, type RelayServerOptions } from '../../plugin/relay/node.ts';
import { hex } from '../support/hex.ts';
import { FakeClock } from '../support/clock.ts';

/** The spec's vector inputs (§9 TV-14..TV-20): A = 10..1f (own id), B = 20..2f (peer id), C = 00..fe, K = 00..3f. */
export const A = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
export const B = Uint8Array.from({ length: 16 }, (_, i) => 0x20 + i);
export const C = Uint8Array.from({ length: 255 }, (_, i) => i);
export const K = Uint8Array.from({ length: 64 }, (_, i) => i);

/** Port of the fake or real relay server on an in-memory network. */
export const RELAY_PORT = 7000;
export const relayEndpoint = NetworkEndpoint.loopbackIpv4.withPort(RELAY_PORT);

/** Relay data for the vector inputs, pointing at the in-memory relay. */
export function vectorServerData(hostConnectionData: Uint8Array = C): RelayServerData {
  return new RelayServerData({ endpoint: relayEndpoint, allocationId: A, connectionData: C, hostConnectionData, key: K });
}

/** A sink that records what the relay interface hands to the driver. */
export class RecordingSink implements PacketSink {
  readonly received: Array<{ hex: string; address: string; port: number }> = [];
  readonly closedLinks: Array<{ address: string; port: number; reason: number }> = [];
  readonly errors: Error[] = [];
  receive(b: Uint8Array, address: string, port: number): void { this.received.push({ hex: hex(b), address, port }); }
  error(err: Error): void { this.errors.push(err); }
  closed(address: string, port: number, reason: number): void { this.closedLinks.push({ address, port, reason }); }
}

/**
 * A Relay layer alone over a bound IPC carrier, with links that record what it hands up (`sink`) — the layer's
 * contract exercised without a connection layer above it. `update(t)` is the driver's clock.
 */
export class RelayRig {
  readonly sink = new RecordingSink();
  readonly layer: RelayLayer;
  readonly carrier: IPCNetworkInterface;
  now = 0;

  constructor(net: IPCNetwork, data: RelayServerData, settings: NetworkSettings, options: RelayLayerOptions) {
    this.carrier = new IPCNetworkInterface(net);
    this.layer = new RelayLayer(data, settings, options);
    const rig = this;
    const links: LayerLinks = {
      get now() { return rig.now; },
      ready: true,
      settings,
      up: (b, start, end, address, port) => this.sink.receive(b.slice(start, end), address, port),
      down: (b, start, end, to) => this.carrier.send(b, start, end, to),
      drop: () => {},
      closed: (address, port, reason) => this.sink.closed(address, port, reason),
      error: (err) => this.sink.error(err),
      wake: () => {},
    };
    this.layer.attach(links);
  }

  async bind(): Promise<void> {
    await this.carrier.bind(NetworkEndpoint.loopbackIpv4, {
      receive: (b, address, port) => this.layer.receive(b, 0, b.length, address, port),
      error: (err) => this.sink.error(err),
      closed: () => this.layer.linkClosed(),
    });
  }

  update(t: number): void { this.now = t; this.layer.update(t); }
  send(b: Uint8Array, start: number, end: number, to: NetworkEndpoint): void { this.layer.send(b, start, end, to); }
  get localEndpoint(): NetworkEndpoint { return this.carrier.localEndpoint; }
  get relayConnectionStatus(): number { return this.layer.relayConnectionStatus; }
  get statistics() { return this.layer.statistics; }
  get nonce(): number { return this.layer.nonce; }
}

/** A Relay layer over IPC, bound, with its sink. */
export async function relayInterface(
  net: IPCNetwork, data = vectorServerData(), options: RelayLayerOptions & { settings?: NetworkSettings } = {},
): Promise<{ iface: RelayRig; sink: RecordingSink }> {
  const iface = new RelayRig(net, data, options.settings ?? new NetworkSettings(), options);
  await iface.bind();
  return { iface, sink: iface.sink };
}

/** A relay server listening on the in-memory network at `relayEndpoint`. */
export async function memoryRelay(net: IPCNetwork, clock: FakeClock, options: RelayServerOptions = {}): Promise<RelayServer> {
  const server = new RelayServer({ clock: clock.read, ...options });
  await server.listen(new IPCNetworkInterface(net), relayEndpoint);
  return server;
}

/** Relay data for an allocation of `server`'s store (host: no hostConnectionData; joiner: the host's). */
export function dataFor(server: RelayServer, clock: FakeClock, host?: RelayServerData, maxConnections = 10): RelayServerData {
  const a = server.store.create({ maxConnections, now: clock.now, hostConnectionData: host ? host.connectionData : null });
  return new RelayServerData({
    endpoint: relayEndpoint, allocationId: a.id, connectionData: a.connectionData, key: a.key,
    hostConnectionData: host ? host.connectionData : a.connectionData,
  });
}

/** A driver with a Relay layer over the in-memory network, bound. */
export async function relayDriver(
  net: IPCNetwork, data: RelayServerData, settings = new NetworkSettings(), options: { hmac?: HmacSha256; relayConnectionTimeMS?: number } = {},
): Promise<{ driver: NetworkDriver; iface: RelayLayer }> {
  withRelayParameters(settings, data, options.relayConnectionTimeMS ?? 3000, { hmac: options.hmac });
  const driver = NetworkDriver.create(new IPCNetworkInterface(net), settings);
  await driver.bind(NetworkEndpoint.loopbackIpv4);
  return { driver, iface: RelayLayer.of(driver) };
}

export interface Seen { type: number; connection: NetworkConnection; data: string; reason: number }

/** Pops every event of `d`. */
export function events(d: NetworkDriver): Seen[] {
  const ev = new NetworkEvent();
  const out: Seen[] = [];
  while (d.popEvent(ev) !== NetworkEventType.Empty) {
    out.push({ type: ev.type, connection: ev.connection, data: Buffer.from(ev.data).toString(), reason: ev.type === NetworkEventType.Disconnect ? ev.disconnectReason : -1 });
  }
  return out;
}

/** Steps every driver and the server by `step` ms until `until` returns true or `limit` ms passed; returns whether it did. */
export function run(clock: FakeClock, drivers: NetworkDriver[], server: RelayServer | null, until: () => boolean, limit = 20_000, step = 10, onTick?: () => void): boolean {
  const end = clock.now + limit;
  while (clock.now <= end) {
    for (const d of drivers) d.update(clock.now);
    server?.update(clock.now);
    onTick?.();
    if (until()) return true;
    clock.now += step;
  }
  return false;
}

/** POSTs JSON to the allocation API and returns the parsed answer (throws on an HTTP error). */
export async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
