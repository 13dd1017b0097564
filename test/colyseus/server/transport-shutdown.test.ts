// Graceful shutdown: every client, on either carrier, leaves with 4001 and the transport stops.
import { describe, expect, it } from 'vitest';
import { CloseCodes } from '../../../plugin/colyseus/index.ts';
import { bootUtp, type GameRoom } from '../helpers.ts';

describe('server shutdown', () => {
  it('closes every client with 4001 (onLeave), then stops HTTP, UDP and the tunnel', async () => {
    // Also: an Express app on the same HTTP server, next to core's matchmaking routes.
    const boot = await bootUtp({}, { express: (app: any) => { app.get('/hello', (_req: unknown, res: { send(s: string): void }) => res.send('hi')); } });
    expect(await (await fetch(`${boot.endpoint}/hello`)).text()).toBe('hi');
    const room = await boot.colyseus.createRoom<GameRoom>('game');
    const udp = await boot.sdk({ carrier: 'udp' }).joinById(room.roomId);
    const ws = await boot.sdk({ carrier: 'websocket' }).joinById(room.roomId);
    const codes = Promise.all([udp, ws].map((c) => new Promise<number>((resolve) => c.onLeave((code) => resolve(code)))));
    let dropped = false;
    for (const c of [udp, ws]) c.onDrop(() => { dropped = true; });
    await boot.shutdown();
    expect(await codes).toEqual([CloseCodes.SERVER_SHUTDOWN, CloseCodes.SERVER_SHUTDOWN]);
    expect(dropped).toBe(false);
    expect(boot.transport.connectionCount).toBe(0);
    expect(boot.transport.driver).toBeNull();
    expect(boot.transport.server.listening).toBe(false);
  });
});
