import { describe, expect, it } from 'vitest';
import { CloseCodes, decodeCloseFrame, encodeCloseFrame, isControlFrame } from '../../plugin/colyseus/close-frame.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('close frame', () => {
  it('is FF 01, the code big-endian, then the reason in UTF-8', () => {
    expect(hex(encodeCloseFrame(CloseCodes.CONSENTED))).toBe('ff010fa0');
    expect(hex(encodeCloseFrame(4001, 'bye'))).toBe('ff010fa1627965');
    expect(decodeCloseFrame(encodeCloseFrame(4002, 'é'))).toEqual({ code: 4002, reason: 'é' });
  });

  it('truncates the reason to 123 bytes, as a WebSocket close does', () => {
    expect(encodeCloseFrame(1000, 'x'.repeat(500)).length).toBe(4 + 123);
  });

  it('never looks like a Colyseus frame, and other bytes are not read as a close', () => {
    for (let code = 0; code < 32; code++) expect(isControlFrame(new Uint8Array([code, 0]))).toBe(false);
    expect(decodeCloseFrame(new Uint8Array([0xff, 0x02, 0x0f, 0xa0]))).toBeNull(); // unknown control frame
    expect(decodeCloseFrame(new Uint8Array([0xff, 0x01, 0x0f]))).toBeNull(); // truncated
    expect(decodeCloseFrame(new Uint8Array([13, 1, 2, 3]))).toBeNull();
  });
});
