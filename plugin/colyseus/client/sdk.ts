import { ColyseusSDK, Room, ServerError, type ClientOptions, type EndpointSettings } from '@colyseus/sdk';
import type { Connection } from '@colyseus/sdk/Connection';
import type { ITransportEventMap } from '@colyseus/sdk/transport/ITransport';
import type { SDKTypes } from '@colyseus/shared-types';
import { CloseCodes } from '../close-frame.ts';
import { UtpClientTransport, type UtpClientOptions } from './transport.ts';

/** Options of `UtpSDK`: the stock SDK's, plus `utp` for the transport. */
export interface UtpSDKOptions extends Omit<ClientOptions, 'protocol'> {
  /** Carrier, tunnel path, driver settings…: see `UtpClientOptions`. */
  utp?: UtpClientOptions;
}

/**
 * The SDK's `Room` with its connection carried by UTP: when `Room.connect` creates its `Connection`, the
 * `UtpClientTransport` replaces the stock WebSocket transport before anything is sent. Everything else —
 * handshake, state, messages, `onDrop`/`onReconnect`, `leave` — is the stock Room.
 */
export class UtpRoom<T = any, State = any> extends Room<T, State> {
  /** The transport options this room's connections use. */
  readonly utpOptions: UtpClientOptions;

  /** A room named `name`; `UtpSDK` creates these, with its `utp` options. */
  constructor(name: string, rootSchema?: any, options: UtpClientOptions = {}) {
    super(name, rootSchema);
    this.utpOptions = options;
    let connection: Connection | undefined;
    // `connection` is a plain field of Room: an accessor in its place sees the Connection as Room.connect creates
    // it, before `connection.connect()` runs.
    Object.defineProperty(this, 'connection', {
      configurable: true,
      enumerable: true,
      get: () => connection,
      set: (value: Connection | undefined) => {
        connection = value;
        if (value && !(value.transport instanceof UtpClientTransport)) {
          value.transport = new UtpClientTransport(value.events, this.utpOptions);
        }
      },
    });
  }

  /** The UTP transport of the current connection (statistics, driver), or null before `connect`. */
  get utpTransport(): UtpClientTransport | null {
    const t = this.connection?.transport;
    return t instanceof UtpClientTransport ? t : null;
  }
}

/**
 * The Colyseus SDK over Unity Transport: use it exactly like `ColyseusSDK` (`joinOrCreate`, `join`, `joinById`,
 * `reconnect`, `room.send`, `room.sendUnreliable`, `onMessage`, `state`, `onLeave`, `onDrop`, `onReconnect`).
 * Matchmaking stays HTTP; rooms connect with UTP over UDP in Node and over WebSocket in browsers (`utp.carrier`
 * overrides). The server needs `UtpTransport` from `utp-ts/colyseus/server`.
 *
 * ```ts
 * const client = new UtpSDK('http://localhost:2567');
 * const room = await client.joinOrCreate('battle');
 * ```
 */
export class UtpSDK<ServerType extends SDKTypes = any, UserData = any> extends ColyseusSDK<ServerType, UserData> {
  /** The transport options every room of this client uses. */
  readonly utpOptions: UtpClientOptions;

  /** The stock SDK's constructor (`endpoint` as `new Client(endpoint)` takes it), plus `options.utp` for the UTP transport. */
  constructor(endpoint?: string | EndpointSettings, options: UtpSDKOptions = {}) {
    const { utp, ...stock } = options;
    super(endpoint, stock as ClientOptions);
    this.utpOptions = utp ?? {};
    // Room URLs become utp://host:port/<processId>/<roomId>?… (utps:// for a secure endpoint).
    (this.settings as { protocol?: string }).protocol = 'utp';
  }

  protected override createRoom<T>(roomName: string, rootSchema?: any): Room<any, T> {
    return new UtpRoom<any, T>(roomName, rootSchema, this.utpOptions);
  }

  /**
   * Round trip to the server over UTP (the server's ping utility: a connection without a room), averaged over
   * `pingCount` pings; rejects after `timeout` ms (default 1500).
   */
  override getLatency(options: { pingCount?: number; timeout?: number } = {}): Promise<number> {
    const pingCount = options.pingCount ?? 1;
    const timeout = options.timeout ?? 1500;
    const url = this.getHttpEndpoint().replace(/^http/, 'utp');
    return new Promise<number>((resolve, reject) => {
      const events: ITransportEventMap = {};
      const transport = new UtpClientTransport(events, this.utpOptions);
      const samples: number[] = [];
      let sentAt = 0;
      let settled = false;
      const settle = (run: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        transport.close(CloseCodes.NORMAL_CLOSURE);
        run();
      };
      const fail = (why: string): void => settle(() => reject(new ServerError(CloseCodes.ABNORMAL_CLOSURE, `Failed to get latency: ${why}`)));
      const timer = setTimeout(() => fail(`timed out after ${timeout}ms`), timeout);
      const ping = (): void => {
        sentAt = performance.now();
        transport.send(PING);
      };
      events.onopen = ping;
      events.onmessage = () => {
        samples.push(performance.now() - sentAt);
        if (samples.length < pingCount) ping();
        else settle(() => resolve(samples.reduce((a, b) => a + b, 0) / samples.length));
      };
      events.onclose = (e: { code?: number; reason?: string }) => fail(`connection closed (${e?.code ?? CloseCodes.ABNORMAL_CLOSURE})${e?.reason ? `: ${e.reason}` : ''}`);
      transport.connect(url);
    });
  }
}

/** Colyseus' PING frame (`Protocol.PING`). */
const PING = new Uint8Array([18]);
