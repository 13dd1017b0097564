import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makeBenchPki } from '../lib/dtls-pki.ts';
import { runEchoPair } from '../lib/echo-pair.ts';
import { alternate } from '../lib/rounds.ts';
import type { Check, Suite } from '../lib/types.ts';
import { NetworkSettings } from '../../plugin/transport/index.ts';
import { NetworkEndpoint } from '../../plugin/transport/api/endpoint.ts';
import { DtlsLayer, DTLS_HEADER_SIZE } from '../../plugin/transport/layers/dtls-layer.ts';
import { chaChaImplementation } from '../../plugin/transport/layers/dtls-library.ts';
import type { LayerLinks } from '../../plugin/transport/stack/layer.ts';

const spec = { pipeline: 'reliable', inflight: 32, size: 64, window: 32, carrier: 'dtls', baselineCarrier: 'udp' } as const;

export const dtlsPingpong: Suite = {
  name: 'dtls-pingpong',
  goal: 0.5,
  unit: 'msg/s',
  description: `Reliable ping-pong over DTLS 1.2 (ChaCha20-Poly1305): ${spec.inflight} messages of ${spec.size} B in flight on [ReliableSequenced], vs the same over plain UDP.`,
  async unavailable() {
    try { execFileSync('openssl', ['version'], { stdio: 'pipe' }); return null; } catch { return 'openssl not installed (apt-get install openssl)'; }
  },
  async run(opts) {
    const pki = makeBenchPki();
    process.env.UTP_BENCH_PKI = pki.dir;
    try {
      const rounds = await alternate(this.name, opts, (side) => runEchoPair(side, spec, opts), this.unit);
      const local = await inProcess(pki.dir, opts.quick ? 500 : 2000);
      const checks: Check[] = [{
        label: 'bytes per packet = UTP packet + 29 (spec §2.4)',
        value: local.overheads.join(', '),
        goal: `${DTLS_HEADER_SIZE}`,
        met: local.overheads.every((o) => o === DTLS_HEADER_SIZE),
      }];
      return {
        rounds,
        checks,
        details: [
          `handshakes per second, client and server in one process, 32 at a time (ECDHE + ECDSA P-256, cookie, certificate checks): ${local.handshakesPerSecond.toFixed(0)}`,
          `record overhead for plaintexts of ${local.sizes.join(', ')} B: ${local.overheads.join(', ')} B`,
          `ChaCha20-Poly1305 records sealed by ${chaChaImplementation() === 'sodium' ? 'libsodium (sodium-native)' : 'node:crypto (sodium-native not installed)'}`,
        ],
        note: 'Both sides: the full UTP path with the reliable pipeline; ours has a DtlsLayer in its stack (werift-dtls, '
          + 'ChaCha20-Poly1305) on UDP, the baseline on plain UDP. Handshakes/s and bytes per packet are measured in-process.',
      };
    } finally {
      pki.dispose();
    }
  },
};

/** Handshakes per second between two DtlsLayers joined in memory, and the bytes a record adds to a packet. */
async function inProcess(dir: string, ms: number): Promise<{ handshakesPerSecond: number; sizes: number[]; overheads: number[] }> {
  const pem = (n: string) => readFileSync(`${dir}/${n}`, 'utf8');
  const endpoint = (a: string, p: number) => NetworkEndpoint.parse(a, p);
  const server = new DtlsLayer(new NetworkSettings().withSecureServerParameters(pem('server.pem'), pem('server.key')), { limits: { maxSessions: 1 << 20 } });
  const clientSettings = new NetworkSettings().withSecureClientParameters(pem('ca.pem'), 'bench.test');
  let now = performance.now();
  const queue: (() => void)[] = [];
  let connected = 0;
  let last: { bytes: Uint8Array; port: number } | undefined;
  const clients = new Map<number, DtlsLayer>();
  const links = (self: string, port: number, onUp: (b: Uint8Array) => void): LayerLinks => ({
    get now() { return now; },
    settings: clientSettings,
    ready: true,
    error: () => {},
    up: (b, s, e) => onUp(b.subarray(s, e)),
    down: (b, s, e, to) => {
      const copy = b.slice(s, e);
      if (self === 'client') last = { bytes: copy, port };
      queue.push(self === 'server' ? () => clients.get(to.port)?.receive(copy, 0, copy.length, '10.0.0.1', 7777)
        : () => server.receive(copy, 0, copy.length, '10.0.0.2', port));
    },
    drop: () => {},
    closed: () => {},
    wake: () => {},
  });
  const start = performance.now();
  let port = 1000;
  const open = () => {
    const p = port++;
    const c = new DtlsLayer(clientSettings);
    clients.set(p, c);
    c.attach(links('client', p, () => {}));
    c.connectionOpened(endpoint('10.0.0.1', 7777));
    const probe = Buffer.from('x');
    c.send(probe, 0, 1, endpoint('10.0.0.1', 7777));   // held, sent on connect: counts the handshake
  };
  let received = 0;
  server.attach(links('server', 7777, () => { received++; }));
  for (let i = 0; i < 32; i++) open();   // werift polls between some flights (100 ms steps): many at once measure CPU, not latency
  // At least 8 handshakes (a busy machine may need longer than `ms`), at most 15 s.
  while ((performance.now() - start < ms || received < 8) && performance.now() - start < 15_000) {
    now = performance.now();
    for (const f of queue.splice(0)) f();
    server.update(now);
    for (const c of clients.values()) c.update(now);
    if (received > connected) {
      for (; connected < received; connected++) open();
      for (const [p, c] of clients) if (c.sessionState('10.0.0.1', 7777) === 'connected') { c.dispose(); clients.delete(p); server.connectionClosed(endpoint('10.0.0.2', p)); }
    }
    await new Promise((r) => setImmediate(r));
  }
  const handshakesPerSecond = (received * 1000) / (performance.now() - start);

  // Bytes per packet: one more pair, connected, and plaintexts of several sizes.
  open();
  const p = port - 1;
  const c = clients.get(p)!;
  while (c.sessionState('10.0.0.1', 7777) !== 'connected') {
    now = performance.now();
    for (const f of queue.splice(0)) f();
    server.update(now);
    c.update(now);
    await new Promise((r) => setImmediate(r));
  }
  const sizes = [1, 10, 100, 1000, 1400 - DTLS_HEADER_SIZE];
  const overheads = sizes.map((n) => {
    c.send(new Uint8Array(n), 0, n, endpoint('10.0.0.1', 7777));
    return last!.port === p ? last!.bytes.length - n : -1;
  });
  server.dispose();
  for (const l of clients.values()) l.dispose();
  return { handshakesPerSecond, sizes, overheads };
}
