import * as Phaser from 'phaser';
import type { NetworkConnection } from '../transport/api/connection.ts';
import type { NetworkDriver } from '../transport/api/driver.ts';
import { afterIO } from '../transport/api/driver-loop.ts';
import { EventInbox } from '../transport/api/event-inbox.ts';
import type { NetworkEvent } from '../transport/api/network-event.ts';
import type { PipelineRef } from '../transport/stages/pipeline.ts';
import { UtpError } from '../transport/api/errors.ts';
import { ConnectionState, NetworkEventType, StatusCode, disconnectReasonName } from '../transport/api/status-codes.ts';
import { encodePayload, NetMessage, type NetPayload } from './message.ts';
import type { ChannelPipelines } from './options.ts';
import type { AttachedRoom, NetLink, NetRoom } from './room.ts';
import { emptyStats, type NetStats, StatsTracker } from './stats.ts';

/** Where the connection stands. */
export type NetState = 'connecting' | 'connected' | 'disconnected';

/** What a `NetSession` without a connection of its own is made of (see `NetSession`). */
export interface NetSessionRoomOnly {
  /** The time passed to the room's `update(now)`; default `performance.now()`. */
  clock?: () => number;
}

/** What a `NetSession` is made of. */
export interface NetSessionParts {
  /** The driver the session pumps. */
  driver: NetworkDriver;
  /** The session's connection on that driver. */
  connection: NetworkConnection;
  /** The pipelines of the reliable and unreliable channels. */
  pipelines: ChannelPipelines;
  /** Dispose the driver (after a Disconnect) with the session. */
  ownsDriver: boolean;
  /** The time for `driver.update(now)`; none keeps the driver's own clock. */
  clock?: () => number;
}

const messageEvents: string[] = [];

/**
 * One client connection as the game sees it: the driver it pumps, the channel pipelines, the connection state and
 * statistics. Owned by the global plugin, shared by every scene's `this.net`. Emits:
 *
 * - `'connect'`, `'disconnect'` (reason name, e.g. `'Timeout'`, `'ClosedByRemote'`, `'MaxConnectionAttempts'`);
 * - `NetSession.messageEvent(pipelineId)` with a `NetMessage` for each message on that pipeline;
 * - `'room'` with the adapter (or null) when `attachRoom` changes it.
 *
 * A session can also have no connection of its own (`NetSessionRoomOnly`, what the plugin makes when given only a
 * `room`): it then pumps the room adapter alone, and `driver`, `connection`, `state` and `stats` follow the room's
 * connection (`NetRoom.link`). Statistics always come from the attached room's link when it has one.
 */
export class NetSession extends Phaser.Events.EventEmitter {
  readonly #own: NetSessionParts | null;
  /** Whether disposing the session disposes its driver too (the plugin created it). */
  readonly ownsDriver: boolean;
  readonly #clock: (() => number) | undefined;
  /** Events processed on arrival, handed to listeners at the next frame's `receive`. */
  readonly #inbox = new EventInbox();
  #arrivalScheduled = false;
  readonly #tracker = new StatsTracker();
  #roomTracker = new StatsTracker();
  #roomTrackerDriver: NetworkDriver | null = null;
  #state: NetState;
  #reason: string | null = null;
  #room: NetRoom | null = null;
  #disposed = false;

  /** The event name of messages on pipeline `id`: `'message:<id>'`. */
  static messageEvent(pipeline: PipelineRef): string {
    const id = typeof pipeline === 'number' ? pipeline : pipeline.id;
    return (messageEvents[id] ??= `message:${id}`);
  }

  /** A session over a driver and connection (`NetSessionParts`), or over a room adapter alone; the plugin creates it. */
  constructor(parts: NetSessionParts | NetSessionRoomOnly) {
    super();
    const own = 'driver' in parts ? parts : null;
    this.#own = own;
    this.ownsDriver = own?.ownsDriver ?? false;
    this.#clock = parts.clock;
    if (own) {
      const s = own.driver.getConnectionState(own.connection);
      this.#state = s === ConnectionState.Connected ? 'connected' : s === ConnectionState.Connecting ? 'connecting' : 'disconnected';
      // Datagrams are processed — and acknowledged — when they arrive, not at the next frame, so a slow or throttled
      // frame rate never adds to the round trip the peer measures nor makes it resend. Unless the game pumps it itself.
      if (own.driver.onPacket === null) own.driver.onPacket = this.#onPacket;
    } else {
      this.#state = 'disconnected';
    }
  }

  /** True when the session has a connection of its own (false: it only pumps a room adapter). */
  get hasConnection(): boolean { return this.#own !== null; }

  /** The session's driver, else the room's (`NetRoom.link`); throws when there is neither. */
  get driver(): NetworkDriver {
    const driver = this.#own?.driver ?? this.#roomLink()?.driver;
    if (!driver) throw new UtpError('no connection yet: this game has no connection of its own and its room is not connected');
    return driver;
  }

  /** The session's connection, else the room's (`NetRoom.link`); throws when there is neither. */
  get connection(): NetworkConnection {
    const connection = this.#own?.connection ?? this.#roomLink()?.connection;
    if (!connection) throw new UtpError('no connection yet: this game has no connection of its own and its room is not connected');
    return connection;
  }

  /** The channel pipelines; throws when the session has no connection of its own. */
  get pipelines(): ChannelPipelines {
    if (!this.#own) throw new UtpError('this game has no connection of its own (the plugin got only a room): talk through this.net.room');
    return this.#own.pipelines;
  }

  /** The connection state; without a connection of its own, the room connection's. */
  get state(): NetState {
    if (this.#own || this.#disposed) return this.#state;
    const link = this.#roomLink();
    if (!link) return 'disconnected';
    const s = link.driver.getConnectionState(link.connection);
    return s === ConnectionState.Connected ? 'connected' : s === ConnectionState.Connecting ? 'connecting' : 'disconnected';
  }
  /** Whether the state is `connected`. */
  get connected(): boolean { return this.state === 'connected'; }
  /** The reason name of the last disconnect, or null. */
  get disconnectReason(): string | null { return this.#reason; }
  /** The attached room adapter, or null. */
  get room(): AttachedRoom | null { return this.#room as AttachedRoom | null; }
  /** Whether `dispose` ran. */
  get disposed(): boolean { return this.#disposed; }

  /**
   * Receive step: updates the driver (timers, resends, received datagrams), then hands every event of the
   * connection — those processed on arrival since the last frame first — to listeners, then updates the room.
   * Events of other connections of a shared driver are dropped. Does nothing once the driver is disposed.
   */
  receive(): void {
    if (this.#disposed) return;
    const own = this.#own;
    let now: number;
    if (own) {
      const driver = own.driver;
      if (!driver.isCreated) return;
      driver.update(this.#clock?.());
      this.#inbox.collect(driver);
      this.#inbox.drain(this.#dispatch);
      this.#tracker.tick(driver, own.connection);
      now = driver.lastUpdateTime;
    } else {
      now = this.#clock?.() ?? performance.now();
    }
    const room = this.#room;
    if (!room) return;
    room.update?.(now);
    const link = this.#roomLink();
    if (link) {
      if (link.driver !== this.#roomTrackerDriver) {
        // A new connection (a reconnection makes a new driver): its counters start again from zero.
        this.#roomTracker = new StatsTracker();
        this.#roomTrackerDriver = link.driver;
      }
      this.#roomTracker.tick(link.driver, link.connection);
    }
  }

  readonly #dispatch = (ev: NetworkEvent): void => {
    if (!ev.connection.equals(this.#own!.connection)) return;
    if (ev.type === NetworkEventType.Data) {
      this.emit(NetSession.messageEvent(ev.pipeline), new NetMessage(ev.data, ev.pipeline));
    } else if (ev.type === NetworkEventType.Connect) {
      this.#state = 'connected';
      this.emit('connect');
    } else if (ev.type === NetworkEventType.Disconnect) {
      this.#state = 'disconnected';
      this.#reason = disconnectReasonName(ev.disconnectReason);
      this.emit('disconnect', this.#reason);
    }
  };

  /** Datagrams arrived: one update after the I/O burst, events kept for the frame, acknowledgements sent now. */
  readonly #onPacket = (): void => {
    if (this.#arrivalScheduled) return;
    this.#arrivalScheduled = true;
    afterIO(this.#arrive);
  };

  readonly #arrive = (): void => {
    this.#arrivalScheduled = false;
    const driver = this.#own?.driver;
    if (this.#disposed || !driver?.isCreated) return;
    driver.update(this.#clock?.());
    this.#inbox.collect(driver);
    driver.flush();
  };

  /** Flush step: lets the room send, then hands every queued datagram to the carrier. */
  flush(): void {
    if (this.#disposed) return;
    const own = this.#own;
    if (own && !own.driver.isCreated) return;
    this.#room?.flush?.();
    own?.driver.flush();
  }

  /** Receive and flush: what a frame does, in one call (the watchdog's pump). */
  pump(): void {
    this.receive();
    this.flush();
  }

  /**
   * Queues `data` on `pipeline` (see `NetPayload` for the encoding); it leaves at the next flush. Returns the
   * bytes sent or a negative `StatusCode` (−3 not connected, −4 too large, −5 reliable window full).
   */
  send(pipeline: PipelineRef, data: NetPayload): number {
    const own = this.#own;
    if (this.#disposed || !own || !own.driver.isCreated) return StatusCode.NetworkStateMismatch;
    return own.driver.send(own.connection, pipeline, encodePayload(data));
  }

  /**
   * Current statistics, written into `out` when given (no allocation of the result): those of the attached room's
   * connection when it reports one (`NetRoom.link`), else the session's own; zeros without either.
   */
  stats(out?: NetStats): NetStats {
    if (this.#disposed) return out ?? emptyStats();
    const link = this.#roomLink();
    if (link) return this.#roomTracker.read(link.driver, link.connection, out);
    const own = this.#own;
    if (!own || !own.driver.isCreated) return emptyStats(out);
    return this.#tracker.read(own.driver, own.connection, out);
  }

  /** The attached room's live connection, or null. */
  #roomLink(): NetLink | null {
    const link = this.#room?.link?.() ?? null;
    return link && link.driver.isCreated ? link : null;
  }

  /** Attaches a room adapter (replacing and detaching any previous one); `null` detaches. */
  attachRoom(room: NetRoom | null): void {
    const old = this.#room;
    if (old === room) return;
    this.#room = null;
    old?.detach?.();
    this.#room = room;
    room?.attach?.(this);
    this.emit('room', room);
  }

  /**
   * Ends the session: detaches the room and, when the session owns the driver, disconnects (the Disconnect
   * packet leaves at once) and disposes it. Listeners are removed.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.attachRoom(null);
    const own = this.#own;
    if (own && own.driver.onPacket === this.#onPacket) own.driver.onPacket = null;
    this.#inbox.clear();
    if (own && this.ownsDriver && own.driver.isCreated) {
      if (this.#state !== 'disconnected') {
        own.driver.disconnect(own.connection);
        own.driver.update(this.#clock?.());
      }
      own.driver.dispose();
    }
    this.#disposed = true;
    this.#state = 'disconnected';
    this.removeAllListeners();
  }
}
