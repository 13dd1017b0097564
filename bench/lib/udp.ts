import dgram from 'node:dgram';

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
