// @vitest-environment jsdom
// End to end with the default carrier: the plugin connects over a real WebSocket to a utp-ts WebSocket server
// (an echo), on real clocks. Frames are stepped by hand, yielding to the event loop between them for socket I/O.
// Node's own WebSocket (undici) cannot run under Vitest's jsdom environment (jsdom's global Event is not Node's),
// so the global WebSocket is the `ws` package here, as on Node 20, handing messages over as ArrayBuffers of the
// test's realm: the environment replaces the global ArrayBuffer with jsdom's, which Node's buffers are not.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Phaser from 'phaser';
import {
  NetworkDriver, NetworkEndpoint, NetworkEventType, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  WebSocketServerInterface, wsPackageWebSocket,
} from '../../plugin/transport/node.ts';
import { bootGame, destroyGame } from './harness.ts';
import { sleep } from '../support/pump.ts';

class Play extends Phaser.Scene {
  inbox: string[] = [];
  constructor() { super('play'); }
  create(): void {
    this.net.on('connect', () => { this.net.reliable.send({ hello: 'ws' }); });
    this.net.reliable.on((msg) => { this.inbox.push(msg.text()); });
  }
}

describe('Phaser plugin: default WebSocket carrier', () => {
  let game: Phaser.Game | null = null;
  let server: NetworkDriver | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  afterEach(() => {
    if (game) destroyGame(game);
    if (timer) clearInterval(timer);
    server?.dispose();
    game = null; server = null; timer = null;
    vi.unstubAllGlobals();
  });

  it('connects to a utp-ts WebSocket server from a url and exchanges messages', async () => {
    // jsdom replaces the global ArrayBuffer: the client must accept Node's buffers from the other realm.
    vi.stubGlobal('WebSocket', await wsPackageWebSocket());
    server = NetworkDriver.create({ networkInterface: new WebSocketServerInterface({ path: '/utp' }) });
    const reliable = server.createPipeline(ReliableSequencedPipelineStage);
    server.createPipeline(UnreliableSequencedPipelineStage);
    await server.bind(NetworkEndpoint.loopbackIpv4);
    server.listen();
    const s = server;
    timer = setInterval(() => {
      s.update();
      while (s.accept()) { /* accept everyone */ }
      for (const ev of s.events()) if (ev.type === NetworkEventType.Data) s.send(ev.connection, reliable, ev.data);
    }, 5);

    game = await bootGame([Play], { url: `ws://127.0.0.1:${server.localEndpoint().port}/utp` }, ['play']);
    const scene = game.scene.getScene('play') as Play;
    let t = 0;
    for (let i = 0; i < 400 && scene.inbox.length === 0; i++) {
      game.headlessStep((t += 16), 16);
      await sleep(5);
    }
    expect(scene.net.connected).toBe(true);
    expect(scene.inbox).toEqual(['{"hello":"ws"}']);
  });

  it("carrier: 'webrtc' without RTCPeerConnection (jsdom, or WebRTC disabled) falls back to the WebSocket at once", async () => {
    vi.stubGlobal('WebSocket', await wsPackageWebSocket());
    server = NetworkDriver.create({ networkInterface: new WebSocketServerInterface({ path: '/utp' }) });
    const reliable = server.createPipeline(ReliableSequencedPipelineStage);
    server.createPipeline(UnreliableSequencedPipelineStage);
    await server.bind(NetworkEndpoint.loopbackIpv4);
    server.listen();
    const s = server;
    timer = setInterval(() => {
      s.update();
      while (s.accept()) { /* accept everyone */ }
      for (const ev of s.events()) if (ev.type === NetworkEventType.Data) s.send(ev.connection, reliable, ev.data);
    }, 5);
    expect((globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection).toBeUndefined();
    game = await bootGame([Play], { url: `ws://127.0.0.1:${server.localEndpoint().port}/utp`, carrier: 'webrtc' }, ['play']);
    const scene = game.scene.getScene('play') as Play;
    let t = 0;
    for (let i = 0; i < 400 && scene.inbox.length === 0; i++) {
      game.headlessStep((t += 16), 16);
      await sleep(5);
    }
    expect(scene.inbox).toEqual(['{"hello":"ws"}']);
    expect(scene.net.stats.carrier).toBe('websocket');
  });
});
