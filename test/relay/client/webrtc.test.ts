/**
 * Relay carried over WebRTC data channels (`RelayWebRtcInterface` → `RelayServer.listenWebRtc`), on 127.0.0.1, with
 * node-datachannel's W3C RTCPeerConnection standing in for a browser's: a WebRTC host and a UDP joiner exchange
 * reliable and unreliable messages through the relay; a relay without WebRTC sends the client to its WebSocket;
 * garbage and oversized offers are refused and counted while the relay keeps relaying; misuse throws UtpError.
 * (The relay demo page does the same in Chromium: test/game/relay-demo.browser.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, UtpError, type NetworkConnection,
} from '../../../plugin/index.ts';
import {
  AllocationApi, createRelayDriver, RelayConnectionStatus, RelayServer, RelayServerData, RelayWebRtcInterface, relaySignalUrl,
  withRelayParameters, type RelayAllocationJson,
} from '../../../plugin/relay/node.ts';
import { pump } from '../../support/pump.ts';
import { nodeRtcPeerConnection } from '../../support/webrtc.ts';

const loopback = NetworkEndpoint.parse('127.0.0.1', 0);
const cleanup: Array<() => void> = [];
afterEach(() => { for (const f of cleanup.splice(0).reverse()) f(); });

async function relay(webRtc = true): Promise<{ server: RelayServer; api: AllocationApi; wsPort: number }> {
  const server = new RelayServer();
  cleanup.push(() => server.dispose());
  await server.listenUdp(loopback);
  const wsPort = (await server.listenWebSocket(loopback)).port;
  if (webRtc) expect((await server.listenWebRtc({ iceAddress: '127.0.0.1' })).port).toBe(wsPort); // same HTTP port
  const api = new AllocationApi({ store: server.store, serverEndpoints: () => server.serverEndpoints() });
  return { server, api, wsPort };
}

interface Peer { driver: NetworkDriver; reliable: ReturnType<NetworkDriver['createPipeline']>; unreliable: ReturnType<NetworkDriver['createPipeline']>; data: RelayServerData }

async function peer(allocation: RelayAllocationJson, type: 'udp' | 'ws', carrier?: RelayWebRtcInterface): Promise<Peer> {
  const data = RelayServerData.fromAllocation(allocation, type);
  const driver = createRelayDriver(withRelayParameters(new NetworkSettings(), data), { carrier });
  cleanup.push(() => driver.dispose());
  const reliable = driver.createPipeline(ReliableSequencedPipelineStage);
  const unreliable = driver.createPipeline(UnreliableSequencedPipelineStage);
  await driver.bind(NetworkEndpoint.anyIpv4);
  return { driver, reliable, unreliable, data };
}

/** Messages of `d` as `pipeline:text`, into `into`; true once there are `n`. */
function collect(d: NetworkDriver, into: string[], n: number, pipes: Peer): () => boolean {
  const ev = new NetworkEvent();
  return () => {
    while (d.popEvent(ev) !== NetworkEventType.Empty) {
      if (ev.type !== NetworkEventType.Data) continue;
      into.push(`${ev.pipeline === pipes.reliable ? 'reliable' : 'unreliable'}:${new TextDecoder().decode(ev.data)}`);
    }
    return into.length >= n;
  };
}

async function exchange(host: Peer, joiner: Peer): Promise<void> {
  host.driver.listen();
  const toHost = joiner.driver.connect(joiner.data.endpoint);
  let atHost: NetworkConnection | null = null;
  await pump([host.driver, joiner.driver], () => (atHost ??= host.driver.accept()) !== null && joiner.driver.getConnectionState(toHost) === ConnectionState.Connected, 'the connection through the relay', 15_000);
  const enc = (s: string) => new TextEncoder().encode(s);
  const atHostData: string[] = [];
  joiner.driver.send(toHost, joiner.reliable, enc('hello host'));
  joiner.driver.send(toHost, joiner.unreliable, enc('keys 5'));
  await pump([host.driver, joiner.driver], collect(host.driver, atHostData, 2, host), 'the joiner\'s messages at the host');
  expect(atHostData.sort()).toEqual(['reliable:hello host', 'unreliable:keys 5']);
  const atJoiner: string[] = [];
  host.driver.send(atHost!, host.reliable, enc('welcome'));
  host.driver.send(atHost!, host.unreliable, enc('positions'));
  await pump([host.driver, joiner.driver], collect(joiner.driver, atJoiner, 2, joiner), 'the host\'s messages at the joiner');
  expect(atJoiner.sort()).toEqual(['reliable:welcome', 'unreliable:positions']);
}

describe('Relay over WebRTC', () => {
  it('a WebRTC host and a UDP joiner exchange reliable and unreliable messages through the relay', async () => {
    const { server, api } = await relay();
    const hostAlloc = api.allocate(4);
    const joinAlloc = api.join(api.createJoinCode(hostAlloc.allocationId));
    const rtc = new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection() });
    const host = await peer(hostAlloc, 'ws', rtc);
    const joiner = await peer(joinAlloc, 'udp');
    expect(rtc.carrierName).toBe('webrtc');
    await exchange(host, joiner);
    expect(rtc.state).toBe('open');
    expect(rtc.carrierName).toBe('webrtc');
    expect(host.driver.getRelayConnectionStatus()).toBe(RelayConnectionStatus.Established);
    // Relay 40 + WebRTC's 250 of padding + SCL 9 + pipeline byte: every packet fits one SCTP chunk in one datagram.
    expect(host.driver.maxHeaderSize(0)).toBe(40 + 250 + 10);
    const load = server.load;
    expect(load.bound).toBe(2);
    expect(load.webRtc).toMatchObject({ offersAnswered: 1, refusedBadOffer: 0, refusedTooLarge: 0 });
    expect(server.serverEndpoints().map((e) => e.connectionType)).toEqual(['udp', 'ws']); // no Unity type for WebRTC
  }, 30_000);

  it('goes to the relay\'s WebSocket when the relay has no WebRTC (its port answers signalling with 426)', async () => {
    const { api } = await relay(false);
    const hostAlloc = api.allocate(4);
    const joinAlloc = api.join(api.createJoinCode(hostAlloc.allocationId));
    const rtc = new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection() });
    const host = await peer(hostAlloc, 'udp');
    const joiner = await peer(joinAlloc, 'ws', rtc);
    await exchange(host, joiner);
    expect(rtc.carrierName).toBe('websocket');
    expect(rtc.state).toBe('fallback');
    expect(rtc.fallbackReason).toMatch(/answered 426/);
  }, 30_000);

  it('refuses garbage and oversized offers with 400 and 413, counted, and keeps relaying', async () => {
    const { server, api, wsPort } = await relay();
    const url = `http://127.0.0.1:${wsPort}/utp/rtc`;
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp' } });
    expect((await post('v=0\r\nthis is not an offer\r\n')).status).toBe(400);
    expect((await post(`v=0\r\n${'a=x\r\n'.repeat(5000)}`)).status).toBe(413);
    expect(server.load.webRtc).toMatchObject({ refusedBadOffer: 1, refusedTooLarge: 1, offersAnswered: 0 });
    // Other requests on the port still get the WebSocket listener's answer.
    expect((await fetch(`http://127.0.0.1:${wsPort}/`)).status).toBe(426);
    const hostAlloc = api.allocate(4);
    const joinAlloc = api.join(api.createJoinCode(hostAlloc.allocationId));
    await exchange(await peer(hostAlloc, 'udp'), await peer(joinAlloc, 'ws', new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection() })));
    expect(server.load.webRtc!.offersAnswered).toBe(1);
  }, 30_000);

  it('throws UtpError on misuse: WebRTC before the WebSocket listener, WebRTC carrier with UDP Relay data', async () => {
    const server = new RelayServer();
    cleanup.push(() => server.dispose());
    await expect(server.listenWebRtc()).rejects.toThrow(UtpError);
    await expect(server.listenWebRtc()).rejects.toThrow(/call listenWebSocket first/);
    const api = new AllocationApi({ store: server.store, serverEndpoints: () => [{ connectionType: 'udp', host: '127.0.0.1', port: 7777 }] });
    const data = RelayServerData.fromAllocation(api.allocate(2), 'udp');
    expect(() => createRelayDriver(withRelayParameters(new NetworkSettings(), data), { carrier: new RelayWebRtcInterface() })).toThrow(/needs 'ws' or 'wss' Relay data/);
  });

  it('finds the signalling beside the Relay endpoint', () => {
    const ws = RelayServerData.fromAllocation({
      allocationId: '00000000-0000-0000-0000-000000000000', key: '', connectionData: '', allocationIdBytes: '',
      serverEndpoints: [{ connectionType: 'wss', host: 'relay.example.com', port: 2569 }],
    } as unknown as RelayAllocationJson, 'wss').endpoint;
    expect(relaySignalUrl(ws, '/utp/rtc')).toBe('https://relay.example.com:2569/utp/rtc');
    expect(relaySignalUrl(NetworkEndpoint.parse('::1', 2569), '/x')).toBe('http://[::1]:2569/x');
  });
});
