// NetworkStack with a packet layer of the test's own, stored in the settings as a LayerFactory: what the layer
// contract (stack/layer.ts) promises a DTLS or Relay layer — bytes, header budget, call order, connection and
// link notifications, and isolation of a layer that throws. In-memory carrier, fake clock.
import { describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEventType,
  NetworkSettings, ReliableSequencedPipelineStage, type NetworkConnection, type NetworkInterface, type PacketSink,
} from '../../../plugin/index.ts';
import type { LayerFactory, LayerLinks, PacketLayer } from '../../../plugin/transport/stack/layer.ts';
import { drain } from '../../support/driver.ts';
import { fromHex, hex, text } from '../../support/hex.ts';

/** The test layer's header, in front of every packet it sends. */
const HEADER = fromHex('7e57ab1e');
const where = (e: NetworkEndpoint | { address: string; port: number }) => `${e.address}:${e.port}`;

/** A packet layer that adds and checks a 4-byte header and writes every call into a log shared with the carrier. */
class HeaderLayer implements PacketLayer {
  readonly name = 'Header';
  readonly headerSize = HEADER.length;
  links!: LayerLinks;
  /** A port whose packets make `receive` throw (a bug in a layer). */
  throwFrom = 0;
  /** Set to take link closures itself instead of passing them up. */
  linkClosed?: (address: string, port: number, reason: number) => void;

  readonly log: string[];
  constructor(log: string[]) { this.log = log; }

  attach(links: LayerLinks): void { this.links = links; }

  receive(bytes: Uint8Array, start: number, end: number, address: string, port: number): void {
    if (port === this.throwFrom) throw new Error('a bug in a layer');
    const header = bytes.subarray(start, start + HEADER.length);
    if (end - start < HEADER.length || hex(header) !== hex(HEADER)) { this.links.drop('testHeader'); return; }
    this.log.push(`receive ${hex(bytes.subarray(start + HEADER.length, end))}`);
    this.links.up(bytes, start + HEADER.length, end, address, port);
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    this.log.push(`send ${hex(bytes.subarray(start, end))}`);
    bytes.set(HEADER, start - HEADER.length);
    this.links.down(bytes, start - HEADER.length, end, to);
  }

  update(now: number): void { this.log.push(`update ${now}`); }
  flushSend(now: number): void { this.log.push(`flushSend ${now}`); }
  connectionOpened(to: NetworkEndpoint): void { this.log.push(`layer opened ${where(to)}`); }
  connectionClosed(to: NetworkEndpoint): void { this.log.push(`layer closed ${where(to)}`); }
}

/** The in-memory carrier, logging what it sends and the connection notifications; `sink` lets a test close a link. */
class LoggingCarrier implements NetworkInterface {
  readonly inner: IPCNetworkInterface;
  readonly log: string[];
  sink!: PacketSink;
  constructor(net: IPCNetwork, log: string[]) { this.inner = new IPCNetworkInterface(net); this.log = log; }
  get localEndpoint(): NetworkEndpoint { return this.inner.localEndpoint; }
  bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void> { this.sink = sink; return this.inner.bind(endpoint, sink); }
  listen(): void { this.inner.listen(); }
  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    this.log.push(`wire ${hex(bytes.subarray(start, end))}`);
    this.inner.send(bytes, start, end, to);
  }
  connectionOpened(to: NetworkEndpoint): void { this.log.push(`carrier opened ${where(to)}`); }
  connectionClosed(to: NetworkEndpoint): void { this.log.push(`carrier closed ${where(to)}`); }
  dispose(): void { this.inner.dispose(); }
}

interface Node { driver: NetworkDriver; layer: HeaderLayer; carrier: LoggingCarrier; log: string[] }

async function node(net: IPCNetwork, listen: boolean): Promise<Node> {
  const log: string[] = [];
  const layer = new HeaderLayer(log);
  const factory: LayerFactory = { order: 150, create: () => layer };
  const carrier = new LoggingCarrier(net, log);
  const driver = NetworkDriver.create(carrier, new NetworkSettings().withParameters('layer:test', factory));
  await driver.bind(NetworkEndpoint.loopbackIpv4);
  if (listen) driver.listen();
  return { driver, layer, carrier, log };
}

/** A server and `clients` connected to it, every driver updated at the same fake times. */
async function connected(clients = 1) {
  const net = new IPCNetwork();
  const server = await node(net, true);
  const nodes: Node[] = [];
  const conns: NetworkConnection[] = [];
  for (let i = 0; i < clients; i++) {
    const n = await node(net, false);
    nodes.push(n);
    conns.push(n.driver.connect(server.driver.localEndpoint()));
  }
  let now = 0;
  const step = () => { now += 10; for (const n of [...nodes, server]) n.driver.update(now); };
  const accepted: NetworkConnection[] = [];
  // Until every client proved its address (its heartbeat after the accept), so the server's sends leave at once.
  const up = () => accepted.length === clients && accepted.every((c) => server.driver.isProven(c));
  for (let i = 0; i < 10 && !up(); i++) {
    step();
    for (let c = server.driver.accept(); c; c = server.driver.accept()) accepted.push(c);
  }
  step();
  for (let i = 0; i < clients; i++) expect(nodes[i].driver.getConnectionState(conns[i])).toBe(ConnectionState.Connected);
  expect(accepted).toHaveLength(clients);
  for (const n of [...nodes, server]) { drain(n.driver); n.log.length = 0; }
  return { net, server, clients: nodes, conns, accepted, step };
}

describe('a packet layer from the settings (LayerFactory under "layer:…")', () => {
  it('sits between carrier and connection layer: its header is on every datagram and gone above it', async () => {
    const { server, clients: [client], conns: [c], accepted: [s], step } = await connected();
    expect(server.driver.send(s, 0, text('hi'))).toBeGreaterThan(0);
    server.driver.update(1000);
    const sent = server.log.find((l) => l.startsWith('send '))!.slice(5);
    const wire = server.log.find((l) => l.startsWith('wire '))!.slice(5);
    expect(sent).toMatch(/^01[0-9a-f]{16}006869$/);           // SCL Data, pipeline 0, "hi" (TV-4 form)
    expect(wire).toBe(hex(HEADER) + sent);
    step();
    expect(client.log).toContain(`receive ${sent}`);
    expect(drain(client.driver)).toEqual([{ type: NetworkEventType.Data, connection: c.toString(), pipeline: 0, data: hex(text('hi')) }]);
    // A datagram without the header never reaches the connection layer: the layer drops and counts it.
    client.carrier.sink.receive(fromHex(sent), server.driver.localEndpoint().address, server.driver.localEndpoint().port);
    step();
    expect(client.driver.getStatistics().dropped.testHeader).toBe(1);
    expect(drain(client.driver)).toEqual([]);
  });

  it('adds its headerSize to packetPadding and maxHeaderSize', async () => {
    const plain = NetworkDriver.create(new IPCNetworkInterface(new IPCNetwork()));
    const { clients: [client] } = await connected();
    const reliable = [plain, client.driver].map((d) => d.createPipeline(ReliableSequencedPipelineStage));
    expect(client.driver.packetPadding).toBe(plain.packetPadding + HEADER.length);
    expect(client.driver.maxHeaderSize(0)).toBe(plain.maxHeaderSize(0) + HEADER.length);
    expect(client.driver.maxHeaderSize(reliable[1])).toBe(plain.maxHeaderSize(reliable[0]) + HEADER.length);
  });

  it('runs update before the received packets and flushSend after the connection layer, once per driver update', async () => {
    const net = new IPCNetwork();
    const server = await node(net, true);
    const client = await node(net, false);
    client.driver.connect(server.driver.localEndpoint());
    client.driver.update(5);
    server.driver.update(7);
    server.driver.update(9);
    const kinds = (log: string[]) => log.filter((l) => !l.startsWith('wire ')).map((l) => l.replace(/ [0-9a-f]{26}$/, ' <packet>'));
    const addr = where(client.driver.localEndpoint());
    expect(kinds(server.log)).toEqual([
      'update 7', 'receive <packet>', `layer opened ${addr}`, `carrier opened ${addr}`, 'send <packet>', 'flushSend 7',
      'update 9', 'flushSend 9',
    ]);
    expect(server.log.filter((l) => l.startsWith('receive '))).toEqual([expect.stringMatching(/^receive 5554500101/)]); // TV-1 form
    expect(server.log.filter((l) => l.startsWith('send '))).toEqual([expect.stringMatching(/^send 5554500102/)]);     // TV-3a form
  });

  it('hears connectionOpened and connectionClosed for client and server connections, with the carrier, after the Disconnect left', async () => {
    const net = new IPCNetwork();
    const server = await node(net, true);
    const client = await node(net, false);
    const serverAt = where(server.driver.localEndpoint());
    const clientAt = where(client.driver.localEndpoint());
    const c = client.driver.connect(server.driver.localEndpoint());
    client.driver.update(1);
    expect(client.log.slice(0, 3)).toEqual([
      'update 1', `layer opened ${serverAt}`, `carrier opened ${serverAt}`,  // before the first request
    ]);
    server.driver.update(2);
    client.driver.update(3);
    const s = server.driver.accept()!;
    expect(s).not.toBeNull();
    expect(server.log).toContain(`layer opened ${clientAt}`);
    expect(server.log).toContain(`carrier opened ${clientAt}`);

    const notices = (log: string[]) => log.filter((l) => / (opened|closed) /.test(l) || /^wire 02/.test(l.replace(hex(HEADER), '')));
    client.log.length = 0;
    server.log.length = 0;
    client.driver.disconnect(c);
    const atServer: ReturnType<typeof drain> = [];
    for (let t = 4; t < 8; t += 2) { client.driver.update(t); server.driver.update(t + 1); atServer.push(...drain(server.driver)); }
    // The client's Disconnect (02 | token, spec §3.8) reaches the carrier before either side is told the connection closed.
    expect(notices(client.log)).toEqual([
      expect.stringMatching(new RegExp(`^wire ${hex(HEADER)}02[0-9a-f]{16}$`)), `layer closed ${serverAt}`, `carrier closed ${serverAt}`,
    ]);
    expect(notices(server.log)).toEqual([`layer closed ${clientAt}`, `carrier closed ${clientAt}`]);
    expect(atServer.map((e) => [e.type, e.data])).toEqual([[NetworkEventType.Disconnect, `0${DisconnectReason.ClosedByRemote}`]]);

    // The server side closing first: its Disconnect leaves, then both hear of the close.
    const c2 = client.driver.connect(server.driver.localEndpoint());
    for (let t = 10; t < 40; t += 10) { client.driver.update(t); server.driver.update(t + 1); }
    const s2 = server.driver.accept()!;
    expect(client.driver.getConnectionState(c2)).toBe(ConnectionState.Connected);
    client.log.length = 0;
    server.log.length = 0;
    server.driver.disconnect(s2);
    for (let t = 50; t < 54; t += 2) { server.driver.update(t); client.driver.update(t + 1); }
    expect(notices(server.log)).toEqual([
      expect.stringMatching(new RegExp(`^wire ${hex(HEADER)}02[0-9a-f]{16}$`)), `layer closed ${clientAt}`, `carrier closed ${clientAt}`,
    ]);
    expect(notices(client.log)).toEqual([`layer closed ${serverAt}`, `carrier closed ${serverAt}`]);
  });

  it('passes a closed link up to the connection layer unless the layer takes it (linkClosed), which may pass it on later', async () => {
    const { server, clients: [client], conns: [c], step } = await connected();
    const serverAt = server.driver.localEndpoint();
    const wire = () => client.log.filter((l) => l.startsWith('wire '));

    // The layer takes the closure: the connection stays up.
    const taken: string[] = [];
    client.layer.linkClosed = (address, port, reason) => { taken.push(`${address}:${port} ${reason}`); };
    client.carrier.sink.closed!(serverAt.address, serverAt.port, DisconnectReason.Timeout);
    step();
    expect(taken).toEqual([`${where(serverAt)} ${DisconnectReason.Timeout}`]);
    expect(client.driver.getConnectionState(c)).toBe(ConnectionState.Connected);

    // It passes it on: the connection closes with the layer's reason, sending nothing.
    client.log.length = 0;
    client.layer.links.closed(serverAt.address, serverAt.port, DisconnectReason.MaxConnectionAttempts);
    const seen: ReturnType<typeof drain> = [];
    for (let i = 0; i < 2; i++) { step(); seen.push(...drain(client.driver)); }
    expect(client.driver.getConnectionState(c)).toBe(ConnectionState.Disconnected);
    expect(seen.map((e) => [e.type, e.data])).toEqual([[NetworkEventType.Disconnect, `0${DisconnectReason.MaxConnectionAttempts}`]]);
    expect(wire().filter((l) => /^02/.test(l.slice(5 + 2 * HEADER.length)))).toEqual([]);
    expect(client.log).toContain(`layer closed ${where(serverAt)}`);

    // Without the hook the stack passes the closure straight to the connection layer.
    const again = await connected();
    const at = again.server.driver.localEndpoint();
    again.clients[0].carrier.sink.closed!(at.address, at.port, DisconnectReason.Timeout);
    again.step();
    expect(again.clients[0].driver.getConnectionState(again.conns[0])).toBe(ConnectionState.Disconnected);
    expect(drain(again.clients[0].driver).map((e) => e.data)).toEqual([`0${DisconnectReason.Timeout}`]);
  });

  it('counts a layer that throws in receive as internalError; the other connection keeps working', async () => {
    const { server, clients: [a, b], conns: [ca, cb], accepted, step } = await connected(2);
    server.layer.throwFrom = b.driver.localEndpoint().port;
    b.driver.send(cb, 0, text('from b'));
    a.driver.send(ca, 0, text('from a'));
    step();
    expect(server.driver.getStatistics().dropped.internalError).toBe(1);
    const sa = accepted.find((s) => server.driver.remoteEndpoint(s)!.port === a.driver.localEndpoint().port)!;
    expect(drain(server.driver)).toEqual([{ type: NetworkEventType.Data, connection: sa.toString(), pipeline: 0, data: hex(text('from a')) }]);
    server.driver.send(sa, 0, text('to a'));
    const atA: ReturnType<typeof drain> = [];
    for (let i = 0; i < 2; i++) { step(); atA.push(...drain(a.driver)); }
    expect(atA.map((e) => e.data)).toEqual([hex(text('to a'))]);
    expect(a.driver.getConnectionState(ca)).toBe(ConnectionState.Connected);
  });
});
