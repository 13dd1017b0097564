import { bindSignedPart, encodeBind } from './messages.ts';

/**
 * HMAC-SHA256 of `message` under `key`, standard RFC 2104 with 64-byte blocks (spec §7.2, UTP's
 * `HMACSHA256.cs`). May be synchronous (Node) or asynchronous (WebCrypto, the only HMAC browsers have).
 */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

interface NodeCrypto {
  createHmac(algorithm: string, key: Uint8Array): { update(data: Uint8Array): { digest(): Uint8Array } };
}

/**
 * Synchronous HMAC from `node:crypto`, found through `process.getBuiltinModule` so that this module has no
 * `node:` import and bundles for browsers unchanged; `null` outside Node (or on Node < 20.16).
 */
export function nodeHmacSha256(): HmacSha256 | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  if (!crypto) return null;
  return (key, message) => {
    const d = crypto.createHmac('sha256', key).update(message).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };
}

/** Asynchronous HMAC from WebCrypto (`crypto.subtle`): browsers, Deno, Node. Imported keys are cached per key array. */
export function webCryptoHmacSha256(subtle: SubtleCrypto = globalThis.crypto.subtle): HmacSha256 {
  const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
  return async (key, message) => {
    let k = keys.get(key);
    if (!k) {
      k = subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      keys.set(key, k);
    }
    return new Uint8Array(await subtle.sign('HMAC', await k, message as Uint8Array<ArrayBuffer>));
  };
}

/** The best HMAC available here: synchronous `node:crypto` in Node, WebCrypto elsewhere. */
export function defaultHmacSha256(): HmacSha256 {
  return nodeHmacSha256() ?? webCryptoHmacSha256();
}

/**
 * Builds the 295-byte BIND for `nonce` (spec §7.2, TV-14): synchronously when `hmac` is synchronous, else
 * as a promise. Mirrors `RelayServerData`'s HMAC computation (`RelayServerData.cs:224-251`).
 */
export function createBind(
  nonce: number, connectionData: Uint8Array, key: Uint8Array, hmac: HmacSha256 = defaultHmacSha256(),
): Uint8Array | Promise<Uint8Array> {
  const signed = bindSignedPart(nonce, connectionData);
  const mac = hmac(key, signed);
  return mac instanceof Uint8Array ? encodeBind(signed, mac) : mac.then((m) => encodeBind(signed, m));
}
