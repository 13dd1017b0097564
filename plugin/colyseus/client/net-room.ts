import type { Room } from '@colyseus/sdk';
import type { NetLink, NetRoom } from '../../phaser/room.ts';
import type { NetSession } from '../../phaser/session.ts';
import { UtpClientTransport } from './transport.ts';

declare module '../../phaser/room.ts' {
  interface NetRoomRegistry {
    /** `this.net.room` when the plugin is given a `ColyseusNetRoom`: the typed adapter. */
    room: ColyseusNetRoom;
  }
}

/**
 * The Phaser plugin's room adapter for a Colyseus room joined with `UtpSDK`. While attached to the game's session
 * (`withUtpPlugin(config, { room })` or `this.net.attachRoom(room)`), the plugin owns the room connection's frame
 * order: its UTP driver is updated on PRE_STEP — state patches and `onMessage` handlers run before any scene's
 * `update` — and flushed on POST_STEP, so what scenes send during `update` leaves once, before rendering. The
 * transport's own timers stand down meanwhile (`UtpClientTransport.setExternallyPumped`); the plugin's watchdog
 * pumps when frames stall (hidden tab). `this.net.stats` and `NetGraph` show this connection.
 *
 * One adapter serves any number of rooms in turn (`use`/`join`); a reconnection (`onDrop` → `onReconnect`) keeps
 * the same transport with a new connection, which is pumped the same way. Detached (or the game destroyed), the
 * transport gets its timers back and the room keeps working on its own; leaving the room stays the caller's call.
 * A room of the stock SDK (WebSocket) is held but not pumped: it has no UTP driver.
 */
export class ColyseusNetRoom<State = any> implements NetRoom {
  #room: Room<any, State> | null = null;
  #session: NetSession | null = null;
  #pumped: UtpClientTransport | null = null;

  /** An adapter holding `room` (or none yet: `use` or `join` one later). */
  constructor(room: Room<any, State> | null = null) {
    this.#room = room;
  }

  /** The Colyseus room, or null. */
  get room(): Room<any, State> | null { return this.#room; }

  /** The session this adapter is attached to, or null. */
  get session(): NetSession | null { return this.#session; }

  /** The room's UTP transport (driver, connection, statistics), or null (no room, or not a `UtpSDK` room). */
  get transport(): UtpClientTransport | null {
    const t = this.#room?.connection?.transport;
    return t instanceof UtpClientTransport ? t : null;
  }

  /**
   * Makes `room` the one the plugin pumps (null: none). The previous room is not left: its transport gets its own
   * timers back. Returns `room`.
   */
  use<R extends Room<any, State> | null>(room: R): R {
    if (room === this.#room) return room;
    this.#release();
    this.#room = room;
    if (this.#session) this.#take();
    return room;
  }

  /** Awaits a join (`sdk.joinOrCreate(…)`, `sdk.joinById(…)`…) and `use`s the room. */
  async join<R extends Room<any, State>>(pending: Promise<R>): Promise<R> {
    return this.use(await pending);
  }

  attach(session: NetSession): void {
    this.#session = session;
    this.#take();
  }

  /** Receive step: updates the room's driver and runs the SDK's handlers for what arrived. */
  update(): void {
    // The transport exists once the room connects; take it over as soon as it does.
    if (this.#pumped === null && this.#session) this.#take();
    this.#pumped?.update();
  }

  /** Flush step: sends what the handlers and scenes queued on the room this frame. */
  flush(): void {
    this.#pumped?.flush();
  }

  detach(): void {
    this.#release();
    this.#session = null;
  }

  link(): NetLink | null {
    const t = this.transport;
    const driver = t?.driver;
    const connection = t?.connection;
    return driver && connection ? { driver, connection } : null;
  }

  #take(): void {
    const t = this.transport;
    if (!t) return;
    t.setExternallyPumped(true);
    this.#pumped = t;
  }

  #release(): void {
    this.#pumped?.setExternallyPumped(false);
    this.#pumped = null;
  }
}
