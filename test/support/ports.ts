// Ports for servers that must know their number before they listen (a Colyseus `publicAddress`, a restart on the
// same port): free for TCP and UDP on 127.0.0.1 when returned.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** A port that TCP and UDP can both bind on 127.0.0.1 right now (released before returning). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as { port: number }).port));
    });
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => { try { udp.close(() => resolve()); } catch { resolve(); } });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (udpFree) return port;
    if (attempt > 20) throw new Error('no port free for both TCP and UDP on 127.0.0.1');
  }
}
