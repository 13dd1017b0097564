// UtpSDK over WebRTC data channels, run in Node through node-datachannel's RTCPeerConnection (the browser test is
// sdk-browser.test.ts): signalling on the matchmaking HTTP server, the WebSocket as fallback and after a lost channel.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkSettings, type RtcPeerConnectionConstructor } from '../../../plugin/transport/index.ts';
import { CloseCodes, signalUrl, type UtpClientOptions } from '../../../plugin/colyseus/index.ts';
import { defaultServerSettings } from '../../../plugin/colyseus/server/index.ts';
import { nodeRtcPeerConnection } from '../../support/webrtc.ts';
import { bootUtp, checksum, logs, nextMessage, pattern, until, type GameRoom, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;
let RTCPeerConnection: RtcPeerConnectionConstructor;
const TIMEOUT_MS = 1500;

beforeAll(async () => {
  RTCPeerConnection = await nodeRtcPeerConnection();
  boot = await bootUtp({
    webRtc: { iceAddress: '127.0.0.1' },
    settings: defaultServerSettings().withNetworkConfigParameters({ disconnectTimeoutMS: TIMEOUT_MS, heartbeatTimeoutMS: 200 }),
  });
});
afterEach(async () => { await boot.colyseus.cleanup(); });
afterAll(async () => { await boot.shutdown(); });

const rtc = (more: UtpClientOptions = {}): UtpClientOptions => ({
  carrier: 'webrtc', RTCPeerConnection,
  settings: new NetworkSettings().withNetworkConfigParameters({ connectTimeoutMS: 250, maxConnectAttempts: 40, disconnectTimeoutMS: TIMEOUT_MS, heartbeatTimeoutMS: 200 }),
  ...more,
});

describe('UtpSDK over WebRTC', () => {
  it('joins over a data channel, syncs both channels, carries 64 KB each way and leaves with 4000', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.sdk(rtc()).joinById(room.roomId, { name: 'rtc' });
    await client.waitForInitialState();
    const server = room.clients.get(client.sessionId) as unknown as { carrier: string };
    expect(server.carrier).toBe('webrtc');
    expect(boot.transport.stats.acceptedWebRtc).toBeGreaterThan(0);
    const transport = (client as unknown as { utpTransport: { carrier: string; driver: { getConnectionStatistics(c: unknown): { carrier: string } }; connection: unknown } }).utpTransport;
    expect(transport.carrier).toBe('webrtc');
    expect(transport.driver.getConnectionStatistics(transport.connection).carrier).toBe('webrtc');

    const start = client.state.fast;
    await until(() => client.state.fast >= start + 3, 'unreliable patches over WebRTC');
    const echo = nextMessage(client, 'echo-unreliable');
    client.sendUnreliable('echo-unreliable', 'rtc datagram');
    expect(await echo).toBe('rtc datagram');

    const up = pattern(64 * 1024);
    const ack = nextMessage<{ length: number; sum: number }>(client, 'big-ack');
    client.send('big', up);
    expect(await ack).toEqual({ length: up.length, sum: checksum(up) });
    const down = new Promise<Uint8Array>((resolve) => client.onMessage('big', (bytes: Uint8Array) => resolve(bytes)));
    client.send('send-big', 64 * 1024);
    expect(checksum(await down)).toBe(checksum(pattern(64 * 1024)));

    expect(await client.leave()).toBe(CloseCodes.CONSENTED);
    await until(() => boot.transport.webRtc!.peerCount === 0, 'the peer connection closed after the Disconnect');
  });

  it('mixes WebRTC, WebSocket and UDP clients in one room', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const a = await boot.sdk(rtc()).joinById(room.roomId, { name: 'rtc' });
    const b = await boot.sdk({ carrier: 'websocket' }).joinById(room.roomId, { name: 'ws' });
    const c = await boot.sdk({ carrier: 'udp' }).joinById(room.roomId, { name: 'udp' });
    await until(() => [a, b, c].every((x) => x.state.players.size === 3), 'three players everywhere');
    const carriers = [a, b, c].map((x) => (room.clients.get(x.sessionId) as unknown as { carrier: string }).carrier);
    expect(carriers).toEqual(['webrtc', 'websocket', 'udp']);
    a.send('move', 4);
    await until(() => [a, b, c].every((x) => x.state.players.get(a.sessionId)?.x === 4), 'a move crossing carriers');
    expect([a, b, c].map((x) => x.state.players.get(a.sessionId)?.x)).toEqual([4, 4, 4]);
    await Promise.all([a.leave(), b.leave(), c.leave()]);
  });

  it('falls back to the WebSocket when WebRTC cannot start (no RTCPeerConnection), invisibly to the game', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.sdk(rtc({ RTCPeerConnection: undefined })).joinById(room.roomId, { name: 'fb' });
    expect((room.clients.get(client.sessionId) as unknown as { carrier: string }).carrier).toBe('websocket');
    expect((client as unknown as { utpTransport: { carrier: string } }).utpTransport.carrier).toBe('websocket');
    await client.leave();
  });

  it('a channel that dies mid-game: onDrop, then onReconnect over the WebSocket with the same seat', async () => {
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.sdk(rtc()).joinById(room.roomId, { name: 'lost' });
    await client.waitForInitialState();
    client.reconnection.minUptime = 0;
    client.reconnection.minDelay = 50;
    client.reconnection.delay = 50;
    const sessionId = client.sessionId;
    const reconnected = new Promise<void>((resolve) => client.onReconnect(() => resolve()));
    const [peer] = boot.transport.webRtc!.openPeers(); // the only one
    expect(boot.transport.webRtc!.closePeer(peer.address, peer.port)).toBe(true);
    await reconnected;
    expect(client.sessionId).toBe(sessionId);
    expect(logs.get(room.roomId)!.reconnects).toEqual([sessionId]);
    expect((room.clients.get(sessionId) as unknown as { carrier: string }).carrier).toBe('websocket');
    room.state.counter = 9;
    await until(() => client.state.counter === 9, 'state after moving to the WebSocket');
    await client.leave();
  });

  it('derives the signalling URL from the room URL', () => {
    expect(signalUrl(new URL('utp://game.example.com:2567/abc/def?sessionId=s1'), false, {})).toBe('http://game.example.com:2567/utp/rtc');
    expect(signalUrl(new URL('utps://h:443/base/p/r?sessionId=s'), true, { webRtcPath: '/rtc' })).toBe('https://h:443/base/rtc');
  });
});
