// TV-24 and TV-25 of the protocol reference (spec/utp-protocol.md §6.2.4, §6.2.1), which spec/vectors.json does
// not carry: control frames and the upgrade exchange, copied byte for byte from the reference's text.

export const TV24 = {
  closeClient: '88 82 12 34 56 78 11 DC', // close 1000, client, mask 12345678
  closeServer: '88 02 03 E8',             // close 1000, server
  pingServer: '89 00',
  pingClient: '89 80 12 34 56 78',        // mask 12345678
};

/** Key bytes "the sample nonce" as UTP's four u32 key words (§9 TV-25). */
export const TV25_KEY_WORDS = [0x74686520, 0x73616d70, 0x6c65206e, 0x6f6e6365] as const;

export const TV25_REQUEST =
  'GET / HTTP/1.1\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Host: 127.0.0.1:7777\r\n' +
  '\r\n';

export const TV25_RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  '\r\n';

