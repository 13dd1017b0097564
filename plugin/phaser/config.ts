import type * as Phaser from 'phaser';
import { UTP_PLUGIN_KEY, UtpNetPlugin } from './global-plugin.ts';
import type { UtpPluginOptions } from './options.ts';
import { NetScenePlugin, UTP_SCENE_MAPPING, UTP_SCENE_PLUGIN_KEY } from './scene-plugin.ts';

/**
 * The game config's `plugins` section: the global plugin (started, `options` as its data) and the scene plugin
 * (`this.net`). Works with the WebGL and Canvas renderers only: Phaser 4.2 drops config-listed global plugins in
 * HEADLESS (phaserjs/phaser#7348). `withUtpPlugin` works everywhere.
 */
export function utpPlugins(options: UtpPluginOptions = {}): Phaser.Types.Core.PluginObject {
  return {
    global: [{ key: UTP_PLUGIN_KEY, plugin: UtpNetPlugin, start: true, data: options }],
    scene: [{ key: UTP_SCENE_PLUGIN_KEY, plugin: NetScenePlugin, mapping: UTP_SCENE_MAPPING }],
  };
}

/**
 * A `callbacks.preBoot` that installs both plugins. The game has booted its plugin manager by then and no scene
 * exists yet, in every renderer, HEADLESS included.
 */
export function utpPreBoot(options: UtpPluginOptions = {}): Phaser.Types.Core.BootCallback {
  return (game) => {
    game.plugins.install(UTP_PLUGIN_KEY, UtpNetPlugin, true, undefined, options);
    game.plugins.installScenePlugin(UTP_SCENE_PLUGIN_KEY, NetScenePlugin, UTP_SCENE_MAPPING);
  };
}

/**
 * Returns a copy of `config` that installs the UTP plugin from `callbacks.preBoot` (yours still runs, after it),
 * so every scene gets `this.net` whatever the renderer:
 *
 * ```ts
 * new Phaser.Game(withUtpPlugin({ type: Phaser.AUTO, scene: [Play] }, { endpoint: '127.0.0.1:7777' }));
 * ```
 */
export function withUtpPlugin(config: Phaser.Types.Core.GameConfig, options: UtpPluginOptions = {}): Phaser.Types.Core.GameConfig {
  const install = utpPreBoot(options);
  const own = config.callbacks?.preBoot;
  return {
    ...config,
    callbacks: {
      ...config.callbacks,
      preBoot: (game: Phaser.Game) => {
        install(game);
        own?.(game);
      },
    },
  };
}
