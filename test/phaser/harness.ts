// Shared pieces of the Phaser plugin tests: a fake clock, a UTP server driver acting as the peer over an
// IPCNetwork, and a HEADLESS game whose loop is put to sleep so each test steps frames by hand.
import './setup.ts';
import * as Phaser from 'phaser';
import { vi } from 'vitest';
import {
  IPCNetwork, IPCNetworkInterface, NetworkConnection, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType,
  NetworkSettings, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage, type NetworkPipeline,
} from '../../plugin/transport/index.ts';
import { withUtpPlugin, type UtpPluginOptions } from '../../plugin/phaser/index.ts';
import { FakeClock } from '../support/clock.ts';

/** The server side: a listening driver with the same pipelines as the plugin's defaults (1 reliable, 2 unreliable). */
export class Peer {
  readonly network = new IPCNetwork();
  readonly driver: NetworkDriver;
  readonly reliable: NetworkPipeline;
  readonly unreliable: NetworkPipeline;
  readonly clock: FakeClock;
  connection: NetworkConnection | null = null;
  /** Messages received, as text. */
  readonly received: Array<{ pipeline: number; text: string }> = [];
  /** Datagrams that reached the peer's carrier (counted on arrival, before any update). */
  datagrams = 0;
  readonly #event = new NetworkEvent();

  constructor(clock: FakeClock, settings = new NetworkSettings()) {
    this.clock = clock;
    // `connection` is set once the plugin's client proved its address (its heartbeat after the accept): from then
    // on what the peer sends reaches the client at the next frame.
    settings.withAdmissionParameters({ acceptHalfOpen: false });
    this.driver = NetworkDriver.create({ networkInterface: new IPCNetworkInterface(this.network), settings });
    this.reliable = this.driver.createPipeline(ReliableSequencedPipelineStage);
    this.unreliable = this.driver.createPipeline(UnreliableSequencedPipelineStage);
    this.driver.onPacket = () => { this.datagrams++; };
  }

  async listen(): Promise<NetworkEndpoint> {
    await this.driver.bind(NetworkEndpoint.loopbackIpv4);
    this.driver.listen();
    return this.driver.localEndpoint();
  }

  /** A client interface on the same in-memory network, for the plugin. */
  clientInterface(): IPCNetworkInterface {
    return new IPCNetworkInterface(this.network);
  }

  update(): void {
    this.driver.update(this.clock.now);
    for (let c; (c = this.driver.accept()); ) this.connection = c;
    while (this.driver.popEvent(this.#event) !== NetworkEventType.Empty) {
      if (this.#event.type === NetworkEventType.Data) {
        this.received.push({ pipeline: this.#event.pipeline.id, text: new TextDecoder().decode(this.#event.data) });
      }
    }
  }

  send(pipeline: NetworkPipeline, text: string): number {
    return this.driver.send(this.connection!, pipeline, new TextEncoder().encode(text));
  }
}

/** Boots a HEADLESS game with the plugin, waits until `keys` are running, then stops its loop. */
export async function bootGame(
  scenes: Phaser.Types.Scenes.SceneType[], options: UtpPluginOptions, keys: string[],
): Promise<Phaser.Game> {
  const game = new Phaser.Game(withUtpPlugin({
    type: Phaser.HEADLESS, width: 320, height: 240, banner: false, autoFocus: false, audio: { noAudio: true },
    scene: scenes,
  }, options));
  try {
    await vi.waitFor(() => {
      for (const k of keys) if (!game.scene.isActive(k)) throw new Error(`scene ${k} not running yet`);
    }, { timeout: 10_000, interval: 5 });
  } catch (err) {
    destroyGame(game);
    throw err;
  }
  game.loop.sleep();
  return game;
}

/** Advances the clock by `ms` and runs one frame. */
export function step(game: Phaser.Game, clock: FakeClock, ms = 16): void {
  clock.now += ms;
  game.headlessStep(clock.now, ms);
}

/** Steps frames (and the peer) until `done()`; throws after `max` frames. */
export function stepUntil(game: Phaser.Game, clock: FakeClock, peer: Peer, done: () => boolean, max = 200, ms = 16): void {
  for (let i = 0; i < max; i++) {
    if (done()) return;
    step(game, clock, ms);
    peer.update();
  }
  if (!done()) throw new Error(`condition not met after ${max} frames`);
}

/** Destroys the game at once (its loop is asleep, so `destroy` alone would wait for a step). */
export function destroyGame(game: Phaser.Game): void {
  game.destroy(true);
  (game as unknown as { runDestroy(): void }).runDestroy();
}

/** Plugin options for a client of `peer` on a fake clock. */
export function clientOptions(peer: Peer, endpoint: NetworkEndpoint, extra: UtpPluginOptions = {}): UtpPluginOptions {
  return { endpoint, networkInterface: peer.clientInterface(), clock: peer.clock.read, ...extra };
}
