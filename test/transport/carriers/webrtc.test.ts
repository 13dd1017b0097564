import { afterEach, describe, expect, it } from 'vitest';
import {
  DisconnectReason, FragmentationPipelineStage, NetworkEventType, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, WEBRTC_MAX_PACKET, WebSocketNetworkInterface, type NetworkDriver,
} from '../../../plugin/index.ts';
import { connectPair, disposeAll, drain, wsServer } from '../../support/websocket.ts';
import { rawPeer, rtcClient, rtcServer } from '../../support/webrtc.ts';
import { str, text } from '../../support/hex.ts';
import { pump } from '../../support/pump.ts';

afterEach(disposeAll);

const pipelines = (d: NetworkDriver) => ({
  reliable: d.createPipeline(ReliableSequencedPipelineStage),
  unreliable: d.createPipeline(UnreliableSequencedPipelineStage),
  big: d.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage),
});

describe('NetworkDriver over WebRTC data channels (Node client through node-datachannel ↔ Node server)', () => {
  it('connects, carries reliable, unreliable and 3,000-byte fragmented messages both ways, and disconnects', async () => {
    const { driver: server, iface } = await rtcServer();
    const sp = pipelines(server);
    const { driver: client, iface: ci } = await rtcClient({ signalUrl: `http://127.0.0.1:${server.localEndpoint().port}${iface.path}` });
    const cp = pipelines(client);
    const { c, s, payload } = await connectPair(server, client, ci.serverEndpoint, text('hello'));
    expect(str(payload!)).toBe('hello');
    expect(ci.carrierName).toBe('webrtc');
    expect(client.getConnectionStatistics(c)!.carrier).toBe('webrtc');
    expect(server.getConnectionStatistics(s)!.carrier).toBe('webrtc');
    // 1400 − 250 reserved − 9 (SCL) − 1 (pipeline id): every packet fits one SCTP chunk in one datagram.
    expect(client.maxPayloadSize(c, 0)).toBe(WEBRTC_MAX_PACKET - 10);

    const big = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
    client.send(c, cp.reliable, text('r1'));
    client.send(c, cp.unreliable, text('u1'));
    client.send(c, cp.big, big);
    client.flush();
    const atServer: Array<[number, Uint8Array]> = [];
    const atClient: Array<[number, Uint8Array]> = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { atServer.push([e.pipeline, e.data]); server.send(s, e.pipeline, e.data); }
      server.flush();
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) atClient.push([e.pipeline, e.data]);
      return atClient.length === 3;
    });
    for (const got of [atServer, atClient]) {
      const by = new Map(got.map(([p, d]) => [p, d]));
      expect(str(by.get(sp.reliable.id)!)).toBe('r1');
      expect(str(by.get(sp.unreliable.id)!)).toBe('u1');
      expect(by.get(sp.big.id)).toEqual(big);
    }
    expect(iface.peerCount).toBe(1);

    client.disconnect(c);
    client.flush();
    const reasons: number[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote]);
  });
});

describe('WebRtcServerInterface refuses bad input and counts it, never crashing', () => {
  const post = (url: string, body: string) => fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp' } });

  it('garbage SDP → 400, oversized offer → 413, a flood from one address → 429; no peer is created', async () => {
    const { iface, signalUrl } = await rtcServer({ offersPerSecond: 1, offerBurst: 4, maxOfferBytes: 4096 });
    expect((await post(signalUrl, 'hello, I am not SDP')).status).toBe(400);
    expect((await post(signalUrl, 'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\na=fingerprint:sha-256 zz\r\n')).status).toBe(400);
    expect((await post(signalUrl, 'A'.repeat(20_000))).status).toBe(413);
    const flood = await Promise.all(Array.from({ length: 10 }, () => post(signalUrl, 'x')));
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(9); // burst 4, three already spent
    expect(iface.stats.refusedBadOffer).toBe(2 + statuses.filter((s) => s === 400).length);
    expect(iface.stats.refusedTooLarge).toBe(1);
    expect(iface.stats.refusedRateLimited).toBe(statuses.filter((s) => s === 429).length);
    expect(iface.peerCount).toBe(0);
    expect((await fetch(signalUrl)).status).toBe(405);
    expect((await fetch(signalUrl.replace('/utp/rtc', '/elsewhere'), { method: 'POST', body: 'x' })).status).toBe(404);
  });

  it('a channel with another label is closed; oversize messages are refused by the sender, text is dropped and counted', async () => {
    const { driver, iface, signalUrl } = await rtcServer();
    const foreign = await rawPeer(signalUrl, 'not-utp');
    await pump([driver], () => iface.stats.foreignChannels === 1);
    await pump([driver], () => foreign.channel.readyState === 'closed');

    const { channel } = await rawPeer(signalUrl, 'utp');
    await pump([driver], () => channel.readyState === 'open');
    // The answer advertises maxMessageSize (a=max-message-size): a compliant sender refuses larger messages itself.
    expect(() => channel.send(new Uint8Array(1401))).toThrow(/size/i);
    channel.send('some text');
    channel.send(new Uint8Array(9).fill(0x02)); // a Disconnect-shaped packet with an unknown token: the driver's business
    await pump([driver], () => iface.stats.droppedText === 1 && driver.getStatistics().dropped.unknownToken >= 1);
    expect(driver.getStatistics().connections).toBe(0);
  });

  it('a full server answers 503 and counts it', async () => {
    const { iface, signalUrl } = await rtcServer({ maxPeers: 1 });
    await rawPeer(signalUrl, 'utp');
    await expect(rawPeer(signalUrl, 'utp')).rejects.toThrow(/503/);
    expect(iface.stats.refusedFull).toBe(1);
  });

  it('one address holds at most maxPeersPerAddress peers (503 beyond, counted), as the WebSocket server limits sockets', async () => {
    const { iface, signalUrl } = await rtcServer({ maxPeers: 10, maxPeersPerAddress: 2 });
    await rawPeer(signalUrl, 'utp');
    await rawPeer(signalUrl, 'utp');
    await expect(rawPeer(signalUrl, 'utp')).rejects.toThrow(/503/);
    expect(iface.stats.refusedFull).toBe(1);
    expect(iface.peerCount).toBe(2);
  });

  it('a peer that sends nothing on its open channel is closed after silentPeerTimeoutMS and counted; a talking one stays', async () => {
    const { driver, iface, signalUrl } = await rtcServer({ silentPeerTimeoutMS: 300 });
    const silent = await rawPeer(signalUrl, 'utp');
    const talking = await rawPeer(signalUrl, 'utp');
    await pump([driver], () => silent.channel.readyState === 'open' && talking.channel.readyState === 'open');
    talking.channel.send(new Uint8Array(9).fill(0x02)); // any UTP-sized packet: the driver drops it, the carrier heard it
    await pump([driver], () => iface.stats.silentPeersClosed === 1 && silent.channel.readyState === 'closed', 'the silent peer to be closed');
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the talking peer's deadline too
    expect(iface.stats.silentPeersClosed).toBe(1);
    expect(iface.peerCount).toBe(1);
    expect(talking.channel.readyState).toBe('open');
  });
});

describe('WebRtcNetworkInterface falls back', () => {
  it('to the fallback carrier when no channel opens in time, with the waiting packets; the carrier name says so', async () => {
    const { driver: wsServerDriver } = await wsServer();
    const fallback = new WebSocketNetworkInterface({ url: `ws://127.0.0.1:${wsServerDriver.localEndpoint().port}/utp` });
    // Nobody answers signalling on this port: the POST fails, so WebRTC never opens.
    const { driver: client, iface } = await rtcClient({ signalUrl: 'http://127.0.0.1:9/utp/rtc', fallback, openTimeoutMS: 1500 });
    const { c } = await connectPair(wsServerDriver, client, iface.serverEndpoint);
    expect(iface.state).toBe('fallback');
    expect(iface.fallbackReason).toMatch(/signalling failed/);
    expect(client.getConnectionStatistics(c)!.carrier).toBe('websocket');
  });

  it('without a fallback, a channel that does not open ends the connection (MaxConnectionAttempts)', async () => {
    const { driver: client, iface } = await rtcClient({ signalUrl: 'http://127.0.0.1:9/utp/rtc', openTimeoutMS: 300 });
    client.connect(iface.serverEndpoint);
    const reasons: number[] = [];
    await pump([client], () => {
      for (const e of drain(client)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    expect(reasons).toEqual([DisconnectReason.MaxConnectionAttempts]);
  });
});
