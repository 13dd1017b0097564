import type { NetSession } from './session.ts';

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
export type AttachedRoom = NetRoomRegistry extends { room: infer R extends NetRoom } ? R : NetRoom;
