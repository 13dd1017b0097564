import * as Phaser from 'phaser';
import { createSession } from './create-session.ts';
import type { UtpPluginOptions } from './options.ts';
import type { NetSession } from './session.ts';
import { Watchdog } from './watchdog.ts';

/** The key of the global plugin in `game.plugins`. */
export const UTP_PLUGIN_KEY = 'UtpNet';

/**
 * The global plugin that owns the network: one `NetSession` per game, pumped once per frame. It receives on the
 * game's PRE_STEP (messages reach listeners before any scene's update) and flushes on POST_STEP (what scenes sent
 * leaves after the last scene's update, before rendering). A `Watchdog` pumps when frames stop. On game destroy it
 * disposes the session (a driver it created is disconnected and disposed).
 *
 * Install it with `withUtpPlugin(config, options)` (every renderer) or `utpPlugins(options)` (not HEADLESS).
 */
export class UtpNetPlugin extends Phaser.Plugins.BasePlugin {
  #session: NetSession | null = null;
  #watchdog: Watchdog | null = null;
  #started = false;

  /** The session; null before `init` and after destroy. */
  get session(): NetSession | null { return this.#session; }

  /** The watchdog, or null when disabled. */
  get watchdog(): Watchdog | null { return this.#watchdog; }

  override init(data?: UtpPluginOptions): void {
    const options = data ?? {};
    this.#session = createSession(options);
    if (options.room) this.#session.attachRoom(options.room);
    if (options.watchdog !== false) {
      const clock = options.clock ?? (() => performance.now());
      this.#watchdog = new Watchdog(() => this.#session?.pump(), clock, options.watchdog);
    }
  }

  override start(): void {
    if (this.#started) return;
    this.#started = true;
    const events = this.game.events;
    events.on(Phaser.Core.Events.PRE_STEP, this.#receive, this);
    events.on(Phaser.Core.Events.POST_STEP, this.#flush, this);
    this.#watchdog?.start();
  }

  override stop(): void {
    if (!this.#started) return;
    this.#started = false;
    this.game?.events.off(Phaser.Core.Events.PRE_STEP, this.#receive, this);
    this.game?.events.off(Phaser.Core.Events.POST_STEP, this.#flush, this);
    this.#watchdog?.stop();
  }

  override destroy(): void {
    this.stop();
    this.#session?.dispose();
    this.#session = null;
    this.#watchdog = null;
    super.destroy();
  }

  #receive(): void {
    this.#watchdog?.frame();
    this.#session?.receive();
  }

  #flush(): void {
    this.#session?.flush();
  }
}
