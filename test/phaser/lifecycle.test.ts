// @vitest-environment jsdom
// Installation (withUtpPlugin in HEADLESS, utpPlugins), teardown on game destroy, a driver the game does not own,
// the room adapter hook, and option errors.
import './setup.ts'; // before Phaser: canvas and Image mocks
import { afterEach, describe, expect, it } from 'vitest';
import * as Phaser from 'phaser';
import {
  createSession, defaultNetworkInterface, NetScenePlugin, UTP_PLUGIN_KEY, utpPlugins, UtpNetPlugin, withUtpPlugin, type NetRoom,
} from '../../plugin/phaser/index.ts';
import {
  IPCNetworkInterface, NetworkDriver, NetworkEndpoint, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  UtpError, WebSocketNetworkInterface,
} from '../../plugin/transport/index.ts';
import { bootGame, clientOptions, destroyGame, Peer, step, stepUntil } from './harness.ts';
import { FakeClock } from '../support/clock.ts';

const order: string[] = [];
class Play extends Phaser.Scene {
  inbox: string[] = [];
  constructor() { super('play'); }
  create(): void { this.net.reliable.on((msg) => { this.inbox.push(msg.text()); }); }
  override update(): void { order.push('scene.update'); }
}

describe('Phaser plugin: lifecycle', () => {
  let game: Phaser.Game | null = null;
  afterEach(() => { if (game) destroyGame(game); game = null; order.length = 0; });

  it('withUtpPlugin installs both plugins in HEADLESS and keeps the caller\'s preBoot', async () => {
    const calls: string[] = [];
    const config = withUtpPlugin({ type: Phaser.HEADLESS, callbacks: { preBoot: () => { calls.push('own'); } } }, {});
    const g = { plugins: { install: () => calls.push('global'), installScenePlugin: () => calls.push('scene') } };
    config.callbacks!.preBoot!(g as unknown as Phaser.Game);
    expect(calls).toEqual(['global', 'scene', 'own']);

    const clock = new FakeClock();
    const peer = new Peer(clock);
    game = await bootGame([Play], clientOptions(peer, await peer.listen()), ['play']);
    expect(game.plugins.get(UTP_PLUGIN_KEY)).toBeInstanceOf(UtpNetPlugin);
    expect((game.scene.getScene('play') as Play).net).toBeInstanceOf(NetScenePlugin);
  });

  it('utpPlugins is the config plugins section (for WebGL/Canvas games)', () => {
    const options = { endpoint: '127.0.0.1:7777' };
    const plugins = utpPlugins(options);
    expect(plugins.global).toEqual([{ key: UTP_PLUGIN_KEY, plugin: UtpNetPlugin, start: true, data: options }]);
    expect(plugins.scene).toEqual([{ key: 'UtpNetScene', plugin: NetScenePlugin, mapping: 'net' }]);
  });

  it('disconnects, disposes its driver and stops the watchdog when the game is destroyed', async () => {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    game = await bootGame([Play], clientOptions(peer, await peer.listen()), ['play']);
    const scene = game.scene.getScene('play') as Play;
    stepUntil(game, clock, peer, () => scene.net.connected && peer.connection !== null);
    const plugin = game.plugins.get(UTP_PLUGIN_KEY) as UtpNetPlugin;
    const session = plugin.session!;
    const watchdog = plugin.watchdog!;
    expect(watchdog.running).toBe(true);

    destroyGame(game);
    game = null;
    expect(watchdog.running).toBe(false);
    expect(session.disposed).toBe(true);
    expect(session.driver.isCreated).toBe(false);
    const events: string[] = [];
    peer.driver.update(clock.now);
    for (const ev of peer.driver.events()) events.push(`${ev.type}:${ev.disconnectReason}`);
    expect(events).toEqual(['3:3']); // Disconnect, ClosedByRemote
  });

  it('pumps a driver it was given and leaves it alive after destroy', async () => {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const endpoint = await peer.listen();
    const driver = NetworkDriver.create({ networkInterface: peer.clientInterface() });
    driver.createPipeline(ReliableSequencedPipelineStage);
    driver.createPipeline(UnreliableSequencedPipelineStage);
    await driver.bind(NetworkEndpoint.loopbackIpv4);
    const connection = driver.connect(endpoint);
    for (let i = 0; i < 10 && (driver.getConnectionState(connection) !== 3 || !peer.connection); i++) {
      clock.now += 16;
      driver.update(clock.now);
      peer.update();
    }
    expect(driver.getConnectionState(connection)).toBe(3);

    game = await bootGame([Play], { driver, connection, clock: clock.read }, ['play']);
    const scene = game.scene.getScene('play') as Play;
    expect(scene.net.state).toBe('connected');
    peer.send(peer.reliable, 'yours');
    peer.driver.flush();
    step(game, clock);
    expect(scene.inbox).toEqual(['yours']);

    destroyGame(game);
    game = null;
    expect(driver.isCreated).toBe(true);
    expect(driver.getConnectionState(connection)).toBe(3);
    driver.dispose();
  });

  it('drives a room adapter around the scenes\' update and detaches it on destroy', async () => {
    const clock = new FakeClock();
    const peer = new Peer(clock);
    const room: NetRoom & { session?: unknown } = {
      attach(session) { this.session = session; order.push('attach'); },
      update() { order.push('room.update'); },
      flush() { order.push('room.flush'); },
      detach() { order.push('detach'); },
    };
    game = await bootGame([Play], clientOptions(peer, await peer.listen(), { room }), ['play']);
    const scene = game.scene.getScene('play') as Play;
    expect(scene.net.room).toBe(room);
    expect(room.session).toBe(scene.net.session);
    order.length = 0;
    step(game, clock);
    expect(order).toEqual(['room.update', 'scene.update', 'room.flush']);

    const seen: unknown[] = [];
    scene.net.on('room', (r) => { seen.push(r); });
    scene.net.attachRoom(null);
    expect(seen).toEqual([null]);
    expect(order.at(-1)).toBe('detach');
    scene.net.attachRoom(room);
    order.length = 0;
    destroyGame(game);
    game = null;
    expect(order).toEqual(['detach']);
  });

  it('defaults to the WebSocket carrier', () => {
    const byUrl = defaultNetworkInterface({ url: 'wss://game.example.com/utp' });
    expect(byUrl.networkInterface).toBeInstanceOf(WebSocketNetworkInterface);
    expect(byUrl.endpoint?.address).toBe('wss://game.example.com/utp');
    const byEndpoint = defaultNetworkInterface({ endpoint: NetworkEndpoint.parse('127.0.0.1', 7777) });
    expect(byEndpoint.networkInterface).toBeInstanceOf(WebSocketNetworkInterface);
    expect(byEndpoint.endpoint?.toString()).toBe(NetworkEndpoint.parse('127.0.0.1', 7777).toString());
  });

  it('explains bad options', () => {
    expect(() => createSession({})).toThrow(/endpoint/);
    expect(() => createSession({ endpoint: '127.0.0.1:1', pipelines: { reliable: 1, unreliable: 2 } })).toThrow(UtpError);
    const driver = NetworkDriver.create({ networkInterface: new IPCNetworkInterface() });
    expect(() => createSession({ driver })).toThrow(/endpoint/);
    expect(() => createSession({ connection: driver.connect(NetworkEndpoint.loopbackIpv4.withPort(1)) })).toThrow(/driver/);
    driver.dispose();
  });
});
