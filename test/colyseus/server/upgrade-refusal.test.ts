// A stock Colyseus client, or any WebSocket upgrade on a path other than the tunnel's, is refused at once.
import { connect } from 'node:net';
import { Client as StockClient } from '@colyseus/sdk';
import { logger } from '@colyseus/core';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { UPGRADE_REFUSAL_REASON } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, type UtpTestServer } from '../helpers.ts';

let boot: UtpTestServer;
beforeAll(async () => { boot = await bootUtp(); });
afterAll(async () => { await boot?.shutdown(); });
afterEach(() => { vi.restoreAllMocks(); });

/** Sends `request` on a raw TCP socket and returns everything the server wrote before closing. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('upgrades UtpTransport does not serve', () => {
  it('a stock @colyseus/sdk Client: the join fails at once with 4002 and a reason naming UtpSDK, logged once', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => {});
    expect(boot.transport.stats.refusedUpgrades).toBe(0);
    const stock = new StockClient(`ws://127.0.0.1:${boot.port}`);
    for (let i = 0; i < 2; i++) {
      const error = await stock.joinOrCreate('game').then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error); // the SDK's MatchMakeError, from the close frame
      expect(error).toMatchObject({ code: 4002, message: UPGRADE_REFUSAL_REASON });
    }
    expect(boot.transport.stats.refusedUpgrades).toBe(2);
    const refusals = warn.mock.calls.filter((args) => String(args[0]).includes('refused a WebSocket upgrade'));
    expect(refusals).toHaveLength(1);
    expect(String(refusals[0][0])).toMatch(/refused a WebSocket upgrade on '\/[\w-]+\/[\w-]+\?sessionId=/); // the room's path
  });

  it('a raw WebSocket handshake on another path: 101, then a close frame 4002 with the reason', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${boot.port}/abc/def`);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    expect(closed).toEqual({ code: 4002, reason: UPGRADE_REFUSAL_REASON });
  });

  it('an upgrade that is not a valid WebSocket handshake (curl): 400 with a body naming UtpSDK', async () => {
    const reply = await rawRequest(boot.port, 'GET /abc/def HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain(UPGRADE_REFUSAL_REASON);
  });

  it('leaves upgrades alone when the application listens for them too', async () => {
    const own = await bootUtp();
    try {
      // An application's own WebSocket endpoint on the same HTTP server, added after listen.
      const wss = new WebSocketServer({ noServer: true });
      own.transport.server.on('upgrade', (req, socket, head) => {
        if (req.url === '/chat') wss.handleUpgrade(req, socket, head, (ws) => ws.send('hello'));
      });
      const ws = new WebSocket(`ws://127.0.0.1:${own.port}/chat`);
      const first = await new Promise<string>((resolve, reject) => {
        ws.on('message', (m) => resolve(m.toString()));
        ws.on('close', (code) => reject(new Error(`closed ${code}`)));
      });
      expect(first).toBe('hello');
      ws.close();
      expect(own.transport.stats.refusedUpgrades).toBe(0);
    } finally {
      await own.shutdown();
    }
  });
});
