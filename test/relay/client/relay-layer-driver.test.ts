/**
 * NetworkDrivers talking through the self-hosted relay on the in-memory network and a fake clock: the
 * whole stack (SCL + pipelines inside RELAY), status reporting, restarts, rejection and disconnects.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, IPCNetwork, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  StatusCode, type NetworkConnection, type NetworkDriver,
} from '../../../plugin/index.ts';
import { RelayConnectionStatus, RelayServerData, type RelayLayer } from '../../../plugin/relay/index.ts';
import type { RelayServer } from '../../../plugin/relay/node.ts';
import { dataFor, events, memoryRelay, relayDriver, relayEndpoint, run, type Seen } from '../harness.ts';
import { text } from '../../support/hex.ts';
import { FakeClock } from '../../support/clock.ts';

const { Established, AllocationInvalid, NotEstablished } = RelayConnectionStatus;

let net: IPCNetwork, clock: FakeClock, server: RelayServer;
let host: NetworkDriver, hostIface: RelayLayer, hostData: RelayServerData;
let seenHost: Seen[], seenJoin: Seen[];

beforeEach(async () => {
  net = new IPCNetwork();
  clock = new FakeClock();
  server = await memoryRelay(net, clock);
  hostData = dataFor(server, clock);
  ({ driver: host, iface: hostIface } = await relayDriver(net, hostData));
  host.listen();
  seenHost = [];
  seenJoin = [];
});

interface Joined { driver: NetworkDriver; iface: RelayLayer; toHost: NetworkConnection; atHost: NetworkConnection }

/** A joiner connected to the host through the relay (both sides see Connect). */
async function join(settings = new NetworkSettings()): Promise<Joined> {
  const { driver, iface } = await relayDriver(net, dataFor(server, clock, hostData), settings);
  const toHost = driver.connect(relayEndpoint);
  let atHost: NetworkConnection | null = null;
  const ok = run(clock, [host, driver], server, () => {
    atHost ??= host.accept();
    seenHost.push(...events(host));
    seenJoin.push(...events(driver));
    return atHost !== null && driver.getConnectionState(toHost) === ConnectionState.Connected;
  });
  expect(ok).toBe(true);
  return { driver, iface, toHost, atHost: atHost! };
}

/** Steps until `until`, collecting events of host and joiner. */
function pump(j: Joined | null, until: () => boolean, limit = 20_000): boolean {
  const drivers = j ? [host, j.driver] : [host];
  return run(clock, drivers, server, until, limit, 10, () => {
    seenHost.push(...events(host));
    if (j) seenJoin.push(...events(j.driver));
  });
}

describe('host and joiner through the relay', () => {
  it('bind, join and exchange messages on a reliable pipeline; relay status Established', async () => {
    const j = await join();
    expect(host.getRelayConnectionStatus()).toBe(Established);
    expect(j.driver.getRelayConnectionStatus()).toBe(Established);
    // Addresses: the joiner sees the relay endpoint; the host sees the joiner's allocation id (our design).
    expect(j.driver.remoteEndpoint(j.toHost)!.toString()).toBe(relayEndpoint.toString());
    expect(host.remoteEndpoint(j.atHost)!.address).toMatch(/^[0-9a-f]{32}$/);
    const relH = host.createPipeline(ReliableSequencedPipelineStage);
    const relJ = j.driver.createPipeline(ReliableSequencedPipelineStage);
    // 30 each way: within the reliable window of 32 (more would return NetworkSendQueueFull).
    for (let i = 0; i < 30; i++) expect(j.driver.send(j.toHost, relJ, text(`up ${i}`))).toBeGreaterThan(0);
    for (let i = 0; i < 30; i++) expect(host.send(j.atHost, relH, text(`down ${i}`))).toBeGreaterThan(0);
    const data = (s: Seen[]) => s.filter((e) => e.type === NetworkEventType.Data).map((e) => e.data);
    expect(pump(j, () => data(seenHost).length === 30 && data(seenJoin).length === 30)).toBe(true);
    expect(data(seenHost)).toEqual(Array.from({ length: 30 }, (_, i) => `up ${i}`));
    expect(data(seenJoin)).toEqual(Array.from({ length: 30 }, (_, i) => `down ${i}`));
    expect(server.load.joins).toBe(1);
  });

  it('has the UDP + Relay header budget of spec §2.4: 1350 bytes on pipeline 0, 1338 on [Reliable]', async () => {
    const j = await join();
    const rel = j.driver.createPipeline(ReliableSequencedPipelineStage);
    host.createPipeline(ReliableSequencedPipelineStage);
    expect(j.driver.send(j.toHost, 0, new Uint8Array(1350))).toBe(1350);
    expect(j.driver.send(j.toHost, 0, new Uint8Array(1351))).toBe(StatusCode.NetworkPacketOverflow);
    expect(j.driver.send(j.toHost, rel, new Uint8Array(1338))).toBe(1338);
    expect(j.driver.send(j.toHost, rel, new Uint8Array(1339))).toBe(StatusCode.NetworkPacketOverflow);
    expect(pump(j, () => seenHost.filter((e) => e.type === NetworkEventType.Data).length === 2)).toBe(true);
  });

  it('joiner disconnects: the host sees ClosedByRemote, the relay link is gone', async () => {
    const j = await join();
    j.driver.disconnect(j.toHost);
    expect(pump(j, () => seenHost.some((e) => e.type === NetworkEventType.Disconnect))).toBe(true);
    expect(seenHost.find((e) => e.type === NetworkEventType.Disconnect)!.reason).toBe(DisconnectReason.ClosedByRemote);
    expect(j.iface.statistics.disconnectsSent).toBe(1);
    expect(server.load.joins).toBe(0);
  });

  it('host disconnects: the joiner sees ClosedByRemote (the SCL Disconnect precedes the DISCONNECT)', async () => {
    const j = await join();
    host.disconnect(j.atHost);
    expect(pump(j, () => seenJoin.some((e) => e.type === NetworkEventType.Disconnect))).toBe(true);
    expect(seenJoin.find((e) => e.type === NetworkEventType.Disconnect)!.reason).toBe(DisconnectReason.ClosedByRemote);
    // The DISCONNECT follows once the host's SCL released the connection (the update after its Disconnect left).
    expect(pump(j, () => hostIface.statistics.disconnectsSent > 0)).toBe(true);
    expect(hostIface.statistics.disconnectsSent).toBe(1);
    expect(server.load.joins).toBe(0);
  });

  it('a DISCONNECT alone (the host\'s allocation expired) closes the joiner with ProtocolError', async () => {
    const j = await join();
    // The host goes silent; after 10 s the relay expires it and sends DISCONNECT to the joiner.
    const ok = run(clock, [j.driver], server, () => {
      seenJoin.push(...events(j.driver));
      return seenJoin.some((e) => e.type === NetworkEventType.Disconnect);
    });
    expect(ok).toBe(true);
    expect(seenJoin.find((e) => e.type === NetworkEventType.Disconnect)!.reason).toBe(DisconnectReason.ProtocolError);
  });

  it('REJECTED when the host allocation is full: ClosedByRemote and AllocationInvalid', async () => {
    hostData = dataFor(server, clock, undefined, 1);
    ({ driver: host } = await relayDriver(net, hostData));
    host.listen();
    await join();
    const { driver: late } = await relayDriver(net, dataFor(server, clock, hostData));
    const c = late.connect(relayEndpoint);
    const seen: Seen[] = [];
    expect(run(clock, [host, late], server, () => { seen.push(...events(late)); return seen.length > 0; })).toBe(true);
    expect(seen.map((e) => [e.type, e.reason])).toEqual([[NetworkEventType.Disconnect, DisconnectReason.ClosedByRemote]]);
    expect(late.getConnectionState(c)).toBe(ConnectionState.Disconnected);
    expect(late.getRelayConnectionStatus()).toBe(AllocationInvalid);
  });

  it('a wrong HMAC key is refused (ERROR 2) until the bind budget runs out', async () => {
    const good = dataFor(server, clock);
    const bad = new RelayServerData({ endpoint: relayEndpoint, allocationId: good.allocationId, connectionData: good.connectionData, key: new Uint8Array(64).fill(1) });
    const settings = new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 100, maxConnectAttempts: 5 });
    const { driver, iface } = await relayDriver(net, bad, settings);
    run(clock, [driver], server, () => false, 450);
    expect(driver.getRelayConnectionStatus()).toBe(NotEstablished);
    expect(iface.statistics.errors[2]).toBe(5);
    run(clock, [driver], server, () => false, 100);
    expect(driver.getRelayConnectionStatus()).toBe(AllocationInvalid);
  });

  it('self-connect is refused with ERROR 6', async () => {
    const { driver, iface } = await relayDriver(net, hostData);
    driver.connect(relayEndpoint);
    run(clock, [driver], server, () => iface.statistics.errors[6] > 0, 3000);
    expect(iface.statistics.errors[6]).toBeGreaterThan(0);
  });
});

describe('relay restarts (spec §7.3 rules 5 and 8)', () => {
  it('a new server instance keeping the allocations: re-BIND after 9 s of silence, connections survive', async () => {
    const j = await join();
    const rel = j.driver.createPipeline(ReliableSequencedPipelineStage);
    host.createPipeline(ReliableSequencedPipelineStage);
    const binds = j.iface.statistics.bindsSent;
    server.dispose();
    const store = server.store;
    server = null as unknown as RelayServer;
    const down = clock.now;
    pump(j, () => clock.now - down >= 9_500);
    expect(j.iface.statistics.bindsSent).toBeGreaterThan(binds); // re-BINDing into the void
    server = await memoryRelay(net, clock, { store });
    j.driver.send(j.toHost, rel, text('after the restart'));
    expect(pump(j, () => seenHost.some((e) => e.data === 'after the restart'))).toBe(true);
    expect(seenHost.concat(seenJoin).filter((e) => e.type === NetworkEventType.Disconnect)).toEqual([]);
    expect(host.getRelayConnectionStatus()).toBe(Established);
    expect(j.driver.getRelayConnectionStatus()).toBe(Established);
  });

  it('a new server that forgot the allocations answers ERROR 4: AllocationInvalid', async () => {
    const j = await join();
    server.dispose();
    server = await memoryRelay(net, clock); // a fresh store
    expect(pump(j, () => j.driver.getRelayConnectionStatus() === AllocationInvalid && host.getRelayConnectionStatus() === AllocationInvalid)).toBe(true);
    expect(j.iface.statistics.errors[4]).toBeGreaterThan(0);
  });
});
