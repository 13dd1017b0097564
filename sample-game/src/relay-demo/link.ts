// What host and joiner share: a Relay driver over WebRTC (WebSocket if the data channel does not open) with the
// demo's two pipelines, and the session types the page shows. Both sides run their frame with a DriverLoop, which also reacts as soon as a packet arrives (a
// microtask in browsers), so a background tab, whose timers browsers slow to 1 Hz, keeps up with its peers.
import {
  NetworkEndpoint, NetworkSettings, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  type NetworkDriver, type NetworkPipeline,
} from '../../../plugin/index.ts';
import {
  createRelayDriver, RelayServerData, RelayWebRtcInterface, RelayWebSocketInterface, withRelayParameters,
  type RelayAllocationJson,
} from '../../../plugin/relay/index.ts';
import type { PlayerInfo } from './protocol.ts';

export interface RelayLink {
  driver: NetworkDriver;
  /** Pipeline 1: ReliableSequenced (hello, welcome, join, leave, chat). */
  reliable: NetworkPipeline;
  /** Pipeline 2: UnreliableSequenced (keys, positions, pings). */
  unreliable: NetworkPipeline;
  /** The relay server's endpoint; a joiner connects to it, as in UTP. */
  endpoint: NetworkEndpoint;
  /** What carries the link now: 'webrtc' or 'websocket'. */
  carrier(): string;
}

/**
 * How the page reaches the relay (`?carrier=` in its URL): `auto` (default) a WebRTC data channel, the WebSocket
 * if it does not open within 3 s; `webrtc` or `websocket` force one.
 */
export type CarrierChoice = 'auto' | 'webrtc' | 'websocket';

/** The `?carrier=` of a page URL's query (`auto` unless it says `webrtc` or `websocket`). */
export function carrierChoice(search: string): CarrierChoice {
  const c = new URLSearchParams(search).get('carrier');
  return c === 'webrtc' || c === 'websocket' ? c : 'auto';
}

/**
 * A bound Relay driver for `allocation`, with its "ws" Relay data (`wss` for pages served over HTTPS): over WebRTC,
 * whose signalling the relay answers on that same port, unless `carrier` forces the WebSocket.
 */
export async function openRelayLink(allocation: RelayAllocationJson, connectionType: 'ws' | 'wss' = 'ws', carrier: CarrierChoice = 'auto'): Promise<RelayLink> {
  const data = RelayServerData.fromAllocation(allocation, connectionType);
  const settings = new NetworkSettings().withNetworkConfigParameters({ disconnectTimeoutMS: 10_000 });
  const iface = carrier === 'websocket' ? new RelayWebSocketInterface() : new RelayWebRtcInterface({ fallback: carrier === 'auto' });
  const driver = createRelayDriver(withRelayParameters(settings, data), { carrier: iface });
  const reliable = driver.createPipeline(ReliableSequencedPipelineStage);
  const unreliable = driver.createPipeline(UnreliableSequencedPipelineStage);
  await driver.bind(NetworkEndpoint.anyIpv4);
  return { driver, reliable, unreliable, endpoint: data.endpoint, carrier: () => iface.carrierName };
}

/** A player as the page shows it. */
export interface SessionPlayer extends PlayerInfo {
  /** Where this page last heard the dot is (the host's simulation, or its latest broadcast). */
  x: number;
  y: number;
  own: boolean;
  /** Round trip through the relay in ms (host: per joiner; joiner: to the host), null before the first pong. */
  rtt: number | null;
}

export interface SessionStatus {
  /** `driver.getRelayConnectionStatus()` by name: NotEstablished, Established, AllocationInvalid. */
  relay: string;
  /** Host: `Listening`; joiner: Connecting, Connected or Disconnected. */
  connection: string;
  players: number;
  maxPlayers: number;
  /** Host: mean over joiners; joiner: to the host. */
  rtt: number | null;
  /** What carries this page's link to the relay: 'webrtc' or 'websocket'. */
  carrier: string;
}

/** What a session tells the page. */
export interface SessionEvents {
  /** A chat line (`from` set) or a system line. */
  log(text: string, from?: PlayerInfo): void;
  /** The session is over (it cleaned up already). */
  ended(reason: string): void;
}

/** A hosted or joined game, as the page drives it. */
export interface Session {
  readonly role: 'host' | 'guest';
  readonly code: string;
  /** This page's player id; -1 until the host welcomed us. */
  readonly myId: number;
  players(): SessionPlayer[];
  status(): SessionStatus;
  /** This page's keys (`Keys` bits). */
  setKeys(keys: number): void;
  say(text: string): void;
  /** Leaves (a host ends the game for everyone). */
  leave(): void;
}

/** Round-trip smoothing: a new sample moves the estimate a fifth of the way. */
export function smoothRtt(current: number | null, sample: number): number {
  return current === null ? sample : current + (sample - current) * 0.2;
}

/** How often each side pings the other, ms. */
export const PING_MS = 500;
