/**
 * Relay carried over WebSocket (connection type "ws"): the client layer over the WebSocket client
 * interface, the server over `ws`, on 127.0.0.1. A UDP host and a WebSocket joiner share one relay, and a
 * joiner whose WebSocket drops binds again on a new one (spec §7.3 rule 8).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  UDPNetworkInterface, WebSocketNetworkInterface,
} from '../../../plugin/index.ts';
import {
  AllocationApi, AllocationStore, createRelayDriver, relayCarrierFor, RelayConnectionStatus, RelayLayer, RelayServer,
  RelayServerData, RelayWebSocketInterface, withRelayParameters, type RelayAllocationJson,
} from '../../../plugin/relay/node.ts';
import { pump } from '../../support/pump.ts';

const loopback = NetworkEndpoint.parse('127.0.0.1', 0);
const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0).reverse()) f(); });

async function relay(store?: AllocationStore, udpPort = 0, wsPort = 0): Promise<{ server: RelayServer; api: AllocationApi; udpPort: number; wsPort: number }> {
  const server = new RelayServer({ store });
  udpPort = (await server.listenUdp(loopback.withPort(udpPort))).port;
  wsPort = (await server.listenWebSocket(loopback.withPort(wsPort))).port;
  const api = new AllocationApi({ store: server.store, serverEndpoints: () => server.serverEndpoints() });
  cleanup.push(() => server.dispose());
  return { server, api, udpPort, wsPort };
}

const ifaces = new Map<NetworkDriver, RelayLayer>();
function driver(allocation: RelayAllocationJson, type: 'udp' | 'ws', settings = new NetworkSettings()): NetworkDriver {
  const d = createRelayDriver(withRelayParameters(settings, RelayServerData.fromAllocation(allocation, type)));
  ifaces.set(d, RelayLayer.of(d));
  cleanup.push(() => d.dispose());
  return d;
}

describe('Relay over WebSocket', () => {
  it('a WebSocket joiner talks to a UDP host through the relay, then survives a relay restart', async () => {
    const { server, api, udpPort, wsPort } = await relay();
    const hostAlloc = api.allocate(4);
    const joinAlloc = api.join(api.createJoinCode(hostAlloc.allocationId));
    const host = driver(hostAlloc, 'udp');
    const joiner = driver(joinAlloc, 'ws');
    const pipes = [host, joiner].map((d) => d.createPipeline(ReliableSequencedPipelineStage));
    await host.bind(loopback);
    host.listen();
    const wsData = RelayServerData.fromAllocation(joinAlloc, 'ws');
    expect(wsData.endpoint.address).toBe(`ws://127.0.0.1:${wsPort}/`);
    const toHost = joiner.connect(wsData.endpoint);
    let atHost = null as ReturnType<NetworkDriver['accept']>;
    await pump([host, joiner], () => (atHost ??= host.accept()) !== null && joiner.getConnectionState(toHost) === ConnectionState.Connected, 'the connection');
    // Header budget: Relay 40 + WebSocket 14 + SCL 9 + pipeline byte (spec §2.4).
    expect(joiner.maxHeaderSize(0)).toBe(64);

    const ev = new NetworkEvent();
    const received = (d: NetworkDriver, into: string[]) => () => {
      while (d.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) into.push(new TextDecoder().decode(ev.data));
      return into.length > 0;
    };
    const atHostData: string[] = [];
    joiner.send(toHost, pipes[1], new TextEncoder().encode('over ws'));
    await pump([host, joiner], received(host, atHostData), 'data at the host');
    expect(atHostData).toEqual(['over ws']);

    // The relay restarts on the same ports with its allocations: the joiner's WebSocket closes, it binds again.
    const binds = ifaces.get(joiner)!.statistics.bindsSent;
    server.dispose();
    const again = await relay(server.store, udpPort, wsPort);
    expect(again.wsPort).toBe(wsPort);
    const back: string[] = [];
    host.send(atHost!, pipes[0], new TextEncoder().encode('after restart'));
    await pump([host, joiner], received(joiner, back), 'data at the joiner after the restart', 20_000);
    expect(back).toEqual(['after restart']);
    expect(joiner.getRelayConnectionStatus()).toBe(RelayConnectionStatus.Established);
    expect(ifaces.get(joiner)!.statistics.bindsSent).toBeGreaterThan(binds); // on a new WebSocket
    expect(ifaces.get(host)!.statistics.errors[3]).toBeGreaterThan(0); // the UDP host learnt it through ERROR 3
    expect(joiner.getConnectionState(toHost)).toBe(ConnectionState.Connected);
  });

  it('picks RelayWebSocketInterface for ws data and refuses UDP or the SCL WebSocket client (spec §2.3)', () => {
    const store = new AllocationStore();
    const api = new AllocationApi({ store, serverEndpoints: () => [{ connectionType: 'ws', host: '127.0.0.1', port: 1 }] });
    const data = RelayServerData.fromAllocation(api.allocate(), 'ws');
    expect(relayCarrierFor(data)).toBeInstanceOf(RelayWebSocketInterface);
    const settings = () => withRelayParameters(new NetworkSettings(), data);
    expect(createRelayDriver(settings()).stack.carrier).toBeInstanceOf(RelayWebSocketInterface);
    expect(() => NetworkDriver.create(new UDPNetworkInterface(), settings())).toThrow(/interface is UDP/);
    expect(() => NetworkDriver.create(new WebSocketNetworkInterface(), settings())).toThrow(/RelayWebSocketInterface/);
  });
});
