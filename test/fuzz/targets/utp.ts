// The UTP parsers of a listening driver: the connection layer's handshakes and messages (spec §3), and the stage
// headers behind them — reliable (§5.3), fragmentation (§5.4), unreliable-sequenced (§5.2) — all fed through one
// server driver on an in-memory network while a legitimate client keeps exchanging reliable messages with it.
import {
  ConnectionState, FragmentationPipelineStage, IPCNetwork, NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage,
  UnreliableSequencedPipelineStage, type NetworkConnection, type NetworkDriver,
} from '../../../plugin/index.ts';
import { makeDriver, RawPeer } from '../../support/driver.ts';
import { vectorBytes } from '../../support/vectors.ts';
import { concat, fromHex, type Mutator } from '../mutator.ts';
import { delta, type FuzzSuite, type FuzzTarget } from '../target.ts';

const PIPES = { reliable: 1, unreliable: 2, fragmentedReliable: 3, fragmented: 4 } as const;

function createPipelines(d: NetworkDriver): void {
  d.createPipeline(ReliableSequencedPipelineStage);
  d.createPipeline(UnreliableSequencedPipelineStage);
  d.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage);
  d.createPipeline(FragmentationPipelineStage);
}

const u16 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);

export async function utpSuite(): Promise<FuzzSuite> {
  const net = new IPCNetwork();
  const settings = () => new NetworkSettings().withNetworkConfigParameters({ receiveQueueCapacity: 8192 });
  const server = await makeDriver(net, 7000, settings());
  const client = await makeDriver(net, 0, settings(), false);
  createPipelines(server);
  createPipelines(client);
  const to = server.localEndpoint();
  const legit = client.connect(to);
  const attackers = [2, 3, 4, 5].map((i) => new RawPeer(net, 9000 + i, `127.0.0.${i}`));
  // The spec's vectors use token T; the attacker opens connections with it and a few more (never the legitimate one,
  // which is random: an attacker cannot guess 64 bits).
  const tokens = ['0102030405060708', 'a1a2a3a4a5a6a7a8', 'b1b2b3b4b5b6b7b8', 'c1c2c3c4c5c6c7c8', 'd1d2d3d4d5d6d7d8',
    'e1e2e3e4e5e6e7e8', 'f1f2f3f4f5f6f7f8', '1112131415161718'].map(fromHex);
  let now = 0;
  let serverLegit: NetworkConnection | null = null;
  let sent = 0, exchanged = 0, lostReason = -1, ticks = 0;

  const step = (): void => {
    now += 10;
    client.update(now);
    server.update(now);
    for (let c = server.accept(); c; c = server.accept()) {
      if (server.remoteEndpoint(c)?.equals(client.localEndpoint())) serverLegit = c;
    }
    for (const ev of server.events()) {
      // The server echoes its legitimate client; what attackers' connections deliver is popped and forgotten.
      if (ev.type === NetworkEventType.Data && serverLegit && ev.connection.equals(serverLegit)) server.send(ev.connection, ev.pipeline, ev.data);
    }
    server.flush();
    for (const ev of client.events()) {
      if (ev.type === NetworkEventType.Data) exchanged++;
      if (ev.type === NetworkEventType.Disconnect) lostReason = ev.disconnectReason;
    }
  };
  /** Request + heartbeat for each attacker token: proven connections whose pipelines the inputs reach. */
  const openAttackers = (): void => {
    tokens.forEach((t, i) => {
      const peer = attackers[i % attackers.length];
      peer.send(to, concat(fromHex('5554500101'), t));
      peer.send(to, concat(Uint8Array.of(3), t));
    });
  };
  for (let i = 0; i < 20 && !(client.getConnectionState(legit) === ConnectionState.Connected && serverLegit); i++) step();
  if (!serverLegit) throw new Error('fuzz: the legitimate client did not connect');
  openAttackers();
  step();

  const tick = (): void => {
    ticks++;
    if (client.getConnectionState(legit) === ConnectionState.Connected) {
      const message = new Uint8Array(ticks % 8 === 0 ? 3000 : 32);
      new DataView(message.buffer).setUint32(0, ticks);
      if (client.send(legit, ticks % 8 === 0 ? PIPES.fragmentedReliable : PIPES.reliable, message) > 0) sent++;
    }
    step();
    if (ticks % 5 === 0) openAttackers();
    for (const peer of attackers) peer.received.length = 0;
  };

  const send = (m: Mutator, bytes: Uint8Array): void => m.pick(attackers).send(to, bytes);
  const token = (m: Mutator): Uint8Array => (m.chance(80) ? m.pick(tokens) : m.bytes(8));
  const data = (m: Mutator, pipe: number, body: Uint8Array): Uint8Array => concat(Uint8Array.of(1), token(m), Uint8Array.of(pipe), body);
  const seeds = (ids: string[]): Uint8Array[] => ids.map(vectorBytes);
  const handshakeSeeds = seeds(['TV-1', 'TV-2', 'TV-3a', 'TV-3b']);
  const messageSeeds = seeds(['TV-4', 'TV-5', 'TV-6', 'TV-7', 'TV-8']);
  const reliableSeeds = seeds(['TV-9', 'TV-10']);
  const fragmentSeeds = seeds(['TV-12a', 'TV-12b']);
  const unreliableSeeds = seeds(['TV-11']);
  /** A reliable header (§5.3.1, window 32): type, mask length, processing time, sequence, acked sequence, mask. */
  const reliableHeader = (m: Mutator): Uint8Array => concat(
    Uint8Array.of(m.chance(80) ? m.int(2) : m.edgy(1), m.chance(80) ? 0 : m.edgy(1)), u16(m.edgy(2)),
    u16(m.chance(70) ? m.int(80) : m.edgy(2)), u16(m.chance(50) ? 0xffff : m.edgy(2)), u32(m.edgy(4)),
  );
  /** A fragmentation word (§5.4): First 0x8000, Last 0x4000, 14-bit sequence near the expected one. */
  const fragmentWord = (m: Mutator): Uint8Array => u16((m.int(4) << 14) | (m.chance(70) ? m.int(64) : m.int(0x4000)));

  const counters = (): Record<string, number> => {
    const s = server.getStatistics();
    return { ...s.dropped, evicted: s.admission.evicted, expired: s.admission.expired, withheld: s.admission.packetsWithheld };
  };
  const target = (name: string, input: (m: Mutator) => void): FuzzTarget => {
    let before: Record<string, number> = {};
    let exchangedBefore = 0;
    return {
    name, batch: 256, input, tick,
    start() { before = counters(); exchangedBefore = exchanged; },
    async finish() {
      for (let i = 0; i < 300 && exchanged < sent; i++) step();
      if (client.getConnectionState(legit) !== ConnectionState.Connected) throw new Error(`${name}: the legitimate connection was lost (reason ${lostReason})`);
      if (exchanged < sent) throw new Error(`${name}: ${sent - exchanged} of ${sent} legitimate messages never came back`);
      return { dropped: delta(counters(), before), exchanged: exchanged - exchangedBefore };
    },
    };
  };

  return {
    targets: [
      target('utp-handshake', (m) => {
        const r = m.int(10);
        if (r < 5) return send(m, m.mutate(m.pick(handshakeSeeds)));
        if (r < 8) {
          const payload = m.chance(50) ? m.bytes(m.int(40)) : null;
          const length = payload ? u16(m.chance(80) ? payload.length : m.edgy(2)) : new Uint8Array(0);
          return send(m, concat(fromHex('555450'), Uint8Array.of(m.chance(90) ? 1 : m.edgy(1), m.pick([0, 1, 2, 3, 255])), token(m), length, payload ?? new Uint8Array(0)));
        }
        send(m, concat(fromHex('555450'), m.bytes(m.int(60))));
      }),
      target('utp-messages', (m) => {
        if (m.chance(40)) return send(m, m.mutate(m.pick(messageSeeds)));
        if (m.chance(10)) return send(m, m.bytes(m.int(80)));
        send(m, concat(Uint8Array.of(m.chance(90) ? 1 + m.int(5) : m.edgy(1)), token(m), m.bytes(m.int(64))));
      }),
      target('reliable-header', (m) => {
        if (m.chance(30)) return send(m, m.mutate(m.pick(reliableSeeds)));
        send(m, data(m, m.chance(80) ? PIPES.reliable : PIPES.fragmentedReliable, concat(reliableHeader(m), m.bytes(m.int(48)))));
      }),
      target('fragmentation-header', (m) => {
        if (m.chance(20)) return send(m, m.mutate(m.pick(fragmentSeeds)));
        const body = concat(fragmentWord(m), m.bytes(m.chance(20) ? m.int(1380) : m.int(64)));
        send(m, m.chance(70) ? data(m, PIPES.fragmented, body) : data(m, PIPES.fragmentedReliable, concat(reliableHeader(m), body)));
      }),
      target('unreliable-sequenced-header', (m) => {
        if (m.chance(30)) return send(m, m.mutate(m.pick(unreliableSeeds)));
        send(m, data(m, PIPES.unreliable, concat(u16(m.edgy(2)), m.bytes(m.int(48)))));
      }),
    ],
    async dispose() {
      client.dispose();
      server.dispose();
    },
  };
}
