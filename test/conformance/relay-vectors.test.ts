/**
 * Relay vectors TV-14..TV-20 (spec §9) byte-exact, through the pure codec and both HMAC adapters.
 */
import { describe, expect, it } from 'vitest';
import { createBind, nodeHmacSha256, RelayErrorCode, RelayMessageType, webCryptoHmacSha256 } from '../../plugin/relay/index.ts';
import {
  ALLOCATION_ID_SIZE, encodeConnectRequest, encodeError, encodeFromTo, encodePing, encodeRelay, readBind,
  readConnectRequest, readError, readFromTo, readPing, relayMessageType, relayPayloadLength,
} from '../../plugin/relay/wire/messages.ts';
import { vectorBytes } from '../support/vectors.ts';
import { A, B, C, K } from '../relay/harness.ts';
import { hex } from '../support/hex.ts';

const node = nodeHmacSha256()!;
const web = webCryptoHmacSha256();

describe('TV-14 BIND (spec §7.2)', () => {
  it('nonce 0 and nonce 1 with node:crypto (synchronous)', () => {
    expect(node).not.toBeNull();
    expect(hex(createBind(0, C, K, node) as Uint8Array)).toBe(hex(vectorBytes('TV-14')));
    expect(hex(createBind(1, C, K, node) as Uint8Array)).toBe(hex(vectorBytes('TV-14b')));
  });

  it('nonce 0 and nonce 1 with WebCrypto (asynchronous, the browser path)', async () => {
    expect(hex(await createBind(0, C, K, web))).toBe(hex(vectorBytes('TV-14')));
    expect(hex(await createBind(1, C, K, web))).toBe(hex(vectorBytes('TV-14b')));
  });

  it('pads short connection data with zeros and reads back', () => {
    const bind = createBind(0x1234, C.subarray(0, 10), K, node) as Uint8Array;
    expect(bind.length).toBe(295);
    const f = readBind(bind, 0, bind.length)!;
    expect(f.nonce).toBe(0x1234);
    expect([bind[5], bind[6]]).toEqual([0x34, 0x12]); // little-endian
    expect(hex(f.connectionData)).toBe(hex(C.subarray(0, 10)) + '00'.repeat(245));
    expect(readBind(bind, 0, 294)).toBeNull();
  });
});

describe('TV-15..TV-20', () => {
  it('TV-15 RELAY wrapping TV-4, with its big-endian length', () => {
    const packet = encodeRelay(A, B, vectorBytes('TV-4'));
    expect(hex(packet)).toBe(hex(vectorBytes('TV-15')));
    expect(relayMessageType(packet, 0, packet.length)).toBe(RelayMessageType.Relay);
    expect(relayPayloadLength(packet, 0, packet.length)).toBe(12);
    expect(relayPayloadLength(packet, 0, packet.length - 1)).toBe(-1); // N ≠ remaining ⇒ drop (§10.1 item 14)
  });

  it('TV-16 PING', () => {
    const packet = encodePing(A);
    expect(hex(packet)).toBe(hex(vectorBytes('TV-16')));
    expect(hex(readPing(packet, 0, packet.length)!)).toBe(hex(A));
  });

  it('TV-17 CONNECT_REQUEST carries the host connection data', () => {
    const packet = encodeConnectRequest(A, C);
    expect(hex(packet)).toBe(hex(vectorBytes('TV-17')));
    const f = readConnectRequest(packet, 0, packet.length)!;
    expect(hex(f.allocationId)).toBe(hex(A));
    expect(hex(f.connectionData)).toBe(hex(C));
  });

  it('TV-18 ACCEPTED: from = host, to = self', () => {
    const v = vectorBytes('TV-18');
    expect(hex(encodeFromTo(RelayMessageType.Accepted, B, A))).toBe(hex(v));
    const f = readFromTo(v, 0, v.length)!;
    expect([hex(f.from), hex(f.to)]).toEqual([hex(B), hex(A)]);
  });

  it('TV-19 DISCONNECT', () => {
    expect(hex(encodeFromTo(RelayMessageType.Disconnect, A, B))).toBe(hex(vectorBytes('TV-19')));
  });

  it('TV-20 ERROR 3', () => {
    const v = vectorBytes('TV-20');
    expect(hex(encodeError(A, RelayErrorCode.AllocationIdClientMismatch))).toBe(hex(v));
    expect(readError(v, 0, v.length)).toEqual({ allocationId: v.subarray(4, 4 + ALLOCATION_ID_SIZE), code: 3 });
  });

  it('rejects short, foreign and wrong-version headers without throwing', () => {
    expect(relayMessageType(Uint8Array.of(0xda, 0x72, 0), 0, 3)).toBe(-1);
    expect(relayMessageType(Uint8Array.of(0x72, 0xda, 0, 2), 0, 4)).toBe(-1); // byte order matters (§10.1 item 1)
    expect(relayMessageType(Uint8Array.of(0xda, 0x72, 1, 2), 0, 4)).toBe(-2);
    expect(readFromTo(vectorBytes('TV-18'), 0, 35)).toBeNull();
    expect(readError(vectorBytes('TV-20'), 0, 20)).toBeNull();
    expect(readConnectRequest(vectorBytes('TV-17'), 0, 275)).toBeNull();
    expect(readPing(vectorBytes('TV-16'), 0, 21)).toBeNull();
  });
});
