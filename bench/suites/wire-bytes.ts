// Bytes on the wire per delivered message vs the UTP header model (spec §2.4, §4, §5). Deterministic: two drivers
// on an in-memory IPCNetwork, a fake clock, seeded loss. Each "round" is one configuration (pipeline × payload ×
// loss); ours = bytes every datagram of the stream put on the wire (both directions, lost ones included) per
// delivered message, baseline = what the model predicts from the spec's header sizes and the counts the model
// cannot know in advance (messages sent, resends, ack-only packets, heartbeats). The ratio must be exactly 1.
import {
  FragmentationPipelineStage, IPCNetwork, IPCNetworkInterface, NetworkDriver, NetworkEndpoint, NetworkEvent,
  NetworkEventType, NetworkPipeline, NetworkSettings, ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage,
  type NetworkConnection,
} from '../../plugin/transport/index.ts';
import type { Round, Suite } from '../lib/types.ts';
import { SeededRandom } from '../../plugin/transport/api/random.ts';

/** Spec §2.4/§3.4: SCL message header (type 1 + token 8) + the pipeline id byte. */
const SCL = 10;
/** §5.3.1: ReliableSequenced header for a window ≤ 32 (8 fixed + 4 mask bytes). */
const RELIABLE = 12;
/** §5.2, §5.4: UnreliableSequenced and Fragmentation headers. */
const SEQ16 = 2;
/** §5.3.7: ack-only packet = SCL + reliable header + one filler byte. */
const ACK_ONLY = SCL + RELIABLE + 1;
/** §3.4: Heartbeat = SCL message header alone (no pipeline byte). */
const HEARTBEAT = 9;
const MTU = 1400;

type PipeKind = 'pipeline 0' | '[Reliable]' | '[UnreliableSequenced]' | '[Fragmentation, Reliable]';

interface Config { pipe: PipeKind; size: number; loss: number }

const PIPES: Array<{ pipe: PipeKind; sizes: number[] }> = [
  { pipe: 'pipeline 0', sizes: [16, 200, 1000] },
  { pipe: '[Reliable]', sizes: [16, 200, 1000] },
  { pipe: '[UnreliableSequenced]', sizes: [16, 200, 1000] },
  // 2752 = two full fragments of 1376 (1400 − 10 − 2 − 12), so every resent fragment has the same size.
  { pipe: '[Fragmentation, Reliable]', sizes: [16, 1000, 2752] },
];
const LOSSES = [0, 0.05];

/** Stage header bytes in front of every fragment on each pipeline. */
function stageHeader(pipe: PipeKind): number {
  switch (pipe) {
    case 'pipeline 0': return 0;
    case '[Reliable]': return RELIABLE;
    case '[UnreliableSequenced]': return SEQ16;
    case '[Fragmentation, Reliable]': return RELIABLE + SEQ16;
  }
}

/** Fragments of a message (§5.4: chunks of MTU − SCL − every stage header); 1 on pipelines without Fragmentation. */
function fragments(pipe: PipeKind, size: number): number {
  if (pipe !== '[Fragmentation, Reliable]') return 1;
  return Math.max(1, Math.ceil(size / (MTU - SCL - stageHeader(pipe))));
}

interface Measured {
  sent: number;
  delivered: number;
  wireBytes: number;
  datagrams: number;
  /** By what the datagram is: data, ack-only, heartbeat, other. */
  byKind: Record<'data' | 'ack' | 'heartbeat' | 'other', { packets: number; bytes: number }>;
  resends: number;
  acks: number;
  /** Data packets whose size is not what the model says a fragment of this stream is. */
  oddSizes: number;
}

async function stream(cfg: Config, messages: number): Promise<Measured> {
  const net = new IPCNetwork();
  const settings = new NetworkSettings().withReliableStageParameters({ windowSize: 32 });
  const mk = (): NetworkDriver => NetworkDriver.create({ networkInterface: new IPCNetworkInterface(net), settings });
  const server = mk();
  const client = mk();
  await server.bind(NetworkEndpoint.loopbackIpv4);
  server.listen();
  await client.bind(NetworkEndpoint.loopbackIpv4);
  // Same ids on both peers (§4.1): 1 = [Reliable], 2 = [UnreliableSequenced], 3 = [Fragmentation, Reliable].
  for (const d of [server, client]) {
    d.createPipeline(ReliableSequencedPipelineStage);
    d.createPipeline(UnreliableSequencedPipelineStage);
    d.createPipeline(FragmentationPipelineStage, ReliableSequencedPipelineStage);
  }
  const pipeline = cfg.pipe === 'pipeline 0' ? NetworkPipeline.Null
    : new NetworkPipeline(cfg.pipe === '[Reliable]' ? 1 : cfg.pipe === '[UnreliableSequenced]' ? 2 : 3);

  let t = 1000;
  const ev = new NetworkEvent();
  let serverConn: NetworkConnection | null = null;
  const conn = client.connect(server.localEndpoint());
  for (let i = 0; i < 50 && !serverConn; i++) {
    t += 16;
    client.update(t);
    server.update(t);
    serverConn = server.accept();
  }
  if (!serverConn) throw new Error('no connection');
  client.update(t += 16);
  while (client.popEvent(ev) !== NetworkEventType.Empty) { /* Connect */ }

  // Count from here on: every datagram either way, including those the loss then drops.
  // Seeded, so that "random" loss is the same on every run.
  const rng = new SeededRandom(0x5eed + cfg.size + Math.round(cfg.loss * 1000));
  const random = (): number => rng.nextFloat();
  const expectedData = SCL + stageHeader(cfg.pipe);
  const fragSize = (cfg.pipe === '[Fragmentation, Reliable]' && cfg.size > MTU - expectedData) ? MTU : expectedData + cfg.size;
  const m: Measured = {
    sent: 0, delivered: 0, wireBytes: 0, datagrams: 0, resends: 0, acks: 0, oddSizes: 0,
    byKind: { data: { packets: 0, bytes: 0 }, ack: { packets: 0, bytes: 0 }, heartbeat: { packets: 0, bytes: 0 }, other: { packets: 0, bytes: 0 } },
  };
  net.filter = (bytes) => {
    m.wireBytes += bytes.length;
    m.datagrams++;
    const kind = bytes[0] === 3 && bytes.length === HEARTBEAT ? 'heartbeat'
      : bytes[0] !== 1 ? 'other'
        : bytes[9] !== 0 && bytes[9] !== 2 && bytes[10] === 1 ? 'ack' : 'data';
    m.byKind[kind].packets++;
    m.byKind[kind].bytes += bytes.length;
    if (kind === 'data' && bytes.length !== fragSize) m.oddSizes++;
    return cfg.loss === 0 || random() >= cfg.loss;
  };

  const payload = new Uint8Array(cfg.size);
  const reliable = cfg.pipe === '[Reliable]' || cfg.pipe === '[Fragmentation, Reliable]';
  const perTick = 2;
  let idle = 0;
  for (let tick = 0; tick < 20_000; tick++) {
    t += 16;
    client.update(t);
    while (client.popEvent(ev) !== NetworkEventType.Empty) { /* acks only */ }
    for (let k = 0; k < perTick && m.sent < messages; k++) {
      payload[0] = m.sent & 0xff;
      const r = client.send(conn, pipeline, payload);
      if (r === -5) break; // window full: again next tick
      if (r < 0) throw new Error(`send failed: ${r}`);
      m.sent++;
    }
    client.flush();
    server.update(t);
    let got = 0;
    while (server.popEvent(ev) !== NetworkEventType.Empty) {
      if (ev.type === NetworkEventType.Data) {
        if (ev.data.length !== cfg.size) throw new Error(`delivered ${ev.data.length} B, sent ${cfg.size} B`);
        m.delivered++;
        got++;
      }
    }
    server.flush();
    if (m.sent === messages) {
      if (reliable ? m.delivered === messages : got === 0) idle++;
      // Let the last acks settle before stopping the count.
      if (idle > 20) break;
    }
  }
  if (reliable && m.delivered !== messages) throw new Error(`${cfg.pipe}: delivered ${m.delivered} of ${messages}`);
  net.filter = null;
  for (const d of [client, server]) {
    const c = d === client ? conn : serverConn;
    for (const p of d.getConnectionStatistics(c)?.pipelines ?? []) {
      m.resends += p.packetsResent;
      m.acks += p.acksSent;
    }
  }
  client.dispose();
  server.dispose();
  return m;
}

/** The model: header sizes from the spec, counts of what the stream did. */
function model(cfg: Config, m: Measured): { bytes: number; data: number; resend: number; ack: number; heartbeat: number } {
  const k = fragments(cfg.pipe, cfg.size);
  const perFragmentHeader = SCL + stageHeader(cfg.pipe);
  const message = k * perFragmentHeader + cfg.size;
  // Resends re-send one fragment; every fragment of a stream has the same size (see PIPES).
  const fragment = perFragmentHeader + cfg.size / k;
  const data = m.sent * message;
  const resend = m.resends * fragment;
  const ack = m.acks * ACK_ONLY;
  const heartbeat = m.byKind.heartbeat.packets * HEARTBEAT;
  return { bytes: data + resend + ack + heartbeat, data, resend, ack, heartbeat };
}

export const wireBytes: Suite = {
  name: 'wire-bytes',
  goal: 1.0,
  better: 'exact',
  unit: 'B/msg',
  description: 'Bytes on the wire per delivered message (both directions, ack-only packets, resends and heartbeats counted) '
    + 'vs the UTP header model, on pipeline 0, [Reliable], [UnreliableSequenced] and [Fragmentation, Reliable], '
    + 'three payload sizes each, 0 % and 5 % loss.',
  async run(opts) {
    const messages = opts.quick ? 200 : 1000;
    const rounds: Round[] = [];
    const details: string[] = [
      `model: data packet = ${SCL} (SCL 9 + pipeline 1) + stage headers (Reliable ${RELIABLE}, UnreliableSequenced ${SEQ16}, `
        + `Fragmentation ${SEQ16}) + payload; fragments of ${MTU - SCL - RELIABLE - SEQ16} B; ack-only ${ACK_ONLY} B; heartbeat ${HEARTBEAT} B; `
        + 'resends = measured count × fragment size.',
      'configuration                                sent  deliv  data pkts  resends  acks  hbeats   wire B   model B  B/deliv  odd',
    ];
    let n = 0;
    for (const { pipe, sizes } of PIPES) {
      for (const size of sizes) {
        for (const loss of LOSSES) {
          const cfg = { pipe, size, loss };
          const m = await stream(cfg, messages);
          const mod = model(cfg, m);
          const label = `${pipe} ${size} B ${Math.round(loss * 100)} % loss`;
          const ours = m.wireBytes / m.delivered;
          const base = mod.bytes / m.delivered;
          rounds.push({
            round: ++n, label, order: 'ours-first', ratio: ours / base,
            ours: { value: ours, extra: { sent: m.sent, delivered: m.delivered, datagrams: m.datagrams, resends: m.resends, acks: m.acks, heartbeats: m.byKind.heartbeat.packets, oddSizes: m.oddSizes } },
            baseline: { value: base, extra: { dataBytes: mod.data, resendBytes: mod.resend, ackBytes: mod.ack, heartbeatBytes: mod.heartbeat } },
          });
          details.push(`${label.padEnd(42)} ${String(m.sent).padStart(5)} ${String(m.delivered).padStart(6)} ${String(m.byKind.data.packets).padStart(10)} `
            + `${String(m.resends).padStart(8)} ${String(m.acks).padStart(5)} ${String(m.byKind.heartbeat.packets).padStart(7)} `
            + `${String(m.wireBytes).padStart(8)} ${String(mod.bytes).padStart(9)} ${ours.toFixed(2).padStart(8)} ${String(m.oddSizes + m.byKind.other.packets).padStart(4)}`);
          opts.log(`  ${this.name}: ${label}: ${ours.toFixed(2)} B/msg on the wire, model ${base.toFixed(2)} (ratio ${(ours / base).toFixed(6)})`);
        }
      }
    }
    const exact = rounds.filter((r) => Math.abs(r.ratio - 1) <= 1e-9).length;
    return {
      rounds,
      details,
      note: `${messages} messages per configuration, 2 per 16 ms tick of a fake clock, two drivers on an IPCNetwork whose `
        + 'filter counts every datagram (then drops it with the seeded loss). "odd" = data packets of a size the model does not '
        + 'predict plus packets of any other kind (must be 0). Deterministic: every run gives the same bytes.',
      checks: [{ label: 'configurations matching the model to the byte', value: `${exact} of ${rounds.length}`, goal: 'all', met: exact === rounds.length }],
    };
  },
};
