import { EventEmitter } from 'node:events';
import {
  ClientState, Protocol, enqueueClientRaw, getMessageBytes, type Client, type ClientPrivate, type ISendOptions,
} from '@colyseus/core';

declare module '@colyseus/core' {
  // Every client of a server on UtpTransport has `sendUnreliable`; optional here because Colyseus' `Client` type is
  // shared with other transports, whose clients do not (`isUtpClient(client)` narrows to `UtpClient`).
  interface Client<T extends { userData?: any, auth?: any, messages?: Record<string | number, any> } = any> {
    /** utp-ts: a message on the unreliable channel (`UtpClient.sendUnreliable`); absent on other transports. */
    sendUnreliable?(type: string | number, message?: unknown): void;
  }
}

/** WebSocket-style ready states, which Colyseus core reads (`client.readyState === WebSocket.OPEN`). */
export const ReadyState = {
  /** 0: the UTP connection is not established yet. */
  CONNECTING: 0,
  /** 1: established: frames can be sent. */
  OPEN: 1,
  /** 2: a close frame was sent; the UTP Disconnect follows. */
  CLOSING: 2,
  /** 3: closed. */
  CLOSED: 3,
} as const;

/** What a `UtpClient` sends through: its UTP connection, as `UtpTransport` keeps it (`ServerConnection`). */
export interface ClientConnection {
  /** `ReadyState` of the connection. */
  readonly readyState: number;
  /** The peer's IP address, as the carrier reports it. */
  readonly remoteAddress: string;
  /** `'udp'` or `'websocket'`. */
  readonly carrier: string;
  /** Half the simulated round trip (`simulateLatency`), 0 when off. */
  readonly latencyMs: number;
  /** One frame on the reliable pipeline (the bytes are copied before this returns). */
  sendReliable(frame: Uint8Array): void;
  /** One frame on the unreliable pipeline; false (and counted) when it does not fit one datagram. */
  sendUnreliable(frame: Uint8Array): boolean;
  /** Close frame with `code`, then the UTP Disconnect once it is acknowledged. */
  close(code: number, reason?: string): void;
}

/**
 * The server-side Colyseus `Client` of `UtpTransport` (as `WebSocketClient` is ws-transport's): one UTP connection. Frames from the room go on the reliable
 * pipeline (`raw`, `send`, `sendBytes`, `error`, state patches) or the unreliable one (`rawUnreliable` — its presence
 * makes core send `.unreliable()` schema fields to this client — and `sendUnreliable`). `ref` emits `'message'`
 * (one Colyseus frame, a `Buffer`) and `'close'` (the numeric close code), which is all core listens to.
 */
export class UtpClient implements Client, ClientPrivate {
  /** The message types of `Client`'s generic (types only; Colyseus' typing of `send`). */
  declare '~messages': any;

  /** Legacy alias of `sessionId`. */
  id: string;
  sessionId: string;
  state: ClientState = ClientState.JOINING;
  reconnectionToken = '';
  /** Core listens here; on reconnection it moves the new client's emitter onto the old client object. */
  ref: EventEmitter;
  userData?: any;
  auth?: any;
  view?: any;

  /** Colyseus' bookkeeping: frames held until the join handshake completes. */
  _enqueuedMessages?: any[] = [];
  /** Colyseus' bookkeeping: the room clock's elapsed time at the join, in ms. */
  _joinedAt = 0;
  _numMessagesLastSecond = 0;
  /** Colyseus' bookkeeping: when the per-second message count (`maxMessagesPerSecond`) resets, in ms. */
  _messageCountResetsAt = 0;
  _lastMessageTime = 0;

  readonly #connection: ClientConnection;
  /** Our own emitter: `ref` may be replaced by core, our events always go to the emitter we created. */
  readonly #events = new EventEmitter();
  #closeEmitted = false;

  /** The client of session `sessionId` over `connection`; `UtpTransport` creates these. */
  constructor(sessionId: string, connection: ClientConnection) {
    this.sessionId = this.id = sessionId;
    this.#connection = connection;
    this.ref = this.#events;
  }

  /** 1 while the connection is open (core checks it on reconnection), 2 closing, 3 closed. */
  get readyState(): number {
    return this.#connection.readyState;
  }

  /** The peer's IP address. */
  get remoteAddress(): string {
    return this.#connection.remoteAddress;
  }

  /** `'udp'` (Node clients) or `'websocket'` (browsers). */
  get carrier(): string {
    return this.#connection.carrier;
  }

  /** One frame on the reliable, ordered, fragmented pipeline. */
  raw(data: Uint8Array | Buffer, _options?: ISendOptions, cb?: (err?: Error) => void): void {
    const delay = this.#connection.latencyMs;
    if (delay > 0) {
      // Patches are views of the encoder's shared buffer, reused next tick: copy before deferring.
      const copy = Uint8Array.from(data);
      setTimeout(() => this.#rawNow(copy, cb), delay);
      return;
    }
    this.#rawNow(data, cb);
  }

  /**
   * One frame on the unreliable pipeline: may be lost or dropped as stale, never split. A frame that does not fit
   * one datagram (about 1.3 KB) is dropped and counted in `transport.stats.unreliableOversize`.
   */
  rawUnreliable(data: Uint8Array | Buffer, _options?: ISendOptions, cb?: (err?: Error) => void): void {
    const delay = this.#connection.latencyMs;
    if (delay > 0) {
      const copy = Uint8Array.from(data);
      setTimeout(() => this.#rawUnreliableNow(copy, cb), delay);
      return;
    }
    this.#rawUnreliableNow(data, cb);
  }

  /** Colyseus `Client.enqueueRaw`: sends now, or after the join handshake. */
  enqueueRaw(data: Uint8Array | Buffer, options?: ISendOptions): void {
    enqueueClientRaw(this, data, options);
  }

  send(messageOrType: any, messageOrOptions?: any, options?: ISendOptions): void {
    this.enqueueRaw(getMessageBytes.raw(Protocol.ROOM_DATA, messageOrType, messageOrOptions), options);
  }

  sendBytes(type: string | number, bytes: Buffer | Uint8Array, options?: ISendOptions): void {
    this.enqueueRaw(getMessageBytes.raw(Protocol.ROOM_DATA_BYTES, type, undefined, bytes), options);
  }

  /**
   * utp-ts extension: a message on the unreliable pipeline, received by the SDK's `room.onMessage(type)` like any
   * other. Dropped before the client joined (it could not register handlers yet) and when larger than a datagram.
   */
  sendUnreliable(type: string | number, message?: unknown): void {
    if (this.state !== ClientState.JOINED) return;
    this.rawUnreliable(getMessageBytes.raw(Protocol.ROOM_DATA, type, message));
  }

  error(code: number, message = '', cb?: (err?: Error) => void): void {
    this.raw(getMessageBytes[Protocol.ERROR](code, message), undefined, cb);
  }

  /** Closes the connection with `code` (sent to the SDK before the UTP Disconnect); `'close'` follows. */
  leave(code?: number, data?: string): void {
    const delay = this.#connection.latencyMs;
    // With simulated latency, frames sent just before must still arrive first.
    if (delay > 0) setTimeout(() => this.#leaveNow(code, data), delay);
    else this.#leaveNow(code, data);
  }

  /** @deprecated Use `leave()`. */
  close(code?: number, data?: string): void {
    this.leave(code, data);
  }

  /** What Colyseus' monitor shows. */
  toJSON(): object {
    return { sessionId: this.sessionId, readyState: this.readyState, carrier: this.carrier, remoteAddress: this.remoteAddress };
  }

  /** @internal The transport delivers one inbound Colyseus frame. */
  _message(frame: Buffer): void {
    this.#events.emit('message', frame);
  }

  /** @internal The transport reports the end of the connection, once. */
  _closed(code: number, reason?: string): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.#events.emit('close', code, reason);
  }

  #rawNow(data: Uint8Array, cb?: (err?: Error) => void): void {
    if (this.#connection.readyState !== ReadyState.OPEN) {
      cb?.(new Error('connection is not open'));
      return;
    }
    this.#connection.sendReliable(data);
    cb?.();
  }

  #rawUnreliableNow(data: Uint8Array, cb?: (err?: Error) => void): void {
    if (this.#connection.readyState !== ReadyState.OPEN) {
      cb?.(new Error('connection is not open'));
      return;
    }
    const sent = this.#connection.sendUnreliable(data);
    cb?.(sent ? undefined : new Error('unreliable frame larger than one datagram: dropped'));
  }

  #leaveNow(code?: number, reason?: string): void {
    if (this.#connection.readyState !== ReadyState.OPEN) return;
    const c = code ?? 1005;
    this.#connection.close(c, reason);
    // `ws` reports the closure once the close handshake is done; ours is reported on the next turn, so core's
    // handlers never run inside the caller's `leave()`.
    setImmediate(() => this._closed(c, reason));
  }
}

/** True when `client` is a client of `UtpTransport` (`carrier`, `remoteAddress`, `sendUnreliable` always present). */
export function isUtpClient(client: unknown): client is UtpClient {
  return client instanceof UtpClient;
}
