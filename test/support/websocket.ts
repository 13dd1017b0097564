import {
  NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, WebSocketNetworkInterface,
  type NetworkConnection, type WebSocketNetworkInterfaceOptions,
} from '../../plugin/index.ts';
import { WebSocketServerInterface, type WebSocketServerInterfaceOptions } from '../../plugin/transport/node.ts';
import { pump } from './pump.ts';

/** Everything a test created, disposed after it. */
export const cleanup: Array<() => void> = [];
export function disposeAll(): void {
  for (const f of cleanup.splice(0).reverse()) f();
}

export async function wsServer(
  options: WebSocketServerInterfaceOptions = {}, settings = new NetworkSettings(),
): Promise<{ driver: NetworkDriver; iface: WebSocketServerInterface; url: string }> {
  const iface = new WebSocketServerInterface({ path: '/utp', ...options });
  const driver = NetworkDriver.create({ networkInterface: iface, settings });
  cleanup.push(() => driver.dispose());
  await driver.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
  driver.listen();
  const e = driver.localEndpoint();
  return { driver, iface, url: `ws://127.0.0.1:${e.port}/utp` };
}

export function wsClient(
  options: WebSocketNetworkInterfaceOptions | WebSocketNetworkInterface = { path: '/utp' }, settings = new NetworkSettings(),
): NetworkDriver {
  const networkInterface = options instanceof WebSocketNetworkInterface ? options : new WebSocketNetworkInterface(options);
  const driver = NetworkDriver.create({ networkInterface, settings });
  cleanup.push(() => driver.dispose());
  return driver;
}

export interface Seen { type: number; connection: NetworkConnection; pipeline: number; data: Uint8Array }

/** Pops every event of a driver (copies the bytes). */
export function drain(d: { popEvent(ev: NetworkEvent): number }): Seen[] {
  const out: Seen[] = [];
  for (let ev = new NetworkEvent(); d.popEvent(ev) !== NetworkEventType.Empty; ev = new NetworkEvent()) {
    out.push({ type: ev.type, connection: ev.connection, pipeline: ev.pipeline.id, data: ev.data.slice() });
  }
  return out;
}

/** Connects `client` to `server` and returns both ends once established. */
export async function connectPair(
  server: NetworkDriver, client: NetworkDriver, to: NetworkEndpoint, payload?: Uint8Array,
): Promise<{ c: NetworkConnection; s: NetworkConnection; payload: Uint8Array | null }> {
  const c = client.connect(to, payload);
  let s: NetworkConnection | null = null;
  const out = { payload: null as Uint8Array | null };
  const events: Seen[] = [];
  await pump([client, server], () => {
    s ??= server.accept(out);
    events.push(...drain(client));
    return s !== null && events.some((e) => e.type === NetworkEventType.Connect);
  });
  return { c, s: s!, payload: out.payload ?? null };
}

