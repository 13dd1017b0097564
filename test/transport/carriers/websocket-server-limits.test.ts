// WebSocketServerInterface's bounds on what clients can make it hold (issue 13): sockets in total and per address,
// sockets that never speak, and packets for a peer that stopped reading. Real sockets on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConnectionState } from '../../../plugin/index.ts';
import { connectPair, disposeAll, wsClient, wsServer } from '../../support/websocket.ts';
import { until } from '../../support/pump.ts';

afterEach(disposeAll);

/** Opens a raw `ws` socket; resolves with it once open, or with the HTTP status that refused it. */
function open(url: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

describe('WebSocketServerInterface limits', () => {
  it('answers 503 beyond maxSocketsPerAddress, and counts it', async () => {
    const { iface, url } = await wsServer({ maxSocketsPerAddress: 2 });
    const a = await open(url), b = await open(url), c = await open(url);
    expect([a, b].every((s) => s instanceof WebSocket)).toBe(true);
    expect(c).toBe(503);
    expect(iface.stats.refusedUpgrades).toBe(1);
    for (const s of [a, b]) (s as WebSocket).terminate();
  });

  it('closes a socket that sends nothing after its upgrade (1008)', async () => {
    const { iface, url } = await wsServer({ silentSocketTimeoutMS: 50 });
    const ws = (await open(url)) as WebSocket;
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    expect(code).toBe(1008);
    expect(iface.stats.silentSocketsClosed).toBe(1);
    await until(() => iface.socketCount === 0, 'the socket forgotten');
  });

  it('drops packets for a peer whose socket already buffers maxBufferedBytes, instead of growing without limit', async () => {
    const { driver: server, iface } = await wsServer({ maxBufferedBytes: 0 });
    const client = wsClient();
    const { s } = await connectPair(server, client, server.localEndpoint());
    // One flush: the first packet sits in the corked socket's buffer, so the rest count as dropped.
    for (let i = 0; i < 5; i++) server.send(s, 0, new Uint8Array(100));
    server.flush();
    expect(iface.stats.packetsDropped).toBe(4);
    expect(server.getConnectionState(s)).toBe(ConnectionState.Connected);
  });
});
