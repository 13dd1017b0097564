/** A DtlsSessionTable on a real UDP socket (127.0.0.1, ephemeral port), pumped by a timer, for interop tests. */
import { createSocket } from 'node:dgram';
import type { DtlsClientConfig, DtlsServerConfig } from '../../../plugin/transport/layers/dtls-session.ts';
import { DtlsSessionTable, type DtlsCloseReason, type DtlsTableLimits } from '../../../plugin/transport/layers/dtls-session-table.ts';
import { until } from '../../support/pump.ts';

export const defaultLimits: DtlsTableLimits = {
  maxSessions: 64, halfOpenTimeoutMS: 61_000, idleTimeoutMS: 30_000, reconnectionTimeoutMS: 0, pendingPackets: 8, cookieLifetimeMS: 30_000,
};

export interface UdpDtlsPeer {
  readonly table: DtlsSessionTable;
  readonly port: number;
  readonly received: { text: string; address: string; port: number }[];
  readonly closed: { reason: DtlsCloseReason; detail: string }[];
  readonly drops: Map<string, number>;
  /** Resolves when `f()` is true (checked on every event and every 10 ms). */
  until(f: () => boolean, ms?: number): Promise<void>;
  close(): void;
}

export async function udpDtlsPeer(config: DtlsClientConfig | DtlsServerConfig, limits: Partial<DtlsTableLimits> = {}): Promise<UdpDtlsPeer> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const received: UdpDtlsPeer['received'] = [];
  const closed: UdpDtlsPeer['closed'] = [];
  const drops = new Map<string, number>();
  const now = () => performance.now();
  const table = new DtlsSessionTable(config, { ...defaultLimits, ...limits }, {
    transmit: (d, length, peer) => socket.send(Buffer.from(d.subarray(0, length)), peer.port, peer.address),   // d is reused
    deliver: (p, peer) => received.push({ text: p.toString(), address: peer.address, port: peer.port }),
    drop: (reason) => drops.set(reason, (drops.get(reason) ?? 0) + 1),
    closed: (_a, _p, reason, detail) => closed.push({ reason, detail }),
    wake: () => {},
  });
  socket.on('message', (m, r) => table.receive(m, r.address, r.port, now()));
  const timer = setInterval(() => table.update(now()), 10);
  return {
    table, port: socket.address().port, received, closed, drops,
    until: (f, ms = 10_000) => until(f, 'a condition', ms, 10),
    close: () => { clearInterval(timer); table.dispose(); socket.close(); },
  };
}
