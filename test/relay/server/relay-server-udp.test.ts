/**
 * The self-hosted relay on real sockets (UDP and HTTP on 127.0.0.1): a host and a joiner get their
 * allocations from the allocation API exactly as from Unity's service, join by code, and exchange data on
 * a reliable pipeline through the relay. No timing assertions: deadlines only bound the wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, FragmentationPipelineStage, NetworkEndpoint, NetworkEvent, NetworkEventType,
  NetworkSettings, ReliableSequencedPipelineStage, type NetworkDriver,
} from '../../../plugin/index.ts';
import {
  AllocationApi, createRelayDriver, RelayConnectionStatus, RelayServer, RelayServerData, withRelayParameters,
  type RelayAllocationJson,
} from '../../../plugin/relay/node.ts';
import { pump } from '../../support/pump.ts';
import { post } from '../harness.ts';

const loopback = NetworkEndpoint.parse('127.0.0.1', 0);
const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0).reverse()) f(); });

async function startRelay(type: 'udp' | 'dtls' = 'udp'): Promise<{ server: RelayServer; api: string }> {
  const server = new RelayServer();
  await (type === 'udp' ? server.listenUdp(loopback) : server.listenDtls(loopback));
  server.start(100);
  const allocations = new AllocationApi({ store: server.store, serverEndpoints: () => server.serverEndpoints(), load: () => server.load });
  const port = await allocations.listen(loopback);
  cleanup.push(() => server.dispose(), () => allocations.close());
  return { server, api: `http://127.0.0.1:${port}` };
}

function driverFor(allocation: RelayAllocationJson, type: 'udp' | 'dtls' = 'udp'): NetworkDriver {
  const driver = createRelayDriver(withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(allocation, type)));
  cleanup.push(() => driver.dispose());
  return driver;
}

describe('relay over UDP on 127.0.0.1, allocations from the HTTP API', () => {
  it('host and joiner exchange reliable and fragmented messages, then disconnect', async () => {
    const { server, api } = await startRelay();
    type Alloc = { data: { allocation: RelayAllocationJson } };
    const hostAlloc = (await post<Alloc>(`${api}/v1/allocate`, { maxConnections: 4 })).data.allocation;
    const { data: { joinCode } } = await post<{ data: { joinCode: string } }>(`${api}/v1/joincode`, { allocationId: hostAlloc.allocationId });

    const host = driverFor(hostAlloc);
    const hostPipe = host.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage);
    await host.bind(loopback);
    host.listen();

    const joinAlloc = (await post<Alloc>(`${api}/v1/join`, { joinCode })).data.allocation;
    expect(joinAlloc.hostConnectionData).toBe(hostAlloc.connectionData);
    const joinData = RelayServerData.fromAllocation(joinAlloc, 'udp');
    const joiner = driverFor(joinAlloc);
    const joinPipe = joiner.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage);
    await joiner.bind(loopback);
    const toHost = joiner.connect(joinData.endpoint);

    let atHost = null as ReturnType<NetworkDriver['accept']>;
    await pump([host, joiner], () => (atHost ??= host.accept()) !== null && joiner.getConnectionState(toHost) === ConnectionState.Connected, 'the connection');
    expect(host.getRelayConnectionStatus()).toBe(RelayConnectionStatus.Established);
    expect(joiner.getRelayConnectionStatus()).toBe(RelayConnectionStatus.Established);

    const big = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff); // fragmented, reliable
    const sent = ['hello host', 'second'].map((s) => new TextEncoder().encode(s));
    for (const m of [...sent, big]) expect(joiner.send(toHost, joinPipe, m)).toBe(m.length);
    const got: Uint8Array[] = [];
    const ev = new NetworkEvent();
    await pump([host, joiner], () => {
      while (host.popEvent(ev) !== NetworkEventType.Empty) {
        if (ev.type === NetworkEventType.Data) {
          got.push(Uint8Array.from(ev.data));
          host.send(ev.connection, hostPipe, ev.data); // echo
        }
      }
      return got.length === 3;
    }, 'the messages at the host');
    expect(got).toEqual([...sent, big]);

    const echoed: Uint8Array[] = [];
    await pump([host, joiner], () => {
      while (joiner.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) echoed.push(Uint8Array.from(ev.data));
      return echoed.length === 3;
    }, 'the echoes');
    expect(echoed).toEqual([...sent, big]);
    expect(server.load.joins).toBe(1);

    joiner.disconnect(toHost);
    let reason = -1;
    await pump([host, joiner], () => {
      while (host.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Disconnect) reason = ev.disconnectReason;
      return reason >= 0;
    }, 'the disconnect');
    expect(reason).toBe(DisconnectReason.ClosedByRemote);
    await pump([host, joiner], () => server.load.joins === 0, 'the relay to drop the link');
    const load = await (await fetch(`${api}/v1/load`)).json() as { allocations: number; packetsIn: number };
    expect(load.allocations).toBe(2);
    expect(load.packetsIn).toBeGreaterThan(10);
  });
});

describe('relay over DTLS on 127.0.0.1 (connection type dtls, spec §6.4)', () => {
  it('host and joiner bind with their allocation keys as pre-shared keys and exchange reliable messages', async () => {
    const { server, api } = await startRelay('dtls');
    expect(server.serverEndpoints()).toMatchObject([{ connectionType: 'dtls', secure: true, network: 'udp' }]);
    type Alloc = { data: { allocation: RelayAllocationJson } };
    const hostAlloc = (await post<Alloc>(`${api}/v1/allocate`, { maxConnections: 2 })).data.allocation;
    const { data: { joinCode } } = await post<{ data: { joinCode: string } }>(`${api}/v1/joincode`, { allocationId: hostAlloc.allocationId });
    const host = driverFor(hostAlloc, 'dtls');
    const hostPipe = host.createPipeline(ReliableSequencedPipelineStage);
    await host.bind(loopback);
    host.listen();
    const joinAlloc = (await post<Alloc>(`${api}/v1/join`, { joinCode })).data.allocation;
    const joiner = driverFor(joinAlloc, 'dtls');
    const joinPipe = joiner.createPipeline(ReliableSequencedPipelineStage);
    await joiner.bind(loopback);
    expect(joiner.packetPadding).toBe(87);   // spec §2.4: UDP + Relay + DTLS
    const toHost = joiner.connect(RelayServerData.fromAllocation(joinAlloc, 'dtls').endpoint);
    let atHost = null as ReturnType<NetworkDriver['accept']>;
    await pump([host, joiner], () => (atHost ??= host.accept()) !== null && joiner.getConnectionState(toHost) === ConnectionState.Connected, 'the connection');
    expect(host.getRelayConnectionStatus()).toBe(RelayConnectionStatus.Established);

    joiner.send(toHost, joinPipe, new TextEncoder().encode('over dtls'));
    const got: string[] = [];
    const ev = new NetworkEvent();
    await pump([host, joiner], () => {
      while (host.popEvent(ev) !== NetworkEventType.Empty) {
        if (ev.type === NetworkEventType.Data) { got.push(new TextDecoder().decode(ev.data)); host.send(ev.connection, hostPipe, ev.data); }
      }
      while (joiner.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) got.push(`echo ${new TextDecoder().decode(ev.data)}`);
      return got.length === 2;
    }, 'the echo');
    expect(got).toEqual(['over dtls', 'echo over dtls']);
  });
});
