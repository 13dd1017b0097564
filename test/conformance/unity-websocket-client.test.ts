import { afterEach, describe, expect, it } from 'vitest';
import { DisconnectReason, NetworkEventType, type NetworkDriver } from '../../plugin/index.ts';
import { cleanup, disposeAll, drain, wsServer, type Seen } from '../support/websocket.ts';
import { RawUnityWsClient } from '../support/raw-unity-ws-client.ts';
import { hex } from '../support/hex.ts';
import { pump } from '../support/pump.ts';

afterEach(disposeAll);

const T = '0102030405060708';

/** A listening server driver and a raw Unity-style client that completed the upgrade. */
async function setup(): Promise<{ server: NetworkDriver; raw: RawUnityWsClient; events: Seen[]; tick: () => void }> {
  const { driver: server } = await wsServer();
  const { client: raw, key, head } = await RawUnityWsClient.open(server.localEndpoint().port);
  cleanup.push(() => raw.destroy());
  expect(RawUnityWsClient.checkReply(head, key)).toEqual([]);
  const events: Seen[] = [];
  const tick = () => { server.update(); events.push(...drain(server)); };
  return { server, raw, events, tick };
}

describe('a raw client built like UTP’s native WebSocket layer (§6.2) against the server driver', () => {
  it('handshake, echo, heartbeat and disconnect, inside unmasked binary frames', async () => {
    const { server, raw, events, tick } = await setup();
    raw.sendPacket(`55545001 01 ${T}`); // TV-1 ConnectionRequest
    const accept = await raw.take((f) => f.opcode === 2, 5000, tick);
    expect(hex(accept.payload)).toBe(`5554500102${T}`); // TV-3a
    expect(accept.fin && !accept.masked).toBe(true);   // servers never mask (§6.2.4)
    let s = server.accept();
    expect(s).not.toBeNull();

    raw.sendPacket(`01 ${T} 00 6869`); // TV-4 Data "hi", pipeline 0
    await pump([{ update: tick }], () => events.some((e) => e.type === NetworkEventType.Data));
    const data = events.find((e) => e.type === NetworkEventType.Data)!;
    expect(hex(data.data)).toBe('6869');
    expect(server.send(s!, 0, data.data)).toBe(2);
    const echo = await raw.take((f) => f.opcode === 2, 5000, tick);
    expect(hex(echo.payload)).toBe(`01${T}006869`);

    // Nothing sent for > 500 ms: the server's SCL sends a Heartbeat (TV-5), one frame.
    const hb = await raw.take((f) => f.opcode === 2, 5000, tick);
    expect(hex(hb.payload)).toBe(`03${T}`);

    raw.sendPacket(`02 ${T}`); // TV-6 Disconnect
    await pump([{ update: tick }], () => events.some((e) => e.type === NetworkEventType.Disconnect));
    expect(events.filter((e) => e.type === NetworkEventType.Disconnect).map((e) => e.data[0])).toEqual([DisconnectReason.ClosedByRemote]);
    s = null;
    raw.sendFrame(8, Uint8Array.of(0x03, 0xe8)); // close 1000 (TV-24), answered with the same code
    expect(await raw.closeCode(tick)).toBe(1000);
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const { raw, tick } = await setup();
    raw.sendFrame(9); // UTP's pings are empty (§6.2.4)
    const pong = await raw.take((f) => f.opcode === 10, 5000, tick);
    expect(pong.payload.length).toBe(0);
    raw.sendFrame(9, Buffer.from('abc'));
    expect((await raw.take((f) => f.opcode === 10, 5000, tick)).payload.toString()).toBe('abc');
  });

  it('refuses a text frame with close 1003 and reports ProtocolError for its connection', async () => {
    const { server, raw, events, tick } = await setup();
    raw.sendPacket(`55545001 01 ${T}`);
    await raw.take((f) => f.opcode === 2, 5000, tick);
    expect(server.accept()).not.toBeNull();
    raw.sendFrame(1, Buffer.from('hello'));
    expect(await raw.closeCode(tick)).toBe(1003);
    await pump([{ update: tick }], () => events.some((e) => e.type === NetworkEventType.Disconnect));
    expect(events.find((e) => e.type === NetworkEventType.Disconnect)!.data[0]).toBe(DisconnectReason.ProtocolError);
  });

  it('takes 1386-byte messages and refuses 1387 with close 1009 (§6.2.5)', async () => {
    const { raw, tick } = await setup();
    raw.sendFrame(2, new Uint8Array(1386));
    raw.sendFrame(9);
    await raw.take((f) => f.opcode === 10, 5000, tick); // still open after the 1386-byte message
    raw.sendFrame(2, new Uint8Array(1387));
    expect(await raw.closeCode(tick)).toBe(1009);
  });

  it('counts a fragmented message whole: 2 × 700 bytes is refused with close 1009', async () => {
    const { raw, tick } = await setup();
    raw.sendFrame(2, new Uint8Array(700), { fin: false });
    raw.sendFrame(0, new Uint8Array(700));
    expect(await raw.closeCode(tick)).toBe(1009);
  });

  it('refuses an unmasked client frame with close 1002', async () => {
    const { raw, tick } = await setup();
    raw.sendFrame(2, Buffer.from(`01${T}006869`, 'hex'), { mask: false });
    expect(await raw.closeCode(tick)).toBe(1002);
  });

  it('a TCP reset after the handshake closes the connection at once (ClosedByRemote)', async () => {
    const { server, raw, events, tick } = await setup();
    raw.sendPacket(`55545001 01 ${T}`);
    await raw.take((f) => f.opcode === 2, 5000, tick);
    expect(server.accept()).not.toBeNull();
    raw.destroy();
    await pump([{ update: tick }], () => events.some((e) => e.type === NetworkEventType.Disconnect));
    expect(events.find((e) => e.type === NetworkEventType.Disconnect)!.data[0]).toBe(DisconnectReason.ClosedByRemote);
  });
});

describe('upgrade requests', () => {
  it('negotiates nothing a browser offers (subprotocol, permessage-deflate)', async () => {
    const { driver: server } = await wsServer();
    const { client, key, head } = await RawUnityWsClient.open(server.localEndpoint().port, '/utp',
      'Origin: http://example.com\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n');
    cleanup.push(() => client.destroy());
    expect(RawUnityWsClient.checkReply(head, key)).toEqual([]);
  });

  it('answers another path with UTP’s 404', async () => {
    const { driver: server } = await wsServer();
    const { client, head } = await RawUnityWsClient.open(server.localEndpoint().port, '/other');
    cleanup.push(() => client.destroy());
    expect(head).toBe('HTTP/1.1 404 Not Found\r\n\r\n');
  });
});
