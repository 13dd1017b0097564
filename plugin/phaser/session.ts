import * as Phaser from 'phaser';
import type { NetworkConnection } from '../transport/connection.ts';
import type { NetworkDriver } from '../transport/driver.ts';
import { NetworkEvent } from '../transport/network-event.ts';
import type { PipelineRef } from '../transport/pipeline.ts';
import { ConnectionState, NetworkEventType, StatusCode, disconnectReasonName } from '../transport/status-codes.ts';
import { encodePayload, NetMessage, type NetPayload } from './message.ts';
import type { ChannelPipelines } from './options.ts';
import type { AttachedRoom, NetRoom } from './room.ts';
import { emptyStats, type NetStats, StatsTracker } from './stats.ts';

/** Where the connection stands. */
export type NetState = 'connecting' | 'connected' | 'disconnected';

/** What a `NetSession` is made of. */
export interface NetSessionParts {
  driver: NetworkDriver;
  connection: NetworkConnection;
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
 */
export class NetSession extends Phaser.Events.EventEmitter {
  readonly driver: NetworkDriver;
  readonly connection: NetworkConnection;
  readonly pipelines: ChannelPipelines;
  readonly ownsDriver: boolean;
  readonly #clock: (() => number) | undefined;
  readonly #event = new NetworkEvent();
  readonly #tracker = new StatsTracker();
  #state: NetState;
  #reason: string | null = null;
  #room: NetRoom | null = null;
  #disposed = false;

  /** The event name of messages on pipeline `id`: `'message:<id>'`. */
  static messageEvent(pipeline: PipelineRef): string {
    const id = typeof pipeline === 'number' ? pipeline : pipeline.id;
    return (messageEvents[id] ??= `message:${id}`);
  }

  constructor(parts: NetSessionParts) {
    super();
    this.driver = parts.driver;
    this.connection = parts.connection;
    this.pipelines = parts.pipelines;
    this.ownsDriver = parts.ownsDriver;
    this.#clock = parts.clock;
    const s = parts.driver.getConnectionState(parts.connection);
    this.#state = s === ConnectionState.Connected ? 'connected' : s === ConnectionState.Connecting ? 'connecting' : 'disconnected';
  }

  get state(): NetState { return this.#state; }
  get connected(): boolean { return this.#state === 'connected'; }
  /** The reason name of the last disconnect, or null. */
  get disconnectReason(): string | null { return this.#reason; }
  get room(): AttachedRoom | null { return this.#room as AttachedRoom | null; }
  get disposed(): boolean { return this.#disposed; }

  /**
   * Receive step: updates the driver (timers, resends, received datagrams), then hands every event of the
   * connection to listeners, then updates the room. Events of other connections of a shared driver are dropped.
   * Does nothing once the driver is disposed (a driver you own may be disposed before the game).
   */
  receive(): void {
    const driver = this.driver;
    if (this.#disposed || !driver.isCreated) return;
    driver.update(this.#clock?.());
    const ev = this.#event;
    while (driver.popEvent(ev) !== NetworkEventType.Empty) {
      if (!ev.connection.equals(this.connection)) continue;
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
    }
    this.#tracker.tick(driver, this.connection);
    this.#room?.update?.(driver.lastUpdateTime);
  }

  /** Flush step: lets the room send, then hands every queued datagram to the carrier. */
  flush(): void {
    if (this.#disposed || !this.driver.isCreated) return;
    this.#room?.flush?.();
    this.driver.flush();
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
    if (this.#disposed || !this.driver.isCreated) return StatusCode.NetworkStateMismatch;
    return this.driver.send(this.connection, pipeline, encodePayload(data));
  }

  /** Current statistics, written into `out` when given (no allocation of the result). */
  stats(out?: NetStats): NetStats {
    if (this.#disposed) return out ?? emptyStats();
    return this.#tracker.read(this.driver, this.connection, out);
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
    if (this.ownsDriver && this.driver.isCreated) {
      if (this.#state !== 'disconnected') {
        this.driver.disconnect(this.connection);
        this.driver.update(this.#clock?.());
      }
      this.driver.dispose();
    }
    this.#disposed = true;
    this.#state = 'disconnected';
    this.removeAllListeners();
  }
}
