import * as Phaser from 'phaser';
import type { NetworkConnection } from '../transport/api/connection.ts';
import type { NetworkDriver } from '../transport/api/driver.ts';
import { UtpError } from '../transport/api/errors.ts';
import type { PipelineRef } from '../transport/stages/pipeline.ts';
import { pipelineId } from '../transport/stages/pipeline.ts';
import { type ListenerOwner, NetChannel } from './channel.ts';
import { UTP_PLUGIN_KEY, UtpNetPlugin } from './global-plugin.ts';
import type { AttachedRoom, NetRoom } from './room.ts';
import type { NetSession, NetState } from './session.ts';
import type { NetStats } from './stats.ts';

/** The key of the scene plugin in the plugin cache; it maps to `this.net`. */
export const UTP_SCENE_PLUGIN_KEY = 'UtpNetScene';
/** The scene property the scene plugin is mapped to. */
export const UTP_SCENE_MAPPING = 'net';

declare module 'phaser' {
  interface Scene {
    /** The UTP connection, seen from this scene (installed by `withUtpPlugin`). */
    net: NetScenePlugin;
  }
}

type AnyListener = (...args: any[]) => void;

/**
 * `this.net` in every scene: the game's one connection (shared by all scenes) with listeners bound to this scene.
 * Everything registered through it is removed when the scene shuts down or is destroyed, so `create()` can
 * subscribe again after a restart. Inactive scenes (`plugins` lists without this plugin, the hidden `__SYSTEM`
 * scene) never touch the network: the session is looked up on first use.
 *
 * ```ts
 * create() {
 *   this.net.on('connect', () => this.net.reliable.send({ hello: 'world' }));
 *   this.net.reliable.on((msg) => console.log(msg.json()));
 *   this.net.on('disconnect', (reason) => this.scene.start('menu', { reason }));
 * }
 * update() { this.net.unreliable.send(new Uint8Array([this.input.x, this.input.y])); }
 * ```
 */
export class NetScenePlugin extends Phaser.Plugins.ScenePlugin implements ListenerOwner {
  readonly #channels = new Map<number, NetChannel>();
  readonly #subscriptions: Array<{ event: string; fn: AnyListener }> = [];

  override boot(): void {
    const events = this.systems!.events;
    events.on(Phaser.Scenes.Events.SHUTDOWN, this.removeAllListeners, this);
    events.once(Phaser.Scenes.Events.DESTROY, this.destroy, this);
  }

  /** The game's session (driver, connection, pipelines); throws if the global plugin is not installed. */
  get session(): NetSession {
    const session = this.#findSession();
    if (!session) throw new UtpError('this.net needs the UTP global plugin: create the game with withUtpPlugin(config, options)');
    return session;
  }

  #findSession(): NetSession | null {
    const plugin: unknown = this.pluginManager?.get(UTP_PLUGIN_KEY, false);
    return plugin instanceof UtpNetPlugin ? plugin.session : null;
  }

  /** The reliable, ordered channel (ReliableSequenced pipeline). */
  get reliable(): NetChannel { return this.channel(this.session.pipelines.reliable); }
  /** The unreliable channel (UnreliableSequenced pipeline: stale messages are dropped). */
  get unreliable(): NetChannel { return this.channel(this.session.pipelines.unreliable); }

  /** A channel on any pipeline of the driver (e.g. a fragmentation pipeline for large messages). */
  channel(pipeline: PipelineRef): NetChannel {
    const id = pipelineId(pipeline);
    let ch = this.#channels.get(id);
    if (!ch) this.#channels.set(id, (ch = new NetChannel(this, pipeline)));
    return ch;
  }

  /** The session's connection state. */
  get state(): NetState { return this.session.state; }
  /** Whether the connection is up (`connect` has fired). */
  get connected(): boolean { return this.session.connected; }
  /** Round-trip time, loss, resends and bandwidth (a fresh object; the driver's statistics underneath). */
  get stats(): NetStats { return this.session.stats(); }
  /** The UTP driver the plugin pumps. */
  get driver(): NetworkDriver { return this.session.driver; }
  /** The connection `this.net` talks on. */
  get connection(): NetworkConnection { return this.session.connection; }
  /** The room adapter attached to the session (the Colyseus integration's room), or null. */
  get room(): AttachedRoom | null { return this.session.room; }

  /** Attaches a room adapter to the game's session (shared by all scenes); `null` detaches it. */
  attachRoom(room: NetRoom | null): void {
    this.session.attachRoom(room);
  }

  /** Connection events, bound to this scene: `'connect'`, `'disconnect'` (reason name) and `'room'`. */
  on(event: 'connect', fn: () => void): this;
  on(event: 'disconnect', fn: (reason: string) => void): this;
  on(event: 'room', fn: (room: AttachedRoom | null) => void): this;
  on(event: string, fn: AnyListener): this {
    this.listen(event, fn);
    return this;
  }

  /** Removes a listener added with `on`. */
  off(event: 'connect' | 'disconnect' | 'room', fn: AnyListener): this {
    this.unlisten(event, fn);
    return this;
  }

  /** @internal Registers a session listener owned by this scene (`this` = the scene). */
  listen(event: string, fn: AnyListener): void {
    this.session.on(event, fn, this.scene);
    this.#subscriptions.push({ event, fn });
  }

  /** @internal */
  unlisten(event: string, fn: AnyListener): void {
    const i = this.#subscriptions.findIndex((s) => s.event === event && s.fn === fn);
    if (i < 0) return;
    this.#subscriptions.splice(i, 1);
    this.session.off(event, fn, this.scene);
  }

  /** Removes every listener this scene registered (runs on the scene's SHUTDOWN and DESTROY). */
  removeAllListeners(): void {
    const session = this.#findSession();
    for (const s of this.#subscriptions.splice(0)) session?.off(s.event, s.fn, this.scene);
  }

  /** Number of listeners this scene has registered (for tests and leak checks). */
  get listenerCount(): number { return this.#subscriptions.length; }

  override destroy(): void {
    this.removeAllListeners();
    this.systems?.events?.off(Phaser.Scenes.Events.SHUTDOWN, this.removeAllListeners, this);
    this.#channels.clear();
    super.destroy();
  }
}
