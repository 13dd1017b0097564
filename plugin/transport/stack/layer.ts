import type { NetworkEndpoint } from '../api/endpoint.ts';
import type { NetworkSettings } from '../api/settings.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';

/**
 * Why an incoming packet was dropped; counted in the driver's statistics (`getStatistics().dropped`).
 * Layers may count reasons of their own (a DTLS layer's `badRecord`…): any string is accepted.
 */
export type DropReason =
  | 'malformed' | 'badVersion' | 'unknownToken' | 'wrongState' | 'unknownType' | 'badPipeline' | 'oversize'
  | 'queueFull' | 'addressMismatch' | 'simulated' | 'internalError' | 'refused' | 'reassemblyLimit';

/** What a packet layer may call: its neighbours, the clock and the driver's counters. Wired by `NetworkStack`. */
export interface LayerLinks {
  /** The driver clock (ms). Layers never read the real clock, so tests run on a fake one. */
  readonly now: number;
  readonly settings: NetworkSettings;
  /** The carrier is bound: packets sent down now can leave. */
  readonly ready: boolean;
  /** Hands a received packet to the layer above. */
  up(bytes: Uint8Array, start: number, end: number, address: string, port: number): void;
  /** Hands a packet to the layer below. `bytes` needs the lower layers' padding free before `start`; valid only during the call. */
  down(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void;
  /** Counts a dropped packet. */
  drop(reason: DropReason | (string & {})): void;
  /** The link to `address:port` is gone: the connection layer closes its connections there with `reason`, sending nothing. */
  closed(address: string, port: number, reason: number): void;
  /** Reports a failure the driver shows as `NetworkSocketError` in `receiveErrorCode` and in `lastError`. */
  error(err: Error): void;
  /** Asks for an early driver update (the driver's `onPacket`), e.g. when an asynchronous handshake finished. */
  wake(): void;
}

/**
 * A layer between the carrier and the connection layer, as UTP's `INetworkLayer` (NetworkStack.cs: Simulator,
 * DTLS, Relay). Received packets travel up, sent packets down; a layer adds `headerSize` bytes in front of what it
 * sends and removes them from what it receives. It never touches a socket and never reads the real clock.
 */
export interface PacketLayer {
  /** For statistics and `NetworkStack.layer(name)`: `'Simulator'`, `'DTLS'`, `'Relay'`… */
  readonly name: string;
  /** Bytes this layer puts in front of every packet it sends: its share of UTP's packet padding (spec §2.4). */
  readonly headerSize: number;
  /**
   * Every packet this layer passes up comes from a peer that proved its address (a DTLS cookie exchange, a Relay
   * BIND): the connection layer then skips its half-open rules (see `AdmissionParameters`).
   */
  readonly provesAddresses?: boolean;
  /** Called once by the stack, before the carrier is bound. */
  attach(links: LayerLinks): void;
  /** A packet from below, `bytes[start, end)` from `address:port`. Never throws on bad input: drop and count. */
  receive(bytes: Uint8Array, start: number, end: number, address: string, port: number): void;
  /** A packet from above for `to`, with at least `headerSize` (plus the lower layers' padding) free before `start`. */
  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void;
  /** Once per driver update, before its received packets are processed: timers; may call `up` and `down`. */
  update?(now: number): void;
  /** Once per driver update, after the connection layer's timers and before the flush (UTP's ScheduleSend). */
  flushSend?(now: number): void;
  /**
   * The link below to `address:port` is gone. Without this hook the stack passes it on to the layer above;
   * a layer that owns the address (a Relay server endpoint) handles it and may pass it on with `links.closed`.
   */
  linkClosed?(address: string, port: number, reason: number): void;
  /** The connection layer starts a connection to `to` (client: before its first request; server: when it accepts). */
  connectionOpened?(to: NetworkEndpoint): void;
  /** The connection layer released its connection to `to`; its last packet (a Disconnect, if any) has already left. */
  connectionClosed?(to: NetworkEndpoint): void;
  dispose?(): void;
}

/**
 * A factory stored in `NetworkSettings` by `withSecure…Parameters`, `withRelayParameters` and the like: the stack
 * builds these layers in `order` (lower first), as `NetworkStack.cs` adds DTLS below Relay.
 */
export interface LayerFactory {
  /** Position from the carrier up: Simulator 100, DTLS 200, Relay 300. */
  readonly order: number;
  /** Builds the layer; may refuse a carrier it cannot work over (with a `UtpError` saying which to use). */
  create(settings: NetworkSettings, carrier: NetworkInterface): PacketLayer;
}

/** `NetworkSettings.custom` keys under which a `LayerFactory` is found start with this prefix. */
export const LAYER_KEY_PREFIX = 'layer:';
