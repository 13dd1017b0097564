import { NetworkConnection } from './connection.ts';
import { DataStreamReader } from './data-stream.ts';
import { NetworkPipeline } from '../stages/pipeline.ts';
import { NetworkEventType, type DisconnectReason } from './status-codes.ts';

const EMPTY = new Uint8Array(0);
const pipelines = Array.from({ length: 256 }, (_, i) => (i === 0 ? NetworkPipeline.Null : new NetworkPipeline(i)));

/** The shared handle object of pipeline `id` (no allocation when filling events). */
export function pipelineHandle(id: number): NetworkPipeline {
  return pipelines[id];
}

/**
 * One event popped from the driver: UTP's `PopEvent(out connection, out reader, out pipeline)` as an
 * object. Reuse one instance with `driver.popEvent(event)` to allocate nothing per event. The bytes are
 * valid until the driver's next `update()`.
 */
export class NetworkEvent {
  /** What happened: `Data`, `Connect`, `Disconnect`, or `Empty` when there was no event. */
  type: NetworkEventType = NetworkEventType.Empty;
  /** The connection the event belongs to (`NetworkConnection.Null` when `Empty`). */
  connection: NetworkConnection = NetworkConnection.Null;
  /** Data: the pipeline the message arrived on; `NetworkPipeline.Null` otherwise. */
  pipeline: NetworkPipeline = NetworkPipeline.Null;
  /** Data: the message. Connect: the server's accept payload (2.7), often empty. Disconnect: one reason byte. */
  readonly reader = new DataStreamReader();
  /**
   * The array holding the event's bytes, and where they are in it: pass all three to `driver.send` to forward a
   * message without creating a view (`data` allocates one). Valid until the next `update()`.
   */
  bytes: Uint8Array = EMPTY;
  /** Index of the event's first byte in `bytes`. */
  offset = 0;
  /** Number of the event's bytes in `bytes`. */
  length = 0;

  /** @internal Fills the event (the driver's `popEvent`); returns its type. */
  set(type: NetworkEventType, connection: NetworkConnection, pipeline: NetworkPipeline, bytes: Uint8Array, offset: number, length: number): NetworkEventType {
    this.type = type;
    this.connection = connection;
    this.pipeline = pipeline;
    this.reader.reset(bytes, offset, length);
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return type;
  }

  /** @internal Empties the event; returns `Empty`. */
  clear(): NetworkEventType {
    return this.set(NetworkEventType.Empty, NetworkConnection.Null, NetworkPipeline.Null, EMPTY, 0, 0);
  }

  /** A view of the event's bytes (no copy). */
  get data(): Uint8Array {
    return this.reader.asUint8Array();
  }

  /** For Disconnect events: the `DisconnectReason` (spec §3.9). */
  get disconnectReason(): DisconnectReason {
    return this.reader.asUint8Array()[0] as DisconnectReason;
  }
}
