import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NetworkEndpoint } from '../../plugin/index.ts';
import {
  buildUpgradeRequest, buildUpgradeResponse, checkFrame, checkUpgradeRequest, checkUpgradeResponse, encodeClose,
  encodeFrame, frameHeaderSize, hostText, httpHeadEnd, parseFrame, parseFrameHeader, parseHttpHead, unmask,
  webSocketAccept, webSocketAcceptAsync, webSocketKey, WebSocketCloseCode, WebSocketOpcode,
} from '../support/websocket-frame.ts';
import { vectorBytes } from '../support/vectors.ts';
import { TV24, TV25_KEY_WORDS, TV25_REQUEST, TV25_RESPONSE } from './websocket-vector-bytes.ts';
import { fromHex, hex } from '../support/hex.ts';

const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
const MASK = 0x12345678;

describe('WebSocket frames (spec §6.2.4/6.2.5)', () => {
  it('TV-22: client binary frame carrying TV-4, mask 12345678', () => {
    const frame = encodeFrame(WebSocketOpcode.Binary, vectorBytes('TV-4'), MASK);
    expect(hex(frame)).toBe(hex(vectorBytes('TV-22')));
    const f = parseFrame(frame, 0, frame.length)!;
    expect(f).toMatchObject({ fin: true, rsv: 0, opcode: 2, masked: true, maskKey: MASK, payloadStart: 6, frameEnd: 18 });
    unmask(frame, f.payloadStart, f.payloadEnd, f.maskKey);
    expect(hex(frame.subarray(f.payloadStart, f.payloadEnd))).toBe(hex(vectorBytes('TV-4')));
    expect(checkFrame(f, true, 1386)).toBe(0);
  });

  it('TV-23: server binary frame carrying TV-4 (never masked)', () => {
    const frame = encodeFrame(WebSocketOpcode.Binary, vectorBytes('TV-4'));
    expect(hex(frame)).toBe(hex(vectorBytes('TV-23')));
    const f = parseFrame(frame, 0, frame.length)!;
    expect(f).toMatchObject({ masked: false, payloadStart: 2, payloadEnd: 14 });
    expect(checkFrame(f, false, 1386)).toBe(0);
    expect(checkFrame(f, true, 1386)).toBe(WebSocketCloseCode.ProtocolError); // a server requires masking
  });

  it('TV-23 note: a 1386-byte payload uses the 16-bit length form 82 7E 05 6A', () => {
    const frame = encodeFrame(WebSocketOpcode.Binary, new Uint8Array(1386));
    expect(hex(frame.subarray(0, 4))).toBe('827e056a');
    expect(frameHeaderSize(1386, false)).toBe(4);
    expect(parseFrame(frame, 0, frame.length)!.payloadEnd).toBe(4 + 1386);
    expect(checkFrame(parseFrame(frame, 0, frame.length)!, false, 1386)).toBe(0);
    const big = encodeFrame(WebSocketOpcode.Binary, new Uint8Array(1387));
    expect(checkFrame(parseFrame(big, 0, big.length)!, false, 1386)).toBe(WebSocketCloseCode.MessageTooBig);
  });

  it('uses the 64-bit length form above 0xFFFF, big-endian', () => {
    const frame = encodeFrame(WebSocketOpcode.Binary, new Uint8Array(0x10000), MASK);
    expect(hex(frame.subarray(0, 10))).toBe('82ff0000000000010000');
    expect(frameHeaderSize(0x10000, true)).toBe(14);
    const f = parseFrame(frame, 0, frame.length)!;
    expect(f.payloadEnd - f.payloadStart).toBe(0x10000);
  });

  it('TV-24: control frames', () => {
    expect(hex(encodeClose(1000, MASK))).toBe(hex(fromHex(TV24.closeClient)));
    expect(hex(encodeClose(1000))).toBe(hex(fromHex(TV24.closeServer)));
    expect(hex(encodeFrame(WebSocketOpcode.Ping))).toBe(hex(fromHex(TV24.pingServer)));
    expect(hex(encodeFrame(WebSocketOpcode.Ping, undefined, MASK))).toBe(hex(fromHex(TV24.pingClient)));
    const close = fromHex(TV24.closeClient);
    const f = parseFrame(close, 0, close.length)!;
    unmask(close, f.payloadStart, f.payloadEnd, f.maskKey);
    expect((close[f.payloadStart] << 8) | close[f.payloadStart + 1]).toBe(1000);
  });

  it('returns null for incomplete frames, at every cut', () => {
    const frame = encodeFrame(WebSocketOpcode.Binary, new Uint8Array(300), MASK);
    for (let cut = 0; cut < frame.length; cut++) expect(parseFrame(frame, 0, cut)).toBeNull();
    expect(parseFrame(frame, 0, frame.length)).not.toBeNull();
    // The header alone is enough to refuse an oversized frame (1009) before its payload arrives.
    const h = parseFrameHeader(frame, 0, 8)!;
    expect(h.payloadEnd - h.payloadStart).toBe(300);
    expect(checkFrame(h, true, 200)).toBe(WebSocketCloseCode.MessageTooBig);
    expect(parseFrameHeader(frame, 0, 7)).toBeNull();
    const huge = Uint8Array.of(0x82, 0x7f, 0x01, 0, 0, 0, 0, 0, 0, 0);
    expect(parseFrameHeader(huge, 0, huge.length)!.payloadEnd).toBeGreaterThan(2 ** 52);
  });

  it('checkFrame: text 1003, RSV/unknown opcode/fragmented control 1002, oversized control 1002', () => {
    const at = (bytes: Uint8Array) => parseFrame(bytes, 0, bytes.length)!;
    expect(checkFrame(at(encodeFrame(WebSocketOpcode.Text, new Uint8Array(2), MASK)), true, 1386)).toBe(1003);
    const rsv = encodeFrame(WebSocketOpcode.Binary, new Uint8Array(2), MASK); rsv[0] |= 0x40;
    expect(checkFrame(at(rsv), true, 1386)).toBe(1002);
    const op = encodeFrame(3, new Uint8Array(2), MASK);
    expect(checkFrame(at(op), true, 1386)).toBe(1002);
    const frag = encodeFrame(WebSocketOpcode.Ping, new Uint8Array(0), MASK); frag[0] &= 0x7f;
    expect(checkFrame(at(frag), true, 1386)).toBe(1002);
    expect(checkFrame(at(encodeFrame(WebSocketOpcode.Ping, new Uint8Array(126), MASK)), true, 1386)).toBe(1002);
  });
});

describe('WebSocket upgrade (spec §6.2.1–6.2.3)', () => {
  it('TV-25: request bytes, key from UTP key words, accept key and reply', async () => {
    const key = webSocketKey(TV25_KEY_WORDS);
    expect(key).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(webSocketKey(new TextEncoder().encode('the sample nonce'))).toBe(key);
    expect(buildUpgradeRequest('/', hostText(NetworkEndpoint.parse('127.0.0.1', 7777)), key)).toBe(TV25_REQUEST);
    const accept = webSocketAccept(key, sha1);
    expect(accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(await webSocketAcceptAsync(key)).toBe(accept);
    expect(buildUpgradeResponse(accept)).toBe(TV25_RESPONSE);
  });

  it('TV-25: the server accepts the request, the client accepts the reply', () => {
    const bytes = new TextEncoder().encode(TV25_REQUEST + 'tail');
    expect(httpHeadEnd(bytes, 0, bytes.length)).toBe(TV25_REQUEST.length);
    expect(httpHeadEnd(bytes, 0, TV25_REQUEST.length - 1)).toBe(-1);
    expect(checkUpgradeRequest(parseHttpHead(TV25_REQUEST)!, '/')).toEqual({ status: 101, key: 'dGhlIHNhbXBsZSBub25jZQ==' });
    expect(checkUpgradeResponse(parseHttpHead(TV25_RESPONSE)!, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')).toBeNull();
  });

  it('refuses bad requests with 400 and other paths with 404', () => {
    const req = (edit: (s: string) => string) => checkUpgradeRequest(parseHttpHead(edit(TV25_REQUEST))!, '/').status;
    expect(req((s) => s.replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8'))).toBe(400);
    expect(req((s) => s.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'))).toBe(400);
    expect(req((s) => s.replace('Host: 127.0.0.1:7777\r\n', ''))).toBe(400);
    expect(req((s) => s.replace('Connection: Upgrade', 'Connection: keep-alive'))).toBe(400);
    expect(req((s) => s.replace('Connection: Upgrade', 'connection: keep-alive, UPGRADE'))).toBe(101);
    expect(req((s) => s.replace('GET / ', 'GET /other '))).toBe(404);
    expect(req((s) => s.replace('GET / ', 'GET /?q=1 '))).toBe(404);
  });

  it('refuses replies with a subprotocol, extensions, a wrong status or accept key', () => {
    const accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
    const res = (edit: (s: string) => string) => checkUpgradeResponse(parseHttpHead(edit(TV25_RESPONSE))!, accept);
    expect(res((s) => s.replace('\r\n\r\n', '\r\nSec-WebSocket-Protocol: utp\r\n\r\n'))).toMatch(/subprotocol/);
    expect(res((s) => s.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n'))).toMatch(/extensions/);
    expect(res((s) => s.replace('101 Switching Protocols', '200 OK'))).toMatch(/status/);
    expect(res((s) => s.replace(accept, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='))).toMatch(/Accept/);
  });

  it('writes Host as the numeric endpoint, IPv6 uncompressed in brackets', () => {
    expect(hostText(NetworkEndpoint.parse('::1', 7777))).toBe('[0000:0000:0000:0000:0000:0000:0000:0001]:7777');
    expect(hostText(NetworkEndpoint.parse('fe80::1:2', 80))).toBe('[fe80:0000:0000:0000:0000:0000:0001:0002]:80');
    expect(hostText(NetworkEndpoint.parse('::ffff:1.2.3.4', 1))).toBe('[0000:0000:0000:0000:0000:ffff:0102:0304]:1');
  });
});
