import { describe, expect, it } from 'vitest';
import {
  DisconnectReason, NetworkEndpoint, WebSocketNetworkInterface, type PacketSink, type WebSocketLike,
} from '../../../plugin/index.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { hex } from '../../support/hex.ts';

/** A scripted WebSocket: records what the interface does, and lets the test open, message and close it. */
class FakeSocket implements WebSocketLike {
  static made: FakeSocket[] = [];
  readonly url: string;
  binaryType = 'blob';
  readyState = 0;
  sent: string[] = [];
  closedWith: number | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(url: string) { this.url = url; FakeSocket.made.push(this); }
  send(data: Uint8Array): void { this.sent.push(hex(data)); }
  close(code?: number): void { this.closedWith = code ?? 1005; this.readyState = 2; }
  open(): void { this.readyState = 1; this.onopen?.({}); }
  drop(): void { this.readyState = 3; this.onclose?.({}); }
}

function setup(options = {}) {
  FakeSocket.made = [];
  const iface = new WebSocketNetworkInterface({ WebSocket: FakeSocket, ...options });
  const received: string[] = [];
  const closed: Array<[string, number, number]> = [];
  const sink: PacketSink = {
    receive: (b, a, p) => received.push(`${a}:${p} ${hex(b)}`),
    error: () => {},
    closed: (a, p, r) => closed.push([a, p, r]),
  };
  return { iface, received, closed, sink };
}

const server = NetworkEndpoint.parse('127.0.0.1', 7777);
const vectorHex = (id: string) => hex(vectorBytes(id));
const send = (iface: WebSocketNetworkInterface, id: string, to = server) => {
  const b = vectorBytes(id);
  iface.send(b, 0, b.length, to);
};

describe('WebSocketNetworkInterface (client) with a scripted socket', () => {
  it('opens ws://ADDR:PORT/path when a connection starts, queues until open, binary in and out', async () => {
    const { iface, received, sink } = setup({ path: '/utp' });
    await iface.bind(NetworkEndpoint.anyIpv4, sink);
    expect(iface.packetPadding).toBe(14);
    send(iface, 'TV-1'); // no connection yet: dropped, no socket
    expect(FakeSocket.made).toHaveLength(0);
    iface.connectionOpened(server);
    send(iface, 'TV-1');
    iface.connectionOpened(server); // a second connection to the same server shares the socket
    send(iface, 'TV-1');
    const [s] = FakeSocket.made;
    expect(FakeSocket.made).toHaveLength(1);
    expect(s.url).toBe('ws://127.0.0.1:7777/utp');
    expect(s.binaryType).toBe('arraybuffer');
    expect(s.sent).toEqual([]);
    s.open();
    expect(s.sent).toEqual([vectorHex('TV-1'), vectorHex('TV-1')]);
    send(iface, 'TV-4');
    expect(s.sent.at(-1)).toBe(vectorHex('TV-4'));
    s.onmessage!({ data: vectorBytes('TV-3a').slice().buffer });
    s.onmessage!({ data: 'text is not a UTP packet' });
    s.onmessage!({ data: new ArrayBuffer(0) });
    expect(received).toEqual([`127.0.0.1:7777 ${vectorHex('TV-3a')}`]);
  });

  it('brackets IPv6, and uses wss with secure or the url option for every endpoint', async () => {
    const a = setup({ secure: true });
    await a.iface.bind(NetworkEndpoint.anyIpv6, a.sink);
    a.iface.connectionOpened(NetworkEndpoint.parse('::1', 9));
    expect(FakeSocket.made[0].url).toBe('wss://[::1]:9/');
    const b = setup({ url: 'wss://game.example.com/utp' });
    await b.iface.bind(NetworkEndpoint.anyIpv4, b.sink);
    expect(b.iface.serverEndpoint.toString()).toBe('wss://game.example.com/utp:443');
    b.iface.connectionOpened(b.iface.serverEndpoint);
    expect(FakeSocket.made[0].url).toBe('wss://game.example.com/utp');
  });

  it('failure before open ⇒ MaxConnectionAttempts; later closure ⇒ ClosedByRemote (§6.3); late packets open nothing', async () => {
    const { iface, closed, sink } = setup();
    await iface.bind(NetworkEndpoint.anyIpv4, sink);
    iface.connectionOpened(server);
    FakeSocket.made[0].drop();
    expect(closed).toEqual([['127.0.0.1', 7777, DisconnectReason.MaxConnectionAttempts]]);
    iface.connectionOpened(server);
    FakeSocket.made[1].open();
    FakeSocket.made[1].drop();
    expect(closed[1]).toEqual(['127.0.0.1', 7777, DisconnectReason.ClosedByRemote]);
    send(iface, 'TV-4'); // a resend after the closure: dropped, no third socket
    expect(FakeSocket.made).toHaveLength(2);
  });

  it('closes with 1000 when the last connection using it is released, and reports nothing for it', async () => {
    const { iface, closed, sink } = setup();
    await iface.bind(NetworkEndpoint.anyIpv4, sink);
    iface.connectionOpened(server);
    iface.connectionOpened(server);
    const s = FakeSocket.made[0];
    s.open();
    send(iface, 'TV-6');
    expect(s.sent.at(-1)).toBe(vectorHex('TV-6'));
    iface.connectionClosed(server);
    expect(s.closedWith).toBe(null); // the other connection still uses it
    iface.connectionClosed(server);
    expect(s.closedWith).toBe(1000);
    s.drop();
    expect(closed).toEqual([]);
  });

  it('dispose closes every socket quietly; listen throws', async () => {
    const { iface, closed, sink } = setup();
    await iface.bind(NetworkEndpoint.anyIpv4, sink);
    iface.connectionOpened(server);
    iface.connectionOpened(NetworkEndpoint.parse('127.0.0.2', 7777));
    iface.dispose();
    expect(FakeSocket.made.map((s) => s.closedWith)).toEqual([1000, 1000]);
    for (const s of FakeSocket.made) s.drop();
    expect(closed).toEqual([]);
    expect(() => iface.listen()).toThrow(/cannot listen/);
  });
});
