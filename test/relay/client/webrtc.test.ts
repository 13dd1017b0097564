/**
 * Relay carried over WebRTC data channels (`RelayWebRtcInterface` → `RelayServer.listenWebRtc`), on 127.0.0.1, with
 * node-datachannel's W3C RTCPeerConnection standing in for a browser's: a WebRTC host and a UDP joiner exchange
 * reliable and unreliable messages through the relay; a relay without WebRTC sends the client to its WebSocket;
 * after a relay restart the WebRTC client negotiates a new channel and its connection carries on; garbage and
 * oversized offers are refused and counted while the relay keeps relaying; a stranger on a channel gets
 * no answer larger than its message; misuse throws UtpError.
 * (The relay demo page does the same in Chromium: test/game/relay-demo.browser.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, UtpError, type NetworkConnection,
} from '../../../plugin/index.ts';
import {
  AllocationApi, AllocationStore, createRelayDriver, RelayConnectionStatus, RelayServer, RelayServerData, RelayWebRtcInterface, relaySignalUrl,
  withRelayParameters, type RelayAllocationJson,
} from '../../../plugin/relay/node.ts';
import { pump } from '../../support/pump.ts';
import { nodeRtcPeerConnection, rawPeer } from '../../support/webrtc.ts';
import { disposeAll } from '../../support/websocket.ts';

const loopback = NetworkEndpoint.parse('127.0.0.1', 0);
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
  disposeAll(); // rawPeer's
});

async function relay(webRtc = true, again?: { store: AllocationStore; udpPort: number; wsPort: number }): Promise<{ server: RelayServer; api: AllocationApi; udpPort: number; wsPort: number }> {
  const server = new RelayServer({ store: again?.store });
  cleanup.push(() => server.dispose());
  const udpPort = (await server.listenUdp(loopback.withPort(again?.udpPort ?? 0))).port;
  const wsPort = (await server.listenWebSocket(loopback.withPort(again?.wsPort ?? 0))).port;
  if (webRtc) expect((await server.listenWebRtc({ iceAddress: '127.0.0.1' })).port).toBe(wsPort); // same HTTP port
  const api = new AllocationApi({ store: server.store, serverEndpoints: () => server.serverEndpoints() });
  return { server, api, udpPort, wsPort };
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

async function exchange(host: Peer, joiner: Peer): Promise<{ toHost: NetworkConnection; atHost: NetworkConnection }> {
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
  return { toHost, atHost: atHost! };
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

  it('a WebRTC host that disconnects and disposes at once: its joiner hears of it through the relay', async () => {
    const { api } = await relay();
    const hostAlloc = api.allocate(4);
    const joinAlloc = api.join(api.createJoinCode(hostAlloc.allocationId));
    const host = await peer(hostAlloc, 'ws', new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection() }));
    const joiner = await peer(joinAlloc, 'udp');
    const { toHost, atHost } = await exchange(host, joiner);
    host.driver.disconnect(atHost);
    host.driver.update();   // the Disconnect and the Relay DISCONNECT go to the channel…
    host.driver.dispose();  // …and the carrier goes with the driver, as a page's "Leave" does
    const ev = new NetworkEvent();
    let reason = -1;
    await pump([joiner.driver], () => {
      while (joiner.driver.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Disconnect) reason = ev.disconnectReason;
      return reason >= 0;
    }, 'the joiner to hear of it (long before its 30 s timeout)', 5000);
    expect(reason).toBe(DisconnectReason.ClosedByRemote);
    expect(joiner.driver.getConnectionState(toHost)).toBe(ConnectionState.Disconnected);
  }, 30_000);

  it('negotiates a new channel when the relay restarts (its channel closed), and the host is reachable again', async () => {
    const first = await relay();
    const hostAlloc = first.api.allocate(4);
    const joinAlloc = first.api.join(first.api.createJoinCode(hostAlloc.allocationId));
    const rtc = new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection() });
    const host = await peer(hostAlloc, 'ws', rtc);
    const joiner = await peer(joinAlloc, 'udp');
    const { toHost } = await exchange(host, joiner);
    first.server.dispose();
    const second = await relay(true, { store: first.server.store, udpPort: first.udpPort, wsPort: first.wsPort });
    // Both bind anew (the host over a new data channel), and the same UTP connection carries on.
    await pump([host.driver, joiner.driver], () => second.server.load.bound === 2, 'both bound to the restarted relay', 20_000);
    const got: string[] = [];
    joiner.driver.send(toHost, joiner.reliable, new TextEncoder().encode('after restart'));
    await pump([host.driver, joiner.driver], collect(host.driver, got, 1, host), 'the message after the restart', 20_000);
    expect(got).toEqual(['reliable:after restart']);
    expect(second.server.load.webRtc!.offersAnswered).toBe(1);
    expect(rtc.state).toBe('open');
    expect(rtc.carrierName).toBe('webrtc');
  }, 40_000);

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

  it('answers a stranger on a data channel with no more bytes than it sent, as on UDP', async () => {
    const { server, wsPort } = await relay();
    const { channel } = await rawPeer(`http://127.0.0.1:${wsPort}/utp/rtc`, 'utp');
    const got: number[] = [];
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (ev) => got.push((ev.data as ArrayBuffer).byteLength);
    await new Promise<void>((resolve) => { if (channel.readyState === 'open') resolve(); else channel.onopen = () => resolve(); });
    const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));
    channel.send(hex('da720702'));                      // a bad version: the 21-byte ERROR 0 is withheld
    channel.send(hex('da720702' + '00'.repeat(18)));    // 22 bytes: an ERROR 0 is no larger
    await pump([], () => got.length > 0 && server.load.withheld > 0, 'the relay\'s answer');
    expect(got).toEqual([21]);
    expect(server.load.withheld).toBe(1);
    expect(server.load.errorsSent).toEqual({ 0: 1 });
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
