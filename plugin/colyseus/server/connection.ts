import type { MultiNetworkConnection, NetworkDriver } from '../../transport/node.ts';
import type { CloseHandshake } from '../close-handshake.ts';
import { ReadyState, type UtpClient } from './client.ts';

/** What `UtpTransport` does for its connections; `ServerConnection` forwards to it. */
export interface ConnectionHost {
  readonly latencyMs: number;
  sendReliable(connection: ServerConnection, frame: Uint8Array): void;
  sendUnreliable(connection: ServerConnection, frame: Uint8Array): boolean;
  close(connection: ServerConnection, code: number, reason?: string): void;
}

/**
 * One UTP connection of `UtpTransport`: a room client, a ping-utility peer, or one being set up. It is what a
 * `UtpClient` sends through (`ClientConnection`).
 */
export class ServerConnection {
  readonly connection: MultiNetworkConnection;
  /** The carrier's own driver (UDP or WebSocket) and connection handle. */
  readonly driver: NetworkDriver;
  readonly carrier: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #host: ConnectionHost;
  readyState: number = ReadyState.OPEN;
  /** Set while CLOSING: our close frame waits for its acknowledgement. */
  closing: CloseHandshake | null = null;
  client: UtpClient | null = null;
  /** Ping utility: every frame is answered with PING. */
  ping = false;

  constructor(host: ConnectionHost, connection: MultiNetworkConnection, driver: NetworkDriver, carrier: string, address: string, port: number) {
    this.#host = host;
    this.connection = connection;
    this.driver = driver;
    this.carrier = carrier;
    this.remoteAddress = address;
    this.remotePort = port;
  }

  get latencyMs(): number { return this.#host.latencyMs; }
  sendReliable(frame: Uint8Array): void { this.#host.sendReliable(this, frame); }
  sendUnreliable(frame: Uint8Array): boolean { return this.#host.sendUnreliable(this, frame); }
  close(code: number, reason?: string): void { this.#host.close(this, code, reason); }
}
