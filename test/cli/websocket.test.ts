/**
 * `utp echo --ws` and `utp ping ws://` over real WebSocket on 127.0.0.1. The client side of the echo tests is
 * a raw Unity-style WebSocket client (test/support/raw-unity-ws-client.ts: plain TCP, hand-masked frames, the
 * §6.2.1 request) carrying packets hand-built from the spec (raw-peer.ts), as echo.test.ts does over UDP.
 * No timing assertions.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, WebSocketServerInterface,
} from '../../plugin/transport/node.ts';
import { RawUnityWsClient } from '../support/raw-unity-ws-client.ts';
import {
  ascii, closeRawPeers, concat, data, disconnect, hex, isHandshake, isMessage, Msg, rawConnect, RawUdpPeer,
  readReliableHeader, readU16, reliableHeader, T, token, u16,
} from './raw-peer.ts';
import { killAll, runUtp, startMultiEcho, UtpProcess } from './spawn.ts';
import { sleep } from '../support/pump.ts';

const clients: RawUnityWsClient[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  closeRawPeers();
  for (const f of cleanups.splice(0)) f();
  await killAll();
});

/** A raw Unity-style client that completed the upgrade; the reply passed UTP's own client checks (§6.2.3). */
async function wsPeer(port: number, path = '/'): Promise<RawUnityWsClient> {
  const { client, key, head } = await RawUnityWsClient.open(port, path);
  clients.push(client);
  expect(RawUnityWsClient.checkReply(head, key)).toEqual([]);
  return client;
}

/** One UTP packet as one masked binary frame (§6.2.4). */
const send = (c: RawUnityWsClient, packet: Uint8Array): void => c.sendFrame(2, packet);

/** The next binary frame whose payload matches; server frames are single, unmasked (§6.2.4). */
async function next(c: RawUnityWsClient, match: (b: Uint8Array) => boolean, what: string, ms = 5000): Promise<Uint8Array> {
  try {
    const f = await c.take((f) => f.opcode === 2 && match(new Uint8Array(f.payload)), ms);
    expect([f.fin, f.masked]).toEqual([true, false]);
    return new Uint8Array(f.payload);
  } catch (err) {
    throw new Error(`waiting for ${what}: ${(err as Error).message}`);
  }
}

/** Waits `ms`, then removes and returns the payloads of binary frames matching `match`. */
async function collect(c: RawUnityWsClient, ms: number, match: (b: Uint8Array) => boolean): Promise<Uint8Array[]> {
  await sleep(ms);
  const got: Uint8Array[] = [];
  for (let i = 0; i < c.frames.length; ) {
    const b = new Uint8Array(c.frames[i].payload);
    if (c.frames[i].opcode === 2 && match(b)) { got.push(b); c.frames.splice(i, 1); } else i++;
  }
  return got;
}

/** §3.5 client handshake over the socket: request with `tok`, wait for the matching accept. */
async function wsConnect(c: RawUnityWsClient, tok: Uint8Array): Promise<Uint8Array> {
  send(c, concat([0x55, 0x54, 0x50, 0x01, 0x01], tok));
  return next(c, (b) => isHandshake(b, 2, tok), `the ConnectionAccept for ${hex(tok)}`);
}

const isData = (tok: Uint8Array, pipe?: number) => (b: Uint8Array) => isMessage(b, Msg.Data, tok) && (pipe === undefined || b[9] === pipe);
const isPayload = (tok: Uint8Array, pipe: number) => (b: Uint8Array) => isData(tok, pipe)(b) && b[10] === 0; // not ack-only

const RTT_LINE = (port: number) => new RegExp(`^\\d+ bytes from ws://127\\.0\\.0\\.1:${port}: seq=\\d+ time=\\d+\\.\\d{3} ms$`);
const SUMMARY = /^rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/;

describe('utp echo --ws: a raw Unity-style WebSocket client (spec §6.2, TV-1..TV-6)', () => {
  it('upgrades, answers TV-1 with TV-3, echoes TV-4 byte-exactly, logs ws:// connect and disconnect lines', async () => {
    const { echo, wsPort } = await startMultiEcho();
    const c = await wsPeer(wsPort);

    c.sendPacket('55 54 50 01 01 01 02 03 04 05 06 07 08'); // TV-1
    expect(hex(await next(c, (b) => isHandshake(b, 2), 'an accept'))).toBe('55 54 50 01 02 01 02 03 04 05 06 07 08'); // TV-3
    await echo.waitFor(/^connect ws:\/\/127\.0\.0\.1:\d+ \(connection \d+\)$/);

    c.sendPacket('01 01 02 03 04 05 06 07 08 00 68 69'); // TV-4
    expect(hex(await next(c, isData(T), 'the echo'))).toBe('01 01 02 03 04 05 06 07 08 00 68 69');
    c.sendPacket('01 01 02 03 04 05 06 07 08 00'); // an empty pipeline-0 message (§4.4)
    expect(hex(await next(c, isData(T), 'the empty echo'))).toBe('01 01 02 03 04 05 06 07 08 00');

    c.sendPacket('02 01 02 03 04 05 06 07 08'); // TV-6
    await echo.waitFor(/^disconnect ws:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/);
  });

  it('pipeline 1 [reliable]: echoes TV-9 with seq 0 and an ack of our seq 0, then seq 1', async () => {
    const { wsPort } = await startMultiEcho();
    const c = await wsPeer(wsPort);
    const tok = token(6);
    await wsConnect(c, tok);
    // Hand-built 12-byte header (§5.3.1): type 0, maskLen 0, procTime 0, seq 0, acked FFFF, mask FF FF FF FF.
    send(c, data(tok, 1, concat(reliableHeader({ sequence: 0, ackedSequence: 0xffff, mask: 0xffffffff }), ascii('hi'))));
    const b = await next(c, isPayload(tok, 1), 'the reliable echo');
    expect(b.length).toBe(24);
    const h = readReliableHeader(b, 10);
    expect([h.type, h.maskLength, h.sequence, h.ackedSequence, h.mask & 1]).toEqual([0, 0, 0, 0, 1]);
    expect(hex(b.subarray(22))).toBe('68 69');
    send(c, data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: 0, mask: 0xffffffff }), [0])));
    send(c, data(tok, 1, concat(reliableHeader({ sequence: 1, ackedSequence: 0, mask: 0xffffffff }), ascii('yo'))));
    const second = await next(c, (x) => isPayload(tok, 1)(x) && readU16(x, 14) === 1, 'the second echo');
    expect(readReliableHeader(second, 10).ackedSequence).toBe(1);
    expect(hex(second.subarray(22))).toBe(hex(ascii('yo')));
  });

  it('pipeline 1 [reliable]: echoes beyond the full window wait in the backlog, in order', async () => {
    const { wsPort } = await startMultiEcho();
    const c = await wsPeer(wsPort);
    const tok = token(10);
    await wsConnect(c, tok);
    const N = 40; // window 32
    for (let i = 0; i < N; i++) send(c, data(tok, 1, concat(reliableHeader({ sequence: i, ackedSequence: 0xffff, mask: 0 }), u16(i))));
    const bySeq = new Map<number, number>();
    const take = async (upTo: number): Promise<void> => {
      while (bySeq.size < upTo) {
        const b = await next(c, isPayload(tok, 1), `echo #${bySeq.size}`, 10_000);
        bySeq.set(readU16(b, 14), readU16(b, 22));
      }
    };
    await take(32);
    expect(await collect(c, 300, (x) => isPayload(tok, 1)(x) && readU16(x, 14) >= 32)).toEqual([]);
    send(c, data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: 31, mask: 0xffffffff }), [0])));
    await take(N);
    for (let s = 0; s < N; s++) expect(bySeq.get(s)).toBe(s);
  });

  it('pipeline 2 [unreliable]: echoes TV-11 with the server\'s own seq 0 and drops a stale seq', async () => {
    const { wsPort } = await startMultiEcho();
    const c = await wsPeer(wsPort);
    const tok = token(7);
    await wsConnect(c, tok);
    send(c, data(tok, 2, concat(u16(5), ascii('hi'))));
    expect(hex(await next(c, isData(tok, 2), 'the echo'))).toBe(hex(concat([0x01], tok, [0x02, 0x00, 0x00], ascii('hi'))));
    send(c, data(tok, 2, concat(u16(5), ascii('no')))); // not newer than 5: dropped (§5.2)
    send(c, data(tok, 2, concat(u16(6), ascii('ok'))));
    expect(hex(await next(c, isData(tok, 2), 'the second echo'))).toBe(hex(concat([0x01], tok, [0x02, 0x01, 0x00], ascii('ok'))));
    expect(await collect(c, 300, isData(tok, 2))).toEqual([]);
  });

  it('pipeline 3 [fragmentation, reliable]: echoes a single-fragment message, reliable header outermost', async () => {
    const { wsPort } = await startMultiEcho();
    const c = await wsPeer(wsPort);
    const tok = token(8);
    await wsConnect(c, tok);
    send(c, data(tok, 3, concat(reliableHeader({ sequence: 0 }), [0x00, 0xc0], ascii('hi'))));
    const b = await next(c, isPayload(tok, 3), 'the echo');
    const h = readReliableHeader(b, 10);
    expect([h.sequence, h.ackedSequence, h.mask & 1]).toEqual([0, 0, 1]);
    expect(hex(b.subarray(22))).toBe('00 C0 68 69');
  });

  it('serves the --ws path only: another path gets 404, as UTP answers (§6.2.2)', async () => {
    const echo = new UtpProcess(['echo', '--ws', 'ws://127.0.0.1:0/utp']);
    const port = Number((await echo.waitFor(/^listening ws:\/\/127\.0\.0\.1:(\d+)\/utp$/))[1]);
    expect(echo.count(/^listening udp:/)).toBe(0);
    const c = await wsPeer(port, '/utp');
    await wsConnect(c, T);
    const { client: other, head } = await RawUnityWsClient.open(port, '/');
    clients.push(other);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
  });
});

describe('utp echo: UDP and WebSocket clients at once (MultiNetworkDriver)', () => {
  it('accepts both, with the same token, and routes every echo to its own client', async () => {
    const { echo, udpPort, wsPort } = await startMultiEcho();
    const u = await RawUdpPeer.open();
    const w = await wsPeer(wsPort);
    // The same token on both: the drivers keep separate connection tables.
    await rawConnect(u, udpPort, T);
    await wsConnect(w, T);
    await echo.waitFor(/^connect udp:\/\/127\.0\.0\.1:\d+ /);
    await echo.waitFor(/^connect ws:\/\/127\.0\.0\.1:\d+ /);

    u.send(data(T, 0, ascii('from udp')), udpPort);
    send(w, data(T, 0, ascii('from ws')));
    u.send(data(T, 1, concat(reliableHeader({ sequence: 0 }), ascii('udp reliable'))), udpPort);
    send(w, data(T, 1, concat(reliableHeader({ sequence: 0 }), ascii('ws reliable'))));

    expect(hex((await u.next(isData(T, 0), 5000, 'the UDP echo')).bytes)).toBe(hex(data(T, 0, ascii('from udp'))));
    expect(hex(await next(w, isData(T, 0), 'the WS echo'))).toBe(hex(data(T, 0, ascii('from ws'))));
    const ur = (await u.next(isPayload(T, 1), 5000, 'the UDP reliable echo')).bytes;
    const wr = await next(w, isPayload(T, 1), 'the WS reliable echo');
    expect(hex(ur.subarray(22))).toBe(hex(ascii('udp reliable')));
    expect(hex(wr.subarray(22))).toBe(hex(ascii('ws reliable')));
    // Each side got its own sequence 0: two reliable streams, not one.
    expect([readReliableHeader(ur, 10).sequence, readReliableHeader(wr, 10).sequence]).toEqual([0, 0]);
    // Nothing crossed over.
    expect(u.inbox.filter((d) => isData(T, 0)(d.bytes))).toEqual([]);
    expect(await collect(w, 200, isData(T, 0))).toEqual([]);

    u.send(disconnect(T), udpPort);
    await echo.waitFor(/^disconnect udp:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/);
    send(w, disconnect(T));
    await echo.waitFor(/^disconnect ws:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/);
  });

  it('disconnects the clients of both listeners on SIGINT', async () => {
    const { echo, udpPort, wsPort } = await startMultiEcho();
    const u = await RawUdpPeer.open();
    const w = await wsPeer(wsPort);
    await rawConnect(u, udpPort, token(1));
    await wsConnect(w, token(2));
    await echo.waitFor(/^connect ws:/);
    echo.kill('SIGINT');
    expect(hex((await u.next((b) => isMessage(b, Msg.Disconnect, token(1)), 10_000, 'the UDP Disconnect')).bytes)).toBe(hex(disconnect(token(1))));
    expect(hex(await next(w, (b) => isMessage(b, Msg.Disconnect, token(2)), 'the WS Disconnect', 10_000))).toBe(hex(disconnect(token(2))));
    expect((await echo.exited).code).toBe(0);
    expect(echo.stdout).toContain('stopping (SIGINT): disconnecting 2 connection(s)');
  });
});

describe('utp ping ws://', () => {
  for (const [pipeline, size] of [['reliable', '64'], ['unreliable', '64'], ['fragmented', '3000'], ['0', '12']]) {
    it(`against utp echo: --pipeline ${pipeline} --size ${size}`, async () => {
      const { echo, wsPort } = await startMultiEcho();
      const r = await runUtp(['ping', `ws://127.0.0.1:${wsPort}`, '--count', '3', '--interval', '20', '--pipeline', pipeline, '--size', size]);
      expect(r.stderr).toEqual([]);
      expect(r.exit.code).toBe(0);
      expect(r.stdout[0]).toMatch(new RegExp(`^PING ws://127\\.0\\.0\\.1:${wsPort}: pipeline `));
      expect(r.stdout.filter((l) => RTT_LINE(wsPort).test(l))).toHaveLength(3);
      expect(r.stdout).toContain(`--- ws://127.0.0.1:${wsPort} utp ping statistics ---`);
      expect(r.stdout).toContain('3 messages sent, 3 received, 0% loss');
      expect(r.stdout.some((l) => SUMMARY.test(l))).toBe(true);
      await echo.waitFor(/^disconnect ws:\/\/127\.0\.0\.1:\d+ \(connection \d+\): ClosedByRemote$/);
    });
  }

  it('fails with one clear line and exit code 1 when nothing listens', async () => {
    const r = await runUtp(['ping', 'ws://127.0.0.1:1', '--count', '1']);
    expect(r.exit.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^utp ping: cannot open ws:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });

  it('a path the server does not serve: "cannot open …: Unexpected server response: 404"; its own path works', async () => {
    const echo = new UtpProcess(['echo', '--ws', '127.0.0.1:0/utp']);
    const port = Number((await echo.waitFor(/^listening ws:\/\/127\.0\.0\.1:(\d+)\/utp$/))[1]);
    const bad = await runUtp(['ping', `ws://127.0.0.1:${port}/nope`, '--count', '1']);
    expect(bad.exit.code).toBe(1);
    expect(bad.stderr).toEqual([`utp ping: cannot open ws://127.0.0.1:${port}/nope: Unexpected server response: 404`]);
    const good = await runUtp(['ping', `ws://127.0.0.1:${port}/utp`, '--count', '2', '--interval', '10']);
    expect(good.exit.code).toBe(0);
    expect(good.stdout).toContain('2 messages sent, 2 received, 0% loss');
  });

  it('reports the server going away as "disconnected: ClosedByRemote" with exit code 1', async () => {
    const { echo, wsPort } = await startMultiEcho();
    const ping = new UtpProcess(['ping', `ws://127.0.0.1:${wsPort}`, '--count', '0', '--interval', '20']);
    await ping.waitFor(/ seq=0 /);
    echo.kill('SIGKILL'); // the socket closes without a UTP Disconnect
    expect((await ping.exited).code).toBe(1);
    expect(ping.stderr).toEqual([`utp ping: ws://127.0.0.1:${wsPort} disconnected: ClosedByRemote`]);
  });

  it('wss://: refuses a self-signed certificate with a hint; --insecure accepts it', async () => {
    const fixture = (name: string) => readFileSync(new URL(`../support/fixtures/${name}`, import.meta.url));
    // A wss:// echo on pipeline 0 in this process (`utp echo` serves ws:// only).
    const server = NetworkDriver.create({
      networkInterface: new WebSocketServerInterface({ tls: { cert: fixture('localhost-cert.pem'), key: fixture('localhost-key.pem') } }),
    });
    cleanups.push(() => server.dispose());
    await server.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
    server.listen();
    const ev = new NetworkEvent();
    const timer = setInterval(() => {
      server.update();
      while (server.accept()) { /* echo to anyone */ }
      while (server.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) server.send(ev.connection, ev.pipeline, ev.data);
      server.flush();
    }, 2);
    cleanups.push(() => clearInterval(timer));
    const url = `wss://127.0.0.1:${server.localEndpoint().port}`;
    const args = ['--pipelines', 'none', '--count', '2', '--interval', '10'];

    const refused = await runUtp(['ping', url, ...args]);
    expect(refused.exit.code).toBe(1);
    expect(refused.stderr).toEqual([`utp ping: cannot open ${url}: self-signed certificate (certificate not trusted; --insecure skips the check)`]);

    const accepted = await runUtp(['ping', url, '--insecure', ...args]);
    expect(accepted.stderr).toEqual([]);
    expect(accepted.exit.code).toBe(0);
    expect(accepted.stdout).toContain('2 messages sent, 2 received, 0% loss');
  });
});

describe('utp echo / ping: WebSocket command line', () => {
  it('echo needs --udp or --ws; refuses wss:// and a ws:// --udp; a bad --ws exits 2', async () => {
    const cases = [
      [['echo'], 'utp echo: --udp HOST:PORT or --ws HOST:PORT is required'],
      [['echo', '--ws', 'wss://127.0.0.1:0'], 'utp echo: --ws: wss:// is not supported'],
      [['echo', '--udp', 'ws://127.0.0.1:0'], "utp echo: --udp: unsupported scheme 'ws://' in 'ws://127.0.0.1:0' (WebSocket listeners take --ws)"],
      [['echo', '--ws', '127.0.0.1'], "utp echo: --ws: expected HOST:PORT[/PATH]"],
      [['ping', 'http://127.0.0.1:9'], "utp ping: URL: unsupported scheme 'http://'"],
      [['ping', 'ws://127.0.0.1:99999'], "utp ping: URL: not a valid URL: 'ws://127.0.0.1:99999'"],
    ] as const;
    // Six processes at once: each loads the CLI, which takes seconds on a busy machine.
    const results = await Promise.all(cases.map(([args]) => runUtp([...args])));
    cases.forEach(([args, message], i) => {
      expect(results[i].exit.code, args.join(' ')).toBe(2);
      expect(results[i].stderr[0].startsWith(message), results[i].stderr[0]).toBe(true);
    });
  }, 90_000);

  it('echo --ws on a port in use fails with exit code 1', async () => {
    const { wsPort } = await startMultiEcho();
    const r = await runUtp(['echo', '--udp', '127.0.0.1:0', '--ws', `127.0.0.1:${wsPort}`]);
    expect(r.exit.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(new RegExp(`^utp echo: cannot bind WebSocket 127\\.0\\.0\\.1:${wsPort}: .*EADDRINUSE`));
  });

  it('ping --size is checked against the WebSocket limit (14 bytes less than UDP, §2.4)', async () => {
    const r = await runUtp(['ping', 'ws://127.0.0.1:9', '--pipeline', 'reliable', '--size', '1378']);
    expect(r.exit.code).toBe(2);
    expect(r.stderr[0]).toBe('utp ping: --size 1378 exceeds the 1364-byte message limit of pipeline 1');
  });
});
