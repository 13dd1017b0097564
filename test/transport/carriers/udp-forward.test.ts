// Forwarding the event just popped (`send(c, p, ev.bytes, ev.offset, ev.length)`) over UDP: the message leaves from
// the array it arrived in, with the new headers written over the received ones, and never at the expense of
// another packet or of the event's message. Real sockets on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, ReliableSequencedPipelineStage,
  type NetworkConnection, type NetworkPipeline,
} from '../../../plugin/index.ts';
import { pump } from '../../support/pump.ts';

const drivers: NetworkDriver[] = [];
afterEach(() => { for (const d of drivers.splice(0)) d.dispose(); });

interface Peer { driver: NetworkDriver; conn: NetworkConnection; atServer: NetworkConnection; reliable: NetworkPipeline; got: string[] }

/** A server and two clients, each with pipeline 1 = [ReliableSequenced]. */
async function setUp(): Promise<{ server: NetworkDriver; reliable: NetworkPipeline; a: Peer; b: Peer }> {
  const make = (): NetworkDriver => {
    const d = NetworkDriver.create();
    drivers.push(d);
    return d;
  };
  const server = make();
  const reliable = server.createPipeline(ReliableSequencedPipelineStage);
  await server.bind(NetworkEndpoint.loopbackIpv4);
  server.listen();
  const peers: Peer[] = [];
  for (let i = 0; i < 2; i++) {
    const driver = make();
    const r = driver.createPipeline(ReliableSequencedPipelineStage);
    const conn = driver.connect(server.localEndpoint());
    let atServer: NetworkConnection | null = null;
    await pump([driver, server], () => {
      atServer ??= server.accept();
      // Proven (the server heard from it after the accept): the server's sends leave at once instead of waiting.
      return atServer !== null && driver.getConnectionState(conn) === ConnectionState.Connected && server.isProven(atServer);
    }, 'a proven connection');
    peers.push({ driver, conn, atServer: atServer!, reliable: r, got: [] });
  }
  return { server, reliable, a: peers[0], b: peers[1] };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Updates everyone until `n` messages arrived at `peer`, recording them as text. */
async function receive(server: NetworkDriver, peers: Peer[], done: () => boolean): Promise<void> {
  const ev = new NetworkEvent();
  await pump([server, ...peers.map((p) => p.driver)], () => {
    for (const p of peers) {
      while (p.driver.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) p.got.push(new TextDecoder().decode(ev.data));
    }
    return done();
  }, 'the forwarded messages');
}

/** Pops the first Data event at the server (updating until one arrives). */
async function popData(server: NetworkDriver, others: NetworkDriver[]): Promise<NetworkEvent> {
  const ev = new NetworkEvent();
  await pump([...others, server], () => {
    while (server.popEvent(ev) !== NetworkEventType.Empty) if (ev.type === NetworkEventType.Data) return true;
    return false;
  }, 'a message at the server');
  return ev;
}

describe('forwarding the event just popped over UDP', () => {
  it('sends it from the array it arrived in on pipeline 0 (the headers are rewritten in place); a reliable pipeline sends its stored copy', async () => {
    const { server, reliable, a, b } = await setUp();
    for (const pipe of [0, reliable.id]) {
      a.driver.send(a.conn, pipe === 0 ? 0 : a.reliable, text(`to b on ${pipe}`));
      a.driver.flush();
      const ev = await popData(server, [a.driver]);
      const before = Array.from(ev.bytes.subarray(0, ev.offset)); // (Buffer#slice would be a view)
      expect(server.send(b.atServer, pipe, ev.bytes, ev.offset, ev.length)).toBe(ev.length);
      // Pipeline 0: the headers in front of the message now address b (a copy would have left them as a sent them).
      // Reliable: the packet leaves from the copy the stage keeps for resends, and the received array is untouched.
      if (pipe === 0) expect(Array.from(ev.bytes.subarray(0, ev.offset))).not.toEqual(before);
      else expect(Array.from(ev.bytes.subarray(0, ev.offset))).toEqual(before);
      expect(new TextDecoder().decode(ev.data)).toBe(`to b on ${pipe}`);
      server.flush();
      await receive(server, [a, b], () => b.got.length === (pipe === 0 ? 1 : 2));
    }
    expect(b.got).toEqual(['to b on 0', `to b on ${reliable.id}`]);
  });

  it('a second forward of the same event is copied, so each peer gets its own headers', async () => {
    const { server, a, b } = await setUp();
    a.driver.send(a.conn, 0, text('to both'));
    a.driver.flush();
    const ev = await popData(server, [a.driver]);
    expect(server.send(b.atServer, 0, ev.bytes, ev.offset, ev.length)).toBe(ev.length);
    const afterFirst = Array.from(ev.bytes.subarray(0, ev.offset));
    expect(server.send(a.atServer, 0, ev.bytes, ev.offset, ev.length)).toBe(ev.length);
    expect(Array.from(ev.bytes.subarray(0, ev.offset))).toEqual(afterFirst); // untouched by the copy
    server.flush();
    // Each client drops a packet carrying the other's connection token, so both arriving proves both headers.
    await receive(server, [a, b], () => a.got.length === 1 && b.got.length === 1);
    expect([a.got, b.got]).toEqual([['to both'], ['to both']]);
  });

  it('part of the message, or an event popped earlier, is copied and leaves the event as it was', async () => {
    const { server, a, b } = await setUp();
    a.driver.send(a.conn, 0, text('first'));
    a.driver.send(a.conn, 0, text('second'));
    a.driver.flush();
    const first = await popData(server, [a.driver]);
    const kept = { bytes: first.bytes, offset: first.offset, length: first.length };
    const snapshot = Array.from(kept.bytes);
    expect(server.send(b.atServer, 0, kept.bytes, kept.offset + 1, kept.length - 1)).toBe(kept.length - 1);
    expect(Array.from(kept.bytes)).toEqual(snapshot);
    const second = new NetworkEvent();
    // Pop the second message (it may still be on its way: then update until it comes).
    if (server.popEvent(second) !== NetworkEventType.Data) await pump([server], () => server.popEvent(second) === NetworkEventType.Data, 'the second message');
    expect(server.send(b.atServer, 0, kept.bytes, kept.offset, kept.length)).toBe(kept.length);
    expect(Array.from(kept.bytes)).toEqual(snapshot);
    server.flush();
    await receive(server, [a, b], () => b.got.length === 2);
    expect(b.got).toEqual(['irst', 'first']);
  });
});
