import { type ConnectionList, type ConnectionRecord, SclState } from '../layers/connection-list.ts';

/**
 * Server connections that finished their handshake, in that order, until `accept()` takes them (UTP's accept
 * queue). One array reused: it empties when the last one is taken, so accepting allocates nothing.
 */
export class AcceptQueue {
  readonly #queue: ConnectionRecord[] = [];
  #head = 0;

  push(rec: ConnectionRecord): void {
    this.#queue.push(rec);
  }

  /**
   * The next connection still live and established, marked accepted; or null. Nothing is accepted while not
   * listening, and what is skipped then (or closed meanwhile) is gone.
   */
  take(connections: ConnectionList, listening: boolean): ConnectionRecord | null {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const rec = queue[this.#head++];
      if (this.#head === queue.length) { queue.length = 0; this.#head = 0; }
      if (connections.get(rec.id) !== rec || rec.state !== SclState.Established || rec.closeRequested) continue;
      if (!listening) continue;
      rec.accepted = true;
      return rec;
    }
    return null;
  }
}
