// Colyseus frames as UtpTransport takes them from a client (plugin/colyseus/server/transport.ts #onData): our close
// frame check first, then the room's own decoding (`client._message`), guarded as the transport guards it; and the
// join payloads of connection requests (connect-request.ts). A second client keeps exchanging messages meanwhile.
import { ClientState } from '@colyseus/core';
import { decodeCloseFrame, isControlFrame } from '../../../plugin/colyseus/close-frame.ts';
import { parseConnectRequest } from '../../../plugin/colyseus/server/connect-request.ts';
import type { UtpClient } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, type GameRoom, type UtpTestServer } from '../../colyseus/helpers.ts';
import { concat, type Mutator } from '../mutator.ts';
import { quietConsole, type FuzzSuite, type FuzzTarget } from '../target.ts';

/** Protocol codes a client may send (@colyseus/shared-types), LEAVE_ROOM (12) excepted: it ends the fuzzing client. */
const CODES = [10, 13, 17, 18, 19, 20, 21];
/** Message types the test room handles harmlessly, and some it does not know. */
const TYPES = ['echo', 'count', 'move', 'echo-unreliable', 'nope', ''];

export async function colyseusSuite(boot?: UtpTestServer): Promise<FuzzSuite> {
  const server = boot ?? await bootUtp();
  const room = await server.colyseus.createRoom<GameRoom>('game');
  const legit = await server.colyseus.connectTo(room);
  let echoes = 0, sent = 0;
  legit.onMessage('echo', () => { echoes++; });
  const sdk = await server.colyseus.connectTo(room);
  const attacker = [...room.clients].find((c) => c.sessionId === sdk.sessionId) as unknown as UtpClient & { state: number };
  // The room's decoding, as `attacker._message` reaches it; a frame that makes the room drop the client (a decode
  // error) does not end the run: the client is put back, so the next frame is decoded too.
  const deliver = (room as unknown as { _onMessage(c: unknown, b: Buffer): void })._onMessage.bind(room);
  const counts = { closeFrames: 0, frames: 0, handlerErrors: 0, connectPayloads: 0, roomDroppedClient: 0, loggedErrors: 0 };
  let restoreConsole = (): number => 0;
  let firstHandlerError: string | undefined;

  /** A msgpack string (fixstr / str8), as the SDK encodes a message type. */
  const str = (s: string): Uint8Array => {
    const b = new TextEncoder().encode(s);
    return b.length < 32 ? concat(Uint8Array.of(0xa0 | b.length), b) : concat(Uint8Array.of(0xd9, b.length), b);
  };
  const frame = (m: Mutator): Uint8Array => {
    if (m.chance(5)) return concat(Uint8Array.of(0xff, m.chance(80) ? 1 : m.edgy(1)), m.bytes(m.int(40))); // a close frame
    const code = m.pick(CODES) | (m.chance(10) ? m.int(8) << 5 : 0);
    const type = m.chance(80) ? str(m.pick(TYPES)) : m.chance(50) ? Uint8Array.of(m.int(128)) : m.bytes(m.int(8));
    const body = m.chance(50) ? concat(Uint8Array.of(m.pick([0x00, 0x7f, 0xa3, 0x92, 0x81, 0xc4, 0xcb, 0xdc, 0xde, 0xc1])), m.bytes(m.int(40))) : m.bytes(m.int(60));
    return m.chance(20) ? m.mutate(concat(Uint8Array.of(code), type, body)) : concat(Uint8Array.of(code), type, body);
  };

  const target: FuzzTarget = {
    name: 'colyseus-frames',
    batch: 200,
    start() { restoreConsole = quietConsole(); },
    async input(m) {
      if (m.chance(10)) {
        // A join payload: `/<processId>/<roomId>?sessionId=…&reconnectionToken=…`, mutated, or random bytes.
        const text = `/${m.int(1000)}/${m.int(1000)}?sessionId=${m.int(1e6)}&reconnectionToken=${m.int(1e6)}&_authToken=${m.int(99)}`;
        parseConnectRequest(m.chance(70) ? m.mutate(new TextEncoder().encode(text)) : m.bytes(m.int(300)));
        counts.connectPayloads++;
        return;
      }
      let bytes = frame(m);
      if (bytes.length && (bytes[0] & 0x1f) === 12) bytes[0] = 13; // never LEAVE_ROOM (see CODES)
      if (isControlFrame(bytes)) { decodeCloseFrame(bytes); counts.closeFrames++; return; }
      if (attacker.state === ClientState.LEAVING) { counts.roomDroppedClient++; attacker.state = ClientState.JOINED; }
      counts.frames++;
      try {
        deliver(attacker, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (err) {
        counts.handlerErrors++; // the transport catches and logs these; the connection goes on
        firstHandlerError ??= String((err as Error)?.message ?? err);
      }
    },
    async tick() {
      legit.send('echo', sent++);
      await new Promise((r) => setImmediate(r)); // let the transport's loop run between batches
    },
    async finish() {
      const deadline = Date.now() + 10_000;
      while (echoes < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      counts.loggedErrors = restoreConsole();
      if (echoes < sent) throw new Error(`colyseus-frames: the legitimate client got ${echoes} of ${sent} echoes`);
      const { handlerErrors, roomDroppedClient, loggedErrors } = counts;
      return {
        dropped: { handlerErrors, roomDroppedClient, loggedErrors }, exchanged: echoes,
        note: `${counts.frames} room frames, ${counts.closeFrames} close frames, ${counts.connectPayloads} join payloads`
          + (firstHandlerError ? `; first error thrown by the room (caught, as the transport does): ${firstHandlerError}` : ''),
      };
    },
  };
  return {
    targets: [target],
    async dispose() {
      // The fuzzing client was dropped and put back by hand: its server side may never answer a leave.
      const settle = (p: Promise<unknown>) => Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      await settle(legit.leave());
      await settle(sdk.leave());
      if (!boot) await server.shutdown();
    },
  };
}
