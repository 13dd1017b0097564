import type { NetworkConnection } from '../transport/api/connection.ts';
import type { NetworkDriver } from '../transport/api/driver.ts';
import type { NetworkEndpoint } from '../transport/api/endpoint.ts';
import type { NetworkInterface } from '../transport/carriers/network-interface.ts';
import type { PipelineRef } from '../transport/stages/pipeline.ts';
import type { NetworkSettings } from '../transport/api/settings.ts';
import type { NetRoom } from './room.ts';

/** Where the plugin connects: a `url` (WebSocket carriers) and/or a numeric `endpoint`, and how (the default carrier). */
export interface NetTarget {
  /** Server URL for WebSocket carriers (`wss://game.example.com/utp`). */
  url?: string;
  /** Server address (the default carrier connects to `ws://HOST:PORT/` when `url` is not given). */
  endpoint?: NetworkEndpoint;
  /** `'websocket'` (default) or `'webrtc'` (a data channel, the WebSocket as fallback); as `UtpSDK`'s `carrier`. */
  carrier?: 'websocket' | 'webrtc';
  /** WebRTC signalling path on the server's HTTP port (default `/utp/rtc`). */
  webRtcPath?: string;
  /** STUN/TURN servers for WebRTC; default none. */
  iceServers?: RTCIceServer[];
  /** How long the data channel may take to open before the WebSocket is used instead. Default 3000 ms. */
  webRtcTimeoutMS?: number;
}

/** What a `NetworkInterfaceFactory` returns: the carrier, and the endpoint to connect to if it decides it. */
export interface NetCarrier {
  /** The carrier; omitted, the driver's own default (`NetworkDriver.create`). */
  networkInterface?: NetworkInterface;
  /** The endpoint to `connect` to; defaults to the plugin's `endpoint` option. */
  endpoint?: NetworkEndpoint;
}

/**
 * Makes the carrier of a driver the plugin creates, from the target it is given. The default,
 * `defaultNetworkInterface`, is UTP over WebSocket; pass your own factory or instance to use another carrier.
 */
export type NetworkInterfaceFactory = (target: NetTarget) => NetCarrier;

/** The driver pipelines behind `this.net.reliable` and `this.net.unreliable`. */
export interface ChannelPipelines {
  /** Pipeline of `this.net.reliable`: ordered, resent until acknowledged. */
  reliable: PipelineRef;
  /** Pipeline of `this.net.unreliable`: may be lost, late packets dropped. */
  unreliable: PipelineRef;
}

/** Watchdog timing: pump the network from a timer when no frame pumped it for `stallMS`. */
export interface WatchdogOptions {
  /** How often the timer checks, in ms; default 100. */
  intervalMS?: number;
  /** How long without a frame before the timer pumps, in ms; default 250. */
  stallMS?: number;
}

/**
 * Options of the Phaser plugin (the `data` of its plugin entry, or `withUtpPlugin`'s second argument).
 *
 * Either the plugin creates and owns a driver (`endpoint`/`url`, `networkInterface`, `settings`, `pipelines`),
 * or it pumps one you own (`driver`, with `connection` or an `endpoint` to connect to).
 */
export interface UtpPluginOptions {
  /** Server address, `NetworkEndpoint` or `'HOST:PORT'` (with the default carrier: `ws://HOST:PORT/`). */
  endpoint?: NetworkEndpoint | string;
  /** Server URL for WebSocket carriers (`wss://game.example.com/utp`). */
  url?: string;
  /**
   * The carrier of the driver the plugin creates: an instance (then `endpoint` is required) or a factory.
   * Default: `defaultNetworkInterface` (WebSocket).
   */
  networkInterface?: NetworkInterface | NetworkInterfaceFactory;
  /**
   * With the default carrier: `'webrtc'` tries a WebRTC data channel first (signalling at `webRtcPath` on the
   * server's HTTP port, e.g. a `UtpTransport` or `WebRtcServerInterface`) and falls back to the WebSocket; default
   * `'websocket'`, which every UTP WebSocket server (Unity's too) speaks.
   */
  carrier?: 'websocket' | 'webrtc';
  /** WebRTC signalling path on the server's HTTP port. Default `/utp/rtc`. */
  webRtcPath?: string;
  /** STUN/TURN servers for WebRTC; default none (host candidates). */
  iceServers?: RTCIceServer[];
  /** How long the data channel may take to open before the WebSocket is used instead. Default 3000 ms. */
  webRtcTimeoutMS?: number;
  /** Settings of the driver the plugin creates. */
  settings?: NetworkSettings;
  /**
   * The channel pipelines. With a driver the plugin creates: a function that creates them (in the order the
   * server creates its pipelines) and returns them; default reliable = 1 [ReliableSequenced], unreliable = 2
   * [UnreliableSequenced], as `utp echo` does. With your `driver`: the pipelines it already has; default ids 1, 2.
   */
  pipelines?: ChannelPipelines | ((driver: NetworkDriver) => ChannelPipelines);
  /** Bytes sent with the connection request (UTP 2.2+ connect payload), e.g. a token. */
  connectPayload?: Uint8Array | string;
  /** A driver you own: the plugin pumps it but never disposes it. */
  driver?: NetworkDriver;
  /** With `driver`: the connection `this.net` talks on (otherwise the plugin connects to `endpoint`). */
  connection?: NetworkConnection;
  /** Timer pumping while frames stop (hidden tab, throttled RAF); `false` disables it. */
  watchdog?: WatchdogOptions | false;
  /**
   * The time passed to `driver.update(now)`, in ms. Default: none, so the driver keeps its own clock. Tests pass
   * a fake clock here to make every network timer deterministic.
   */
  clock?: () => number;
  /**
   * A room adapter to attach at start (see `NetRoom`); `net.attachRoom` attaches one later. Given alone (no `url`,
   * `endpoint` or `driver`), the plugin opens no connection of its own and pumps the room's (a Colyseus room from
   * `utp-ts/colyseus/phaser`).
   */
  room?: NetRoom;
}
