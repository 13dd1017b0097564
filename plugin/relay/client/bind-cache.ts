import { createBind, type HmacSha256 } from '../wire/hmac.ts';
import type { RelayServerData } from './server-data.ts';

/**
 * BIND packets computed ahead of time, by nonce. WebCrypto's HMAC (the only one in browsers) is
 * asynchronous, while UTP sends a BIND from inside its update (spec §7.3 rule 1): so the packet for the
 * current nonce *and the next one* is computed as soon as the nonce changes, and the timer sends whichever
 * is ready. With Node's synchronous HMAC both are ready at once; with WebCrypto they are ready within a
 * microtask or two — long before the next BIND is due (1 s). A BIND whose HMAC is not ready yet is sent
 * at the first update after it is.
 */
export class RelayBindCache {
  readonly #data: RelayServerData;
  readonly #hmac: HmacSha256;
  readonly #packets = new Map<number, Uint8Array>();
  readonly #pending = new Set<number>();
  #wanted = -1;
  /** The HMAC implementation failed (reported once per nonce); the BIND for it is never sent. */
  onError: ((err: unknown) => void) | null = null;

  constructor(data: RelayServerData, hmac: HmacSha256) {
    this.#data = data;
    this.#hmac = hmac;
  }

  /** Makes `nonce` current: computes its BIND and the next nonce's, forgets older ones. */
  prepare(nonce: number): void {
    this.#wanted = nonce;
    const next = (nonce + 1) & 0xffff;
    for (const n of this.#packets.keys()) if (n !== nonce && n !== next) this.#packets.delete(n);
    this.#compute(nonce);
    this.#compute(next);
  }

  /** The BIND for `nonce`, or `undefined` while its HMAC is still being computed. */
  get(nonce: number): Uint8Array | undefined {
    return this.#packets.get(nonce);
  }

  #compute(nonce: number): void {
    if (this.#packets.has(nonce) || this.#pending.has(nonce)) return;
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = createBind(nonce, this.#data.connectionData, this.#data.hmacKey, this.#hmac);
    } catch (err) {
      this.onError?.(err);
      return;
    }
    if (result instanceof Uint8Array) { this.#packets.set(nonce, result); return; }
    this.#pending.add(nonce);
    result.then(
      (packet) => {
        this.#pending.delete(nonce);
        // Keep it only if still useful (the nonce may have moved on twice meanwhile).
        const w = this.#wanted;
        if (nonce === w || nonce === ((w + 1) & 0xffff)) this.#packets.set(nonce, packet);
      },
      (err: unknown) => { this.#pending.delete(nonce); this.onError?.(err); },
    );
  }
}
