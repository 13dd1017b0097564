// Forged UDP requests against UtpTransport (issue 13): a stranger gets one accept and nothing else — no join attempt,
// no ERROR or close frames, no heartbeats — while a UtpSDK client joins as before; transport.stats.network shows it.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultServerSettings } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, type GameRoom, type UtpTestServer } from '../helpers.ts';
import { sleep } from '../../support/pump.ts';

let boot: UtpTestServer;
beforeAll(async () => {
  boot = await bootUtp({ settings: defaultServerSettings().withNetworkConfigParameters({ heartbeatTimeoutMS: 50 }) });
});
afterAll(async () => { await boot.shutdown(); });

describe('UtpTransport and strangers', () => {
  it('answers forged requests with one accept each, never more bytes, and still lets a real client join', async () => {
    const socket = dgram.createSocket('udp4');
    let received = 0, sent = 0;
    socket.on('message', (m) => { received += m.length; });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < 20; i++) {
      // A ConnectionRequest with a join payload for a room that does not exist, as UtpSDK would send it.
      const payload = Buffer.from(`/nope/room${i}?sessionId=s${i}`);
      const request = Buffer.concat([Buffer.from([0x55, 0x54, 0x50, 0x01, 0x01, 9, 9, 9, 9, 9, 9, 9, i]), Buffer.from([payload.length, 0]), payload]);
      socket.send(request, boot.port, '127.0.0.1');
      sent += request.length;
    }
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const client = await boot.colyseus.connectTo(room); // a real client meanwhile
    await sleep(500); // ten heartbeat intervals: a proven peer would have had heartbeats by now
    socket.close();
    expect(received).toBe(20 * 13); // one bare accept per request, nothing else
    expect(received).toBeLessThanOrEqual(sent);
    const network = boot.transport.stats.network!;
    expect(network.admission.halfOpen).toBe(20);
    expect(network.connections).toBeGreaterThanOrEqual(21);
    expect(boot.transport.connectionCount).toBe(1); // only the real client reached Colyseus
    await client.leave();
  });
});
