import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';

export const HOST = '127.0.0.1';

/**
 * A plain udp4 socket for the raw baselines, set up as UTP's own UDP interface is (4 MiB receive buffer,
 * synchronous lookup of numeric addresses) so the ratio measures the protocol, not socket options.
 */
export function rawSocket(): dgram.Socket {
  return dgram.createSocket({
    type: 'udp4',
    recvBufferSize: 4 << 20,
    lookup: (host: string, _o: unknown, cb: (e: Error | null, a: string, f: number) => void) => cb(null, host, 4),
  } as dgram.SocketOptions);
}

export function bindRaw(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, HOST, () => { socket.off('error', reject); resolve(socket.address().port); });
  });
}

/**
 * Datagrams the kernel dropped for the UDP socket bound to `port` (its receive buffer was full), from
 * /proc/net/udp and udp6 (Linux); 0 where that cannot be read.
 */
export function udpDrops(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 12 && f[1].endsWith(hex)) drops += Number(f[12]) || 0;
    }
  }
  return drops;
}

/** Datagrams the kernel dropped machine-wide because a UDP receive buffer was full (`RcvbufErrors` of /proc/net/snmp). */
export function udpReceiveErrors(): number {
  let text = '';
  try { text = readFileSync('/proc/net/snmp', 'utf8'); } catch { return 0; }
  const [names, values] = text.split('\n').filter((l) => l.startsWith('Udp:'));
  if (!names || !values) return 0;
  const i = names.split(/\s+/).indexOf('RcvbufErrors');
  return i < 0 ? 0 : Number(values.split(/\s+/)[i]) || 0;
}
