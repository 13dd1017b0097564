// The Relay parsers (spec §7): the self-hosted relay server's, fed by strangers, and a client's RelayLayer, fed with
// messages forged from the relay's own address, while a host and a joiner keep exchanging reliable messages
// through the relay.
import { ConnectionState, IPCNetwork, NetworkEventType, ReliableSequencedPipelineStage, type NetworkConnection } from '../../../plugin/index.ts';
import { FakeClock } from '../../support/clock.ts';
import { RawPeer } from '../../support/driver.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { dataFor, memoryRelay, relayDriver, relayEndpoint } from '../../relay/harness.ts';
import { concat, type Mutator } from '../mutator.ts';
import { delta, type FuzzSuite, type FuzzTarget } from '../target.ts';

/** Sizes of the Relay messages by type (§7.2), to forge ones of the right length most of the time. */
const SIZES: Record<number, number> = { 0: 295, 1: 4, 2: 22, 3: 276, 6: 36, 8: 36, 9: 36, 10: 50, 12: 21 };

export async function relaySuite(): Promise<FuzzSuite> {
  const net = new IPCNetwork();
  const clock = new FakeClock();
  const server = await memoryRelay(net, clock, { rateLimit: null }); // the fuzz sends far more than 2000/s per source
  const hostData = dataFor(server, clock);
  const { driver: host } = await relayDriver(net, hostData);
  host.listen();
  host.createPipeline(ReliableSequencedPipelineStage);
  const joinData = dataFor(server, clock, hostData);
  const { driver: joiner, iface } = await relayDriver(net, joinData);
  const reliable = joiner.createPipeline(ReliableSequencedPipelineStage);
  const conn = joiner.connect(relayEndpoint);
  const known = [hostData.allocationId, joinData.allocationId];
  const attackers = [2, 3, 4, 5].map((i) => new RawPeer(net, 9100 + i, `127.0.0.${i}`));
  let atHost: NetworkConnection | null = null;
  let sent = 0, exchanged = 0, ticks = 0;

  const step = (): void => {
    clock.now += 10;
    joiner.update(clock.now);
    host.update(clock.now);
    server.update(clock.now);
    for (let c = host.accept(); c; c = host.accept()) atHost = c;
    for (const ev of host.events()) if (ev.type === NetworkEventType.Data) host.send(ev.connection, ev.pipeline, ev.data);
    host.flush();
    for (const ev of joiner.events()) if (ev.type === NetworkEventType.Data) exchanged++;
  };
  for (let i = 0; i < 500 && !(atHost && joiner.getConnectionState(conn) === ConnectionState.Connected); i++) step();
  if (!atHost) throw new Error('fuzz: the relay joiner did not connect');

  const tick = (): void => {
    ticks++;
    if (joiner.send(conn, reliable, new Uint8Array(24)) > 0) sent++;
    step();
    for (const a of attackers) a.received.length = 0;
  };
  const seeds = ['TV-14', 'TV-14b', 'TV-15', 'TV-16', 'TV-17', 'TV-18', 'TV-19', 'TV-20'].map(vectorBytes);
  /** A Relay message: header with a (mostly right) version and type, an allocation id, a body of (mostly) the right size. */
  const forged = (m: Mutator, ids: readonly Uint8Array[]): Uint8Array => {
    const type = m.chance(90) ? m.pick(Object.keys(SIZES).map(Number)) : m.edgy(1);
    const size = m.chance(80) ? (SIZES[type] ?? 40) : m.int(320);
    const id = ids.length && m.chance(30) ? m.pick(ids) : m.bytes(16);
    const b = concat(Uint8Array.of(0xda, 0x72, m.chance(95) ? 0 : m.edgy(1), type), id, m.bytes(Math.max(size - 20, 0)));
    if (type === 10 && b.length >= 38) { const n = m.chance(80) ? b.length - 38 : m.edgy(2); b[36] = n >>> 8; b[37] = n & 0xff; }
    return b.subarray(0, Math.max(size, 4));
  };
  const target = (name: string, counters: () => Record<string, number>, input: (m: Mutator) => void): FuzzTarget => {
    let before: Record<string, number> = {};
    let exchangedBefore = 0;
    return {
      name, batch: 64, input, tick,
      start() { before = counters(); exchangedBefore = exchanged; },
      async finish() {
        for (let i = 0; i < 300 && exchanged < sent; i++) step();
        if (joiner.getConnectionState(conn) !== ConnectionState.Connected) throw new Error(`${name}: the joiner lost its connection to the host`);
        if (exchanged < sent) throw new Error(`${name}: ${sent - exchanged} of ${sent} messages through the relay never came back`);
        return { dropped: delta(counters(), before), exchanged: exchanged - exchangedBefore };
      },
    };
  };

  return {
    targets: [
      target('relay-server', () => {
        const l = server.load;
        return { ...l.dropped, withheld: l.withheld, ...Object.fromEntries(Object.entries(l.errorsSent).map(([c, n]) => [`error${c}`, n])) };
      }, (m) => {
        const bytes = m.chance(40) ? m.mutate(m.pick(seeds)) : m.chance(10) ? m.bytes(m.int(320)) : forged(m, known);
        m.pick(attackers).send(relayEndpoint, bytes);
      }),
      // Forged from the relay's address to the joiner: never with the joiner's or host's ids (an ERROR or DISCONNECT
      // naming them is the relay's word, which UTP clients obey), so the exchange must survive everything else.
      target('relay-client', () => ({ ...iface.statistics.dropped }), (m) => {
        const bytes = m.chance(30) ? m.mutate(m.pick(seeds)) : m.chance(10) ? m.bytes(m.int(320)) : forged(m, []);
        if (bytes.length >= 4 && bytes[0] === 0xda && (bytes[3] === 12 || bytes[3] === 9) && known.some((id) => includes(bytes, id))) return;
        net.deliver(bytes, relayEndpoint, joiner.localEndpoint());
      }),
    ],
    async dispose() {
      joiner.dispose();
      host.dispose();
      server.dispose();
    },
  };
}

function includes(bytes: Uint8Array, id: Uint8Array): boolean {
  outer: for (let at = 0; at + id.length <= bytes.length; at++) {
    for (let i = 0; i < id.length; i++) if (bytes[at + i] !== id[i]) continue outer;
    return true;
  }
  return false;
}
