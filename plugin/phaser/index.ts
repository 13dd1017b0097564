/**
 * utp-ts/phaser: a Phaser 4 plugin that owns the UTP connection. See README.md ("Phaser").
 *
 * @module utp-ts/phaser
 */
export { withUtpPlugin, utpPlugins, utpPreBoot } from './config.ts';
export { UtpNetPlugin, UTP_PLUGIN_KEY } from './global-plugin.ts';
export { NetScenePlugin, UTP_SCENE_PLUGIN_KEY, UTP_SCENE_MAPPING } from './scene-plugin.ts';
export { NetChannel } from './channel.ts';
export type { NetMessageListener } from './channel.ts';
export { NetSession } from './session.ts';
export type { NetSessionParts, NetSessionRoomOnly, NetState } from './session.ts';
export { NetMessage, encodePayload } from './message.ts';
export type { NetPayload } from './message.ts';
export type { NetStats } from './stats.ts';
export { NetGraph } from './net-graph.ts';
export type { NetGraphOptions, NetGraphValues } from './net-graph.ts';
export { Watchdog } from './watchdog.ts';
export { createSession, defaultPipelines } from './create-session.ts';
export { defaultNetworkInterface } from './default-interface.ts';
export type {
  UtpPluginOptions, ChannelPipelines, NetTarget, NetCarrier, NetworkInterfaceFactory, WatchdogOptions,
} from './options.ts';
export type { NetRoom, NetRoomRegistry, AttachedRoom, NetLink } from './room.ts';
