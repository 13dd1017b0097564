/**
 * `utp relay` as a process: UDP, WebSocket and the allocation API on 127.0.0.1; a UDP host and a WebSocket
 * joiner allocate and join over HTTP and exchange a message through it. With `--webrtc`, a WebRTC joiner
 * (node-datachannel standing in for a browser) does the same, and a garbage offer shows in the stats line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, NetworkSettings,
} from '../../plugin/index.ts';
import {
  createRelayDriver, RelayServerData, RelayWebRtcInterface, withRelayParameters, type RelayAllocationJson,
} from '../../plugin/relay/index.ts';
import { nodeRtcPeerConnection } from '../support/webrtc.ts';
import { killAll, runUtp, UtpProcess } from './spawn.ts';
import { sleep } from '../support/pump.ts';

const drivers: NetworkDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) d.dispose();
  await killAll();
});

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

describe('utp relay', () => {
  it('serves UDP and WebSocket Relay and the allocation API; stops cleanly on SIGTERM', async () => {
    const relay = new UtpProcess(['relay', '--udp', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--http', '127.0.0.1:0', '--stats-interval', '200']);
    const udpPort = Number((await relay.waitFor(/^relay udp:\/\/127\.0\.0\.1:(\d+)$/, 15_000))[1]);
    const wsPort = Number((await relay.waitFor(/^relay ws:\/\/127\.0\.0\.1:(\d+)$/))[1]);
    const api = `http://${(await relay.waitFor(/^allocations http:\/\/(127\.0\.0\.1:\d+)$/))[1]}`;

    type Alloc = { data: { allocation: RelayAllocationJson } };
    const hostAlloc = (await post<Alloc>(`${api}/v1/allocate`, { maxConnections: 2 })).data.allocation;
    expect(hostAlloc.serverEndpoints.map((e) => `${e.connectionType}:${e.port}`)).toEqual([`udp:${udpPort}`, `ws:${wsPort}`]);
    const { data: { joinCode } } = await post<{ data: { joinCode: string } }>(`${api}/v1/joincode`, { allocationId: hostAlloc.allocationId });
    const joinAlloc = (await post<Alloc>(`${api}/v1/join`, { joinCode })).data.allocation;

    const host = createRelayDriver(withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(hostAlloc, 'udp')));
    const wsData = RelayServerData.fromAllocation(joinAlloc, 'ws');
    const joiner = createRelayDriver(withRelayParameters(new NetworkSettings(), wsData));
    drivers.push(host, joiner);
    await host.bind(NetworkEndpoint.parse('127.0.0.1', 0));
    host.listen();
    const c = joiner.connect(wsData.endpoint);
    const ev = new NetworkEvent();
    let got = '';
    let sent = false;
    const deadline = performance.now() + 15_000;
    while (!got) {
      if (performance.now() > deadline) throw new Error(`no message through utp relay\n${relay.stdout.join('\n')}\n${relay.stderr.join('\n')}`);
      host.update();
      joiner.update();
      host.accept();
      if (!sent && joiner.getConnectionState(c) === ConnectionState.Connected) sent = joiner.send(c, 0, new TextEncoder().encode('via utp relay')) > 0;
      while (host.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) got = new TextDecoder().decode(ev.data);
      await sleep(2);
    }
    expect(got).toBe('via utp relay');
    await relay.waitFor(/^load allocations=2 bound=2 joins=1 /);

    relay.kill('SIGTERM');
    const exit = await relay.exited;
    expect(exit.code).toBe(0);
    expect(relay.stdout.at(-1)).toMatch(/^stopping \(SIGTERM\): load allocations=2 /);
  });

  it('--webrtc: signalling on the --ws port; a WebRTC joiner reaches a UDP host; a garbage offer is refused and counted', async () => {
    const relay = new UtpProcess(['relay', '--udp', '127.0.0.1:0', '--ws', '127.0.0.1:0', '--webrtc', '--http', '127.0.0.1:0', '--stats', '--stats-interval', '200']);
    await relay.waitFor(/^relay udp:\/\/127\.0\.0\.1:(\d+)$/, 15_000);
    const wsPort = (await relay.waitFor(/^relay ws:\/\/127\.0\.0\.1:(\d+)$/))[1];
    const signal = (await relay.waitFor(/^relay webrtc (http:\/\/127\.0\.0\.1:(\d+)\/utp\/rtc) \(ICE udp 127\.0\.0\.1:any\)$/));
    expect(signal[2]).toBe(wsPort);
    const api = `http://${(await relay.waitFor(/^allocations http:\/\/(127\.0\.0\.1:\d+)$/))[1]}`;
    expect((await fetch(signal[1], { method: 'POST', body: 'not an offer' })).status).toBe(400);

    type Alloc = { data: { allocation: RelayAllocationJson } };
    const hostAlloc = (await post<Alloc>(`${api}/v1/allocate`, { maxConnections: 2 })).data.allocation;
    const { data: { joinCode } } = await post<{ data: { joinCode: string } }>(`${api}/v1/joincode`, { allocationId: hostAlloc.allocationId });
    const joinAlloc = (await post<Alloc>(`${api}/v1/join`, { joinCode })).data.allocation;
    const host = createRelayDriver(withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(hostAlloc, 'udp')));
    const wsData = RelayServerData.fromAllocation(joinAlloc, 'ws');
    const rtc = new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection(), fallback: false });
    const joiner = createRelayDriver(withRelayParameters(new NetworkSettings(), wsData), { carrier: rtc });
    drivers.push(host, joiner);
    await host.bind(NetworkEndpoint.parse('127.0.0.1', 0));
    await joiner.bind(NetworkEndpoint.anyIpv4);
    host.listen();
    const c = joiner.connect(wsData.endpoint);
    let connected = false;
    const deadline = performance.now() + 15_000;
    while (!connected) {
      if (performance.now() > deadline) throw new Error(`no connection through utp relay --webrtc\n${relay.stdout.join('\n')}`);
      host.update();
      joiner.update();
      host.accept();
      connected = joiner.getConnectionState(c) === ConnectionState.Connected;
      await sleep(2);
    }
    expect(rtc.carrierName).toBe('webrtc');
    await relay.waitFor(/^stats allocations=2 bound=2 joins=1 .* offers=1 refusedOffers=1/);
    relay.kill('SIGTERM');
    expect((await relay.exited).code).toBe(0);
  });

  it('prints its help, and refuses a command line without a listener (exit 2)', async () => {
    const help = await runUtp(['relay', '--help']);
    expect(help.exit.code).toBe(0);
    expect(help.stdout.join('\n')).toContain('Usage: utp relay');
    const bad = await runUtp(['relay', '--http', '127.0.0.1:0']);
    expect(bad.exit.code).toBe(2);
    expect(bad.stderr.join('\n')).toContain('give --udp HOST:PORT, --dtls HOST:PORT and/or --ws HOST:PORT');
    expect(help.stdout.join('\n')).toContain('--webrtc');
    const rtcAlone = await runUtp(['relay', '--udp', '127.0.0.1:0', '--webrtc']);
    expect(rtcAlone.exit.code).toBe(2);
    expect(rtcAlone.stderr.join('\n')).toContain('--webrtc answers signalling on the WebSocket listener\'s port');
    const top = await runUtp(['--help']);
    expect(top.stdout.join('\n')).toMatch(/relay +a self-hosted Unity Relay server/);
  });
});
