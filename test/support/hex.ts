// Bytes as the tests write and compare them: lower-case hex (the form of spec/vectors.json) and UTF-8 text.

/** `Uint8Array.of(1, 0xab)` → "01ab". */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** "01ab", "01 ab" or "01\n ab" → bytes (whitespace is ignored, so vectors can be laid out by field). */
export const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
