// The closing side of a Colyseus connection over UTP, the same on the server and in the SDK: the close frame goes
// on the reliable pipeline, the connection lingers until the peer acknowledged it (or `lingerMS` passed), then
// the caller sends the UTP Disconnect. The peer, on reading the close frame, disconnects at once.
import { ReliableSequencedPipelineStage, type NetworkConnection, type NetworkDriver, type ReliableSnapshot } from '../transport/index.ts';
import { encodeCloseFrame } from './close-frame.ts';
import { RELIABLE_PIPELINE } from './protocol.ts';

/** How long a closing side keeps its connection for the close frame to be acknowledged. */
export const DEFAULT_LINGER_MS = 1000;

/** One connection's close in progress; times are the driver's clock (`lastUpdateTime`). */
export class CloseHandshake {
  readonly code: number;
  readonly reason: string;
  readonly #driver: NetworkDriver;
  readonly #connection: NetworkConnection;
  readonly #until: number;

  private constructor(driver: NetworkDriver, connection: NetworkConnection, code: number, reason: string, until: number) {
    this.#driver = driver;
    this.#connection = connection;
    this.code = code;
    this.reason = reason;
    this.#until = until;
  }

  /**
   * Queues the close frame for `code` on `connection` (a connection of `driver`, the carrier's own driver). Null
   * when it cannot be queued (send queue full, connection gone): disconnect at once, without a code.
   */
  static begin(driver: NetworkDriver, connection: NetworkConnection, code: number, reason = '', lingerMS = DEFAULT_LINGER_MS): CloseHandshake | null {
    if (driver.send(connection, RELIABLE_PIPELINE, encodeCloseFrame(code, reason)) < 0) return null;
    return new CloseHandshake(driver, connection, code, reason, driver.lastUpdateTime + lingerMS);
  }

  /** True once the peer acknowledged everything sent, the close frame included, or the linger time ran out. */
  get finished(): boolean {
    return this.#driver.lastUpdateTime >= this.#until || reliableDrained(this.#driver, this.#connection);
  }
}

/** True when nothing sent on the reliable pipeline waits for an acknowledgement (or the connection is gone). */
export function reliableDrained(driver: NetworkDriver, connection: NetworkConnection): boolean {
  try {
    const s = driver.getPipelineBuffers(RELIABLE_PIPELINE, ReliableSequencedPipelineStage, connection) as ReliableSnapshot;
    return s.inFlight === 0 && s.queuedMessages === 0;
  } catch {
    return true;
  }
}
