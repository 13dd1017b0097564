import type { NetworkConnection } from '../transport/api/connection.ts';
import type { NetworkDriver } from '../transport/api/driver.ts';
import type { NetSession } from './session.ts';

/** A driver and one of its connections: where a room's traffic flows. */
export interface NetLink {
  /** The driver the connection belongs to. */
  driver: NetworkDriver;
  /** The room's connection on that driver. */
  connection: NetworkConnection;
}

/**
 * The extension point for a session layer above the connection, such as a Colyseus room: an adapter object the
 * plugin drives with the network pump and exposes to every scene as `this.net.room`. Every hook is optional.
 *
 * ```ts
 * const room: NetRoom = {
 *   attach(session) { session.reliable... },  // wire channels, remember the session
 *   update(now) { ... },                       // frame start: apply what arrived
 *   flush() { ... },                           // frame end: send what scenes queued
 *   detach() { ... },
 * };
 * this.net.attachRoom(room);                   // or the plugin option `room`
 * ```
 */
export interface NetRoom {
  /** Called once when attached, with the session (driver, connection, channels, events). */
  attach?(session: NetSession): void;
  /** Each receive step (the frame's PRE_STEP, or the watchdog), after the driver update and message dispatch. */
  update?(now: number): void;
  /** Each flush step (the frame's POST_STEP, or the watchdog), before the driver flush. */
  flush?(): void;
  /** Called when replaced by another room, detached with `attachRoom(null)`, or when the game is destroyed. */
  detach?(): void;
  /**
   * The connection the room talks on, if it has its own (the Colyseus room's UTP connection), or null while it has
   * none. `this.net.stats` and `NetGraph` then show this connection; a session without a connection of its own also
   * takes its `state`, `driver` and `connection` from it. Asked at every pump: may change (a reconnection).
   */
  link?(): NetLink | null;
}

/**
 * Augment to give `this.net.room` your adapter's type (the Colyseus integration does this for its room):
 *
 * ```ts
 * declare module 'utp-ts/phaser' { interface NetRoomRegistry { room: MyRoomAdapter } }
 * ```
 */
export interface NetRoomRegistry {}

/** The type of `this.net.room`: the registered adapter type, else `NetRoom`. */
export type AttachedRoom = NetRoomRegistry extends {
  /** The adapter type a module registered (e.g. `ColyseusNetRoom`). */
  room: infer R extends NetRoom;
} ? R : NetRoom;
