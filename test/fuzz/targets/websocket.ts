// WebSocket frames as the server carrier parses them (spec §6.2): `ws`'s Receiver with the options
// WebSocketServerInterface gives it (server side, 1386-byte messages, no extension, no UTF-8 check), fed whole and
// split frames, valid, lying and random. Each socket has its own Receiver: a broken one is replaced, as the carrier
// closes that socket alone.
import * as ws from 'ws';
import { maxWebSocketPayload } from '../../../plugin/transport/carriers/websocket-constants.ts';
import { concat, type Mutator } from '../mutator.ts';
import { nonZero, type FuzzSuite, type FuzzTarget } from '../target.ts';

/** The part of `ws`'s Receiver (a Writable; untyped in @types/ws) the carrier's sockets use. */
interface Receiver {
  on(event: string, listener: () => void): void;
  removeAllListeners(): void;
  _write(chunk: Buffer, encoding: null, cb: (err?: Error & { code?: string }) => void): void;
}
const ReceiverClass = (ws as unknown as { Receiver: new (options: object) => Receiver }).Receiver;

export async function webSocketSuite(): Promise<FuzzSuite> {
  const counts: Record<string, number> = { messages: 0, pings: 0, pongs: 0, closes: 0 };
  let receiver = fresh();
  function fresh(): Receiver {
    const r = new ReceiverClass({ isServer: true, maxPayload: maxWebSocketPayload(1400), skipUTF8Validation: true, extensions: {} });
    r.on('message', () => { counts.messages++; });
    r.on('ping', () => { counts.pings++; });
    r.on('pong', () => { counts.pongs++; });
    r.on('conclude', () => { counts.closes++; });
    return r;
  }
  /** Writes one chunk as the socket would deliver it; a parse error (counted by code) retires the Receiver. */
  const write = (chunk: Uint8Array): void => {
    let failed = false;
    receiver._write(Buffer.from(chunk), null, (err) => {
      if (!err) return;
      failed = true;
      const key = `error:${err.code ?? err.message}`;
      counts[key] = (counts[key] ?? 0) + 1;
    });
    if (failed || counts.closes > closesSeen) { closesSeen = counts.closes; receiver.removeAllListeners(); receiver = fresh(); }
  };
  let closesSeen = 0;

  /** A client frame (§6.2.4): FIN/RSV/opcode, MASK and a 7/16/64-bit length, the mask key, the masked payload. */
  const frame = (m: Mutator): Uint8Array => {
    const opcode = m.chance(70) ? 2 : m.pick([0, 1, 8, 9, 10, 3, 11, 15]);
    const b0 = (m.chance(85) ? 0x80 : 0) | (m.chance(5) ? m.int(8) << 4 : 0) | opcode;
    const payload = m.bytes(m.chance(90) ? m.int(200) : m.int(2000));
    const told = m.chance(85) ? payload.length : m.edgy(m.chance(50) ? 2 : 4);
    const masked = m.chance(95);
    let len: Uint8Array;
    if (told < 126 && m.chance(90)) len = Uint8Array.of((masked ? 0x80 : 0) | told);
    else if (told < 65536 && m.chance(80)) len = Uint8Array.of((masked ? 0x80 : 0) | 126, told >>> 8, told & 0xff);
    else len = Uint8Array.of((masked ? 0x80 : 0) | 127, 0, 0, 0, 0, told >>> 24, (told >>> 16) & 0xff, (told >>> 8) & 0xff, told & 0xff);
    const key = masked ? m.bytes(4) : new Uint8Array(0);
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    return concat(Uint8Array.of(b0), len, key, payload);
  };

  const target: FuzzTarget = {
    name: 'websocket-frames',
    input(m) {
      const bytes = m.chance(70) ? frame(m) : m.chance(65) ? m.mutate(frame(m)) : m.bytes(m.int(64));
      if (m.chance(30) && bytes.length > 2) {
        // The same bytes in pieces, as TCP may deliver them.
        const cut = 1 + m.int(bytes.length - 1);
        write(bytes.subarray(0, cut));
        write(bytes.subarray(cut));
      } else {
        write(bytes);
      }
    },
    async finish() {
      return { dropped: nonZero(Object.fromEntries(Object.entries(counts).filter(([k]) => k.startsWith('error:')))), note: `${counts.messages} messages, ${counts.pings} pings, ${counts.closes} closes parsed` };
    },
  };
  return { targets: [target], async dispose() { receiver.removeAllListeners(); } };
}
