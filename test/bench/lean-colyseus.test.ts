import { createServer, type Server as HttpServer } from 'node:http';
import { Room } from '@colyseus/core';
import { schema, t } from '@colyseus/schema';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeepAliveHttp } from '../../bench/lib/keep-alive-http.ts';
import { LeanColyseusClients } from '../../bench/lib/lean-colyseus.ts';
import { UtpTransport } from '../../plugin/colyseus/server/index.ts';
import { startColyseusServer, type StartedColyseusServer } from '../../plugin/colyseus/testing/index.ts';

const LeanPlayer = schema({ x: t.float32().default(0) }, 'LeanBenchPlayer');
const LeanState = schema({ players: t.map(LeanPlayer), tick: t.uint32().default(0) }, 'LeanBenchState');
type S = InstanceType<typeof LeanState>;

/** What the server saw of the lean clients. */
const seen = { joins: 0, leaves: [] as number[], rooms: new Set<string>() };

class LeanRoom extends Room {
  override state = new LeanState();
  override onCreate(): void {
    this.maxClients = 4;
    this.patchRate = 50;
    seen.rooms.add(this.roomId);
    this.setSimulationInterval(() => { (this.state as S).tick++; }, 50);
  }
  override onJoin(client: { sessionId: string }): void {
    seen.joins++;
    (this.state as S).players.set(client.sessionId, new LeanPlayer());
  }
  override onLeave(client: { sessionId: string }, code?: number): void {
    seen.leaves.push(code ?? -1);
    (this.state as S).players.delete(client.sessionId);
  }
}

describe('LeanColyseusClients (the load generator of colyseus-cluster-*)', () => {
  let started: StartedColyseusServer;
  beforeAll(async () => {
    started = await startColyseusServer({
      transport: new UtpTransport({ webSocket: false, matchmaking: { roomCreation: false } }), rooms: { lean: LeanRoom },
    });
  });
  afterAll(async () => { await started?.shutdown(); });

  it('joins many clients over one socket as UtpSDK does: seats, initial state, patches, consented leave', async () => {
    const clients = await LeanColyseusClients.create();
    try {
      const rooms = await Promise.all(Array.from({ length: 10 }, () => clients.joinOrCreate(started.port, 'lean', {})));
      expect(seen.joins).toBe(10);
      expect(seen.rooms.size).toBe(3); // rooms of 4
      expect(new Set(rooms.map((r) => r.sessionId)).size).toBe(10);
      for (const r of rooms) expect(r.stateBytes).toBeGreaterThan(1);
      expect(clients.open).toBe(10);
      await vi.waitFor(() => { for (const r of rooms) expect(r.patches).toBeGreaterThan(2); }, { timeout: 5000 });
      const codes = await Promise.all(rooms.map((r) => r.leave()));
      expect(codes).toEqual(Array(10).fill(4000));
      await vi.waitFor(() => expect(seen.leaves).toEqual(Array(10).fill(4000)));
      expect(clients.open).toBe(0);
      const stats = clients.statistics();
      expect(stats.httpConnections).toBeGreaterThan(0);
      expect(stats.httpConnections).toBeLessThanOrEqual(10);
      expect(stats.packetsReceived).toBeGreaterThan(50);
    } finally {
      clients.dispose();
    }
  });

  it('reports a matchmaking error as a rejected join', async () => {
    const clients = await LeanColyseusClients.create();
    try {
      await expect(clients.joinOrCreate(started.port, 'no-such-room', {})).rejects.toThrow(/matchmake 5\d\d/);
      expect(clients.open).toBe(0);
    } finally {
      clients.dispose();
    }
  });
});

describe('KeepAliveHttp', () => {
  let server: HttpServer;
  let port = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        if (req.url === '/chunked') {
          res.writeHead(523, { 'content-type': 'application/json' });
          res.write('{"error":');
          setTimeout(() => res.end(`${body.length}}`), 5);
        } else if (req.url === '/close') {
          res.writeHead(200, { connection: 'close', 'content-length': '2' });
          res.end('ok');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ echo: JSON.parse(body) }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => { server.close(); });

  it('reuses one connection for requests in turn and reads fixed-length and chunked bodies', async () => {
    const http = new KeepAliveHttp();
    try {
      expect(await http.post(port, '/echo', '{"a":1}')).toEqual({ status: 200, body: '{"echo":{"a":1}}' });
      expect(await http.post(port, '/chunked', '{"b":22}')).toEqual({ status: 523, body: '{"error":8}' });
      expect(await http.post(port, '/echo', '{"c":"é"}')).toEqual({ status: 200, body: '{"echo":{"c":"é"}}' });
      expect(http.opened).toBe(1);
    } finally {
      http.close();
    }
  });

  it('opens a connection per concurrent request and replaces one the server closes', async () => {
    const http = new KeepAliveHttp();
    try {
      const replies = await Promise.all([1, 2, 3].map((n) => http.post(port, '/echo', `{"n":${n}}`)));
      expect(replies.map((r) => r.body)).toEqual(['{"echo":{"n":1}}', '{"echo":{"n":2}}', '{"echo":{"n":3}}']);
      expect(http.opened).toBe(3);
      expect((await http.post(port, '/close', '{}')).body).toBe('ok');
      await Promise.all([1, 2, 3].map((n) => http.post(port, '/echo', `{"n":${n}}`)));
      expect(http.opened).toBe(4); // the closed one was replaced, the other two reused
    } finally {
      http.close();
    }
  });
});
