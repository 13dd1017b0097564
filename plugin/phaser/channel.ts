import type { NetworkPipeline, PipelineRef } from '../transport/stages/pipeline.ts';
import type { NetMessage, NetPayload } from './message.ts';
import { NetSession } from './session.ts';

/** A message listener; `this` is the scene whose `this.net` registered it. */
export type NetMessageListener = (message: NetMessage) => void;

/** Where a channel registers listeners: a scene's `this.net`, which removes them when the scene shuts down. */
export interface ListenerOwner {
  readonly session: NetSession;
  listen(event: string, fn: (...args: any[]) => void): void;
  unlisten(event: string, fn: (...args: any[]) => void): void;
}

/**
 * One pipeline of the connection as seen from a scene: `this.net.reliable`, `this.net.unreliable` or
 * `this.net.channel(pipeline)`. Sends leave at the end of the frame (POST_STEP); messages arrive at its start.
 */
export class NetChannel {
  readonly #owner: ListenerOwner;
  readonly #event: string;
  /** The driver pipeline behind this channel. */
  readonly pipeline: PipelineRef;

  /** The channel of `pipeline` for a scene's `this.net`; the plugin creates these. */
  constructor(owner: ListenerOwner, pipeline: PipelineRef | NetworkPipeline) {
    this.#owner = owner;
    this.pipeline = pipeline;
    this.#event = NetSession.messageEvent(pipeline);
  }

  /**
   * Sends bytes as they are, a string as UTF-8, or any other value as JSON (read it with `message.json()`).
   * Returns the bytes queued or a negative `StatusCode`: −3 not connected (yet), −4 too large, −5 window full.
   */
  send(data: NetPayload): number {
    return this.#owner.session.send(this.pipeline, data);
  }

  /** Calls `listener` for each message on this channel until `off`, or until the scene shuts down. */
  on(listener: NetMessageListener): this {
    this.#owner.listen(this.#event, listener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off(listener: NetMessageListener): this {
    this.#owner.unlisten(this.#event, listener);
    return this;
  }
}
