import type { NetworkPipeline } from '../transport/stages/pipeline.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * What `channel.send` accepts: bytes go as they are, strings as UTF-8, and anything else as JSON text (UTF-8),
 * which the receiver reads with `message.json()`. Nothing is added on the wire, so a Unity peer reads the same bytes.
 */
export type NetPayload = Uint8Array | ArrayBuffer | ArrayBufferView | string | number | boolean | null | object;

/** The bytes of a payload, as `channel.send` sends them. */
export function encodePayload(data: NetPayload): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return encoder.encode(JSON.stringify(data));
}

/**
 * One received message, handed to channel listeners. `bytes` is a view into the driver's buffers, valid until the
 * next network update (the next frame): call `copy()` to keep the bytes longer.
 */
export class NetMessage {
  /** The message, a view into the driver's buffers: valid until the next network update. */
  readonly bytes: Uint8Array;
  /** The pipeline it arrived on. */
  readonly pipeline: NetworkPipeline;

  /** A message of `bytes` (not copied) that arrived on `pipeline`. */
  constructor(bytes: Uint8Array, pipeline: NetworkPipeline) {
    this.bytes = bytes;
    this.pipeline = pipeline;
  }

  /** The bytes decoded as UTF-8. */
  text(): string {
    return decoder.decode(this.bytes);
  }

  /** The bytes parsed as JSON (what `send(object)` produced). Throws on invalid JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** A copy of the bytes that stays valid after this frame. */
  copy(): Uint8Array {
    return this.bytes.slice();
  }
}
