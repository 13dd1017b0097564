import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A port that TCP and UDP can both bind on `host` right now (released before returning), for servers that must
 * know their port before listening: a `publicAddress`, a restart on the same port. Another process may take it in
 * between; callers that cannot afford that retry.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, host, () => resolve((tcp.address() as { port: number }).port));
    });
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => { try { udp.close(() => resolve()); } catch { resolve(); } });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) return port;
    if (attempt > 20) throw new Error(`no port free for both TCP and UDP on ${host}`);
  }
}
