/**
 * `utp echo` against a raw peer built only from the spec (raw-peer.ts): handshake, pipeline-0 data,
 * heartbeats, disconnects, timeouts, and the stages of the default pipelines 1..3 (§9 common assumptions).
 * Real UDP on 127.0.0.1; no timing assertions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ascii, closeRawPeers, concat, connectionRequest, data, disconnect, fromHex, handshake, hex, isHandshake, isMessage, Msg,
  rawConnect, RawUdpPeer, readReliableHeader, readU16, reliableHeader, T, token, u16,
} from './raw-peer.ts';
import { killAll, runUtp, startEcho } from './spawn.ts';

afterEach(async () => {
  closeRawPeers();
  await killAll();
});

const isData = (tok: Uint8Array, pipe?: number) => (b: Uint8Array) => isMessage(b, Msg.Data, tok) && (pipe === undefined || b[9] === pipe);

describe('utp echo: connection layer (spec §3, TV-1..TV-6, TV-26)', () => {
  it('answers TV-1 with TV-3, echoes TV-4 byte-exactly, and logs the ClosedByRemote after TV-6', async () => {
    const { echo, port } = await startEcho();
    const c = await RawUdpPeer.open();

    c.send(fromHex('55 54 50 01 01 01 02 03 04 05 06 07 08'), port); // TV-1
    const accept = await c.next((b) => isHandshake(b, 2), 5000, 'an accept');
    expect(hex(accept.bytes)).toBe('55 54 50 01 02 01 02 03 04 05 06 07 08'); // TV-3
    await echo.waitFor(/^connect udp:\/\/127\.0\.0\.1:\d+ \(connection \d+\)$/);

    c.send(fromHex('01 01 02 03 04 05 06 07 08 00 68 69'), port); // TV-4
    const reply = await c.next(isData(T), 5000, 'the echo');
    expect(hex(reply.bytes)).toBe('01 01 02 03 04 05 06 07 08 00 68 69');

    // An empty pipeline-0 message (§4.4) comes back as the 10-byte prefix.
    c.send(fromHex('01 01 02 03 04 05 06 07 08 00'), port);
    expect(hex((await c.next(isData(T), 5000, 'the empty echo')).bytes)).toBe('01 01 02 03 04 05 06 07 08 00');

    c.send(fromHex('02 01 02 03 04 05 06 07 08'), port); // TV-6
    await echo.waitFor(/^disconnect udp:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/);

    // The token is released: data with it is now an unknown token and gets no answer (§3.7).
    c.send(fromHex('01 01 02 03 04 05 06 07 08 00 68 69'), port);
    expect(await c.collect(400, isData(T))).toEqual([]);
  });

  it('sends heartbeats (TV-5 form) to a client that stays quiet', async () => {
    const { port } = await startEcho(['--heartbeat-timeout', '100']);
    const c = await RawUdpPeer.open();
    const tok = token(1);
    await rawConnect(c, port, tok);
    const first = await c.next((b) => isMessage(b, Msg.Heartbeat, tok), 5000, 'a heartbeat');
    const second = await c.next((b) => isMessage(b, Msg.Heartbeat, tok), 5000, 'a second heartbeat');
    expect(hex(first.bytes)).toBe(hex(concat([0x03], tok)));
    expect(second.bytes.length).toBe(9);
  });

  it('times a silent client out: sends Disconnect (TV-6 form) and logs Timeout', async () => {
    const { echo, port } = await startEcho(['--disconnect-timeout', '300']);
    const c = await RawUdpPeer.open();
    const tok = token(2);
    await rawConnect(c, port, tok);
    const d = await c.next((b) => isMessage(b, Msg.Disconnect, tok), 10_000, 'the Disconnect');
    expect(hex(d.bytes)).toBe(hex(concat([0x02], tok)));
    await echo.waitFor(/^disconnect udp:\/\/127\.0\.0\.1:\d+ \(connection \d+\): Timeout$/);
  });

  it('accepts a connect payload (TV-2) and answers with TV-3', async () => {
    const { echo, port } = await startEcho();
    const c = await RawUdpPeer.open();
    c.send(fromHex('55 54 50 01 01 01 02 03 04 05 06 07 08 04 00 61 75 74 68'), port); // TV-2
    const accept = await c.next((b) => isHandshake(b, 2), 5000, 'an accept');
    expect(hex(accept.bytes)).toBe('55 54 50 01 02 01 02 03 04 05 06 07 08');
    await echo.waitFor(/^connect .*connect payload 4 bytes\)$/);
  });

  it('answers every copy of a duplicated request but creates one connection', async () => {
    const { echo, port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(3);
    for (let i = 0; i < 3; i++) c.send(connectionRequest(tok), port);
    for (let i = 0; i < 3; i++) {
      const a = await c.next((b) => isHandshake(b, 2, tok), 5000, `accept #${i + 1}`);
      expect(hex(a.bytes)).toBe(hex(handshake(2, tok)));
    }
    // Close and wait for the disconnect line: stdout is ordered, so every connect line is in by then.
    c.send(disconnect(tok), port);
    await echo.waitFor(/^disconnect .*: ClosedByRemote$/);
    expect(echo.count(/^connect /)).toBe(1);
  });

  it('ignores a packet with an unknown token and a handshake with a bad version byte', async () => {
    const { echo, port } = await startEcho();
    const c = await RawUdpPeer.open();
    const stranger = token(4);
    c.send(data(stranger, 0, ascii('hi')), port);
    c.send(concat([Msg.Heartbeat], stranger), port);
    c.send(fromHex('55 54 50 02 01 01 02 03 04 05 06 07 08'), port); // version 2
    expect(await c.collect(500)).toEqual([]);
    // The server is alive: a correct request is accepted, and its connect line is the first (stdout is
    // ordered), so the bad-version request created no connection.
    const good = token(11);
    await rawConnect(c, port, good);
    c.send(disconnect(good), port);
    await echo.waitFor(/^disconnect .*: ClosedByRemote$/);
    expect(echo.count(/^connect /)).toBe(1);
  });

  it('disconnects everyone and exits 0 on SIGINT', async () => {
    const { echo, port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(5);
    await rawConnect(c, port, tok);
    await echo.waitFor(/^connect /);
    echo.kill('SIGINT');
    const d = await c.next((b) => isMessage(b, Msg.Disconnect, tok), 10_000, 'the Disconnect');
    expect(hex(d.bytes)).toBe(hex(concat([0x02], tok)));
    expect((await echo.exited).code).toBe(0);
    expect(echo.stdout).toContain('stopping (SIGINT): disconnecting 1 connection(s)');
  });
});

describe('utp echo: default pipelines 1..3 (spec §5, TV-9, TV-11, TV-12 forms)', () => {
  it('pipeline 1 [reliable]: echoes TV-9 with seq 0 and an ack of our seq 0', async () => {
    const { port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(6);
    await rawConnect(c, port, tok);
    // TV-9 (2.6+): type 0, maskLen 0, procTime 0, seq 0, acked FFFF (nothing yet), mask FF FF FF FF, "hi".
    c.send(data(tok, 1, concat(reliableHeader({ sequence: 0, ackedSequence: 0xffff, mask: 0xffffffff }), ascii('hi'))), port);
    const echoPacket = await c.next((b) => isData(tok, 1)(b) && b[10] === 0, 5000, 'the reliable echo');
    const b = echoPacket.bytes;
    expect(b.length).toBe(24);
    const h = readReliableHeader(b, 10);
    expect(h.type).toBe(0);
    expect(h.maskLength).toBe(0);
    expect(h.sequence).toBe(0);
    expect(h.ackedSequence).toBe(0);
    expect(h.mask & 1).toBe(1); // bit 0 = our seq 0 received
    expect(hex(b.subarray(22))).toBe('68 69');
    // Acknowledge it (ack-only: type 1, seq 0, acked 0, mask bit 0, one filler byte, §5.3.7).
    c.send(data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: 0, mask: 0xffffffff }), [0])), port);
    // A second message gets seq 1 and still acks our newest (1).
    c.send(data(tok, 1, concat(reliableHeader({ sequence: 1, ackedSequence: 0, mask: 0xffffffff }), ascii('yo'))), port);
    const second = await c.next((x) => isData(tok, 1)(x) && x[10] === 0 && readU16(x, 14) === 1, 5000, 'the second echo');
    expect(readReliableHeader(second.bytes, 10).ackedSequence).toBe(1);
    expect(hex(second.bytes.subarray(22))).toBe(hex(ascii('yo')));
  });

  it('pipeline 1 [reliable]: echoes that do not fit the full window wait in the backlog, in order', async () => {
    const { port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(10);
    await rawConnect(c, port, tok);
    const N = 40; // window 32: 8 echoes must wait until we acknowledge
    for (let i = 0; i < N; i++) {
      c.send(data(tok, 1, concat(reliableHeader({ sequence: i, ackedSequence: 0xffff, mask: 0 }), u16(i))), port);
    }
    const bySeq = new Map<number, number>();
    const take = async (upTo: number): Promise<void> => {
      while (bySeq.size < upTo) {
        const b = (await c.next((x) => isData(tok, 1)(x) && x[10] === 0, 10_000, `echo #${bySeq.size}`)).bytes;
        bySeq.set(readU16(b, 14), readU16(b, 22)); // server seq -> our message number (resends repeat it)
      }
    };
    await take(32);
    expect(await c.collect(300, (x) => isData(tok, 1)(x) && x[10] === 0 && readU16(x, 14) >= 32)).toEqual([]);
    // Ack-only for the server's 0..31 (§5.3.7): the window opens and the backlog leaves.
    c.send(data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: 31, mask: 0xffffffff }), [0])), port);
    await take(N);
    for (let s = 0; s < N; s++) expect(bySeq.get(s)).toBe(s);
    c.send(data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: N - 1, mask: 0xffffffff }), [0])), port);
  });

  it('pipeline 2 [unreliable]: echoes TV-11 with the server\'s own seq 0 and drops a stale seq', async () => {
    const { port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(7);
    await rawConnect(c, port, tok);
    c.send(data(tok, 2, concat(u16(5), ascii('hi'))), port); // TV-11 form
    expect(hex((await c.next(isData(tok, 2), 5000, 'the echo')).bytes)).toBe(hex(concat([0x01], tok, [0x02, 0x00, 0x00], ascii('hi'))));
    c.send(data(tok, 2, concat(u16(5), ascii('no'))), port); // not newer than 5: dropped (§5.2)
    c.send(data(tok, 2, concat(u16(6), ascii('ok'))), port);
    const next = await c.next(isData(tok, 2), 5000, 'the second echo');
    expect(hex(next.bytes)).toBe(hex(concat([0x01], tok, [0x02, 0x01, 0x00], ascii('ok'))));
    expect(await c.collect(300, isData(tok, 2))).toEqual([]);
  });

  it('pipeline 3 [fragmentation, reliable]: echoes a single-fragment message, reliable header outermost', async () => {
    const { port } = await startEcho();
    const c = await RawUdpPeer.open();
    const tok = token(8);
    await rawConnect(c, port, tok);
    // id 3 | reliable header | frag word First|Last|seq 0 = 0xC000 LE | payload (§4.2, §5.4)
    c.send(data(tok, 3, concat(reliableHeader({ sequence: 0 }), [0x00, 0xc0], ascii('hi'))), port);
    const b = (await c.next((x) => isData(tok, 3)(x) && x[10] === 0, 5000, 'the echo')).bytes;
    const h = readReliableHeader(b, 10);
    expect([h.sequence, h.ackedSequence, h.mask & 1]).toEqual([0, 0, 1]);
    expect(hex(b.subarray(22))).toBe('00 C0 68 69');
  });
});

describe('utp echo: command line', () => {
  it('rejects an unknown stage in --pipelines with exit code 2', async () => {
    const r = await runUtp(['echo', '--udp', '127.0.0.1:0', '--pipelines', 'reliable,bogus']);
    expect(r.exit.code).toBe(2);
    expect(r.stderr[0]).toMatch(/unknown stage 'bogus'/);
  });

  it('creates the pipelines of --pipelines in order', async () => {
    const { echo, port } = await startEcho(['--pipelines', 'unreliable,null']);
    expect(echo.stdout).toContain('pipelines 1=unreliable 2=null');
    const c = await RawUdpPeer.open();
    const tok = token(9);
    await rawConnect(c, port, tok);
    c.send(data(tok, 2, ascii('raw')), port); // [null]: no header at all
    expect(hex((await c.next(isData(tok, 2), 5000, 'the echo')).bytes)).toBe(hex(data(tok, 2, ascii('raw'))));
    c.send(disconnect(tok), port);
  });
});
