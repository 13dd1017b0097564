import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import {
  ConnectionState, DisconnectReason, NetworkEndpoint, NetworkEventType, WebSocketNetworkInterface,
  wsPackageWebSocket, type WebSocketConstructor,
} from '../../../plugin/index.ts';
import { cleanup, connectPair, disposeAll, drain, wsClient, wsServer } from '../../support/websocket.ts';
import { str, text } from '../../support/hex.ts';
import { pump } from '../../support/pump.ts';

afterEach(disposeAll);

const fixture = (name: string) => readFileSync(new URL(`../../support/fixtures/${name}`, import.meta.url));

describe('NetworkDriver over WebSocket (Node client ↔ Node server), pipeline 0', () => {
  it('connects with a payload, echoes both ways at the 1376-byte limit, and disconnects cleanly', async () => {
    const { driver: server, iface, url } = await wsServer();
    const client = wsClient();
    const to = server.localEndpoint();
    const { c, s, payload } = await connectPair(server, client, to, text('hello'));
    expect(str(payload!)).toBe('hello');
    expect(server.remoteEndpoint(s)!.address).toBe('127.0.0.1');
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/utp$/);

    // WS budget (§2.4): maxMessageSize 1400 − 14 (frame) − 9 (SCL) − 1 (pipeline id) = 1376 on pipeline 0.
    expect(client.maxPayloadSize(c, 0)).toBe(1376);
    expect(client.send(c, 0, new Uint8Array(1377))).toBe(-4);
    const big = new Uint8Array(1376).map((_, i) => i & 0xff);
    expect(client.send(c, 0, big)).toBe(1376);
    const got: Uint8Array[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) server.send(s, 0, e.data);
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(e.data);
      return got.length === 1;
    });
    expect(got[0]).toEqual(big);

    client.disconnect(c);
    const reasons: number[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0 && iface.socketCount === 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote]); // from the SCL Disconnect, then the socket closes (1000)
  });

  it('two connections share one socket; it closes only after the second disconnects', async () => {
    const { driver: server, iface } = await wsServer();
    const client = wsClient();
    const a = await connectPair(server, client, server.localEndpoint());
    const b = await connectPair(server, client, server.localEndpoint());
    expect(iface.socketCount).toBe(1); // one driver, one server endpoint: one WebSocket, like one UDP socket
    client.disconnect(a.c);
    const reasons: number[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    client.send(b.c, 0, text('still here'));
    const got: string[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { got.push(str(e.data)); server.send(b.s, 0, e.data); }
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(`echo ${str(e.data)}`);
      return got.length === 2;
    });
    expect(got).toEqual(['still here', 'echo still here']);
    expect(iface.socketCount).toBe(1);
    client.disconnect(b.c);
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length === 2 && iface.socketCount === 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote, DisconnectReason.ClosedByRemote]);
  });

  it('a server-side disconnect reaches the client as ClosedByRemote and closes the socket', async () => {
    const { driver: server, iface } = await wsServer();
    const client = wsClient();
    const { c, s } = await connectPair(server, client, server.localEndpoint());
    server.disconnect(s);
    const reasons: number[] = [];
    await pump([client, server], () => {
      for (const e of drain(client)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0 && iface.socketCount === 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote]);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Disconnected);
  });

  it('tells the server driver at once when a client socket goes away without a UTP Disconnect', async () => {
    const { driver: server } = await wsServer();
    const client = wsClient();
    const { s } = await connectPair(server, client, server.localEndpoint());
    client.dispose(); // drops the connection without a Disconnect packet (UTP Dispose); the socket closes
    const reasons: number[] = [];
    await pump([server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    expect(reasons).toEqual([DisconnectReason.ClosedByRemote]); // not a 30 s SCL timeout
    expect(server.getConnectionState(s)).toBe(ConnectionState.Disconnected);
  });

  it('a socket that cannot open ends the connection with MaxConnectionAttempts (§6.3)', async () => {
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r())); // nothing listens there now
    const client = wsClient();
    const c = client.connect(NetworkEndpoint.parse('127.0.0.1', port));
    const reasons: number[] = [];
    await pump([client], () => {
      for (const e of drain(client)) if (e.type === NetworkEventType.Disconnect) reasons.push(e.data[0]);
      return reasons.length > 0;
    });
    expect(reasons).toEqual([DisconnectReason.MaxConnectionAttempts]);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Disconnected);
  });

  it('falls back to the ws package without a global WebSocket (Node 20), and takes a url option', async () => {
    const { driver: server, url } = await wsServer();
    const iface = new WebSocketNetworkInterface({ url });
    const client = wsClient(iface);
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
    try {
      await client.bind(NetworkEndpoint.anyIpv4); // resolves the implementation: ws
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
    const { c, s } = await connectPair(server, client, iface.serverEndpoint);
    expect(iface.serverEndpoint.address).toBe(url);
    client.send(c, 0, text('via ws'));
    const got: string[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { got.push(str(e.data)); server.send(s, 0, e.data); }
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(`echo ${str(e.data)}`);
      return got.length === 2;
    });
    expect(got).toEqual(['via ws', 'echo via ws']);
  });

  it('wsPackageWebSocket() gives the ws client in the WebSocket shape', async () => {
    const Ws = await wsPackageWebSocket();
    const { url } = await wsServer();
    const socket = new Ws(url);
    await new Promise<void>((r) => { socket.onopen = () => r(); });
    expect(socket.readyState).toBe(1);
    socket.close(1000);
  });

  it('listen() on a client interface throws, as on WebGL (§2.3)', async () => {
    const client = wsClient();
    await client.bind(NetworkEndpoint.anyIpv4);
    expect(() => client.listen()).toThrow(/cannot listen/);
  });
});

describe('WebSocketServerInterface hosting', () => {
  it('shares an existing http.Server: takes its path only, leaves other requests and upgrades alone', async () => {
    const http = createHttpServer((_req, res) => res.end('ok'));
    cleanup.push(() => http.close());
    const other: string[] = [];
    http.on('upgrade', (req, socket) => { if (req.url !== '/utp') { other.push(req.url!); socket.destroy(); } });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    const { driver: server } = await wsServer({ server: http });
    expect(server.localEndpoint().port).toBe(port);

    const client = wsClient();
    const { c, s } = await connectPair(server, client, NetworkEndpoint.parse('127.0.0.1', port));
    expect(client.getConnectionState(c)).toBe(ConnectionState.Connected);
    expect(server.getConnectionState(s)).toBe(ConnectionState.Connected);
    const body = await new Promise<string>((resolve) => httpGet(`http://127.0.0.1:${port}/health`, (res) => {
      let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b));
    }));
    expect(body).toBe('ok');
    const ws = new WsWebSocket(`ws://127.0.0.1:${port}/colyseus`);
    await new Promise((r) => ws.once('error', r).once('close', r));
    expect(other).toEqual(['/colyseus']);
    server.dispose();
    expect(http.listening).toBe(true); // ours to keep
  });

  it('serves wss:// from { tls: { cert, key } }', async () => {
    const cert = fixture('localhost-cert.pem');
    const { driver: server } = await wsServer({ tls: { cert, key: fixture('localhost-key.pem') } });
    const port = server.localEndpoint().port;
    // Trust the test certificate: the ws package's client with a CA, in the WebSocketConstructor shape.
    const Trusting = class extends WsWebSocket {
      constructor(url: string) { super(url, { ca: cert, perMessageDeflate: false }); }
    } as unknown as WebSocketConstructor;
    const iface = new WebSocketNetworkInterface({ url: `wss://127.0.0.1:${port}/utp`, WebSocket: Trusting });
    const client = wsClient(iface);
    const { c, s } = await connectPair(server, client, iface.serverEndpoint);
    client.send(c, 0, text('secure'));
    const got: string[] = [];
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) got.push(str(e.data));
      return got.length === 1;
    });
    expect(got).toEqual(['secure']);
    expect(server.getConnectionState(s)).toBe(ConnectionState.Connected);
  });
});
