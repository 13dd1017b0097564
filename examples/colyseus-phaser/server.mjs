// The game server: one Colyseus room over UtpTransport, and the built client on the same port.
//   PORT (default 2567) and HOST (default 127.0.0.1) choose where it listens; STATIC is the client's build folder.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { Room, Server } from '@colyseus/core';
import { UtpTransport } from 'utp-ts/colyseus/server';

/** Players move on the unreliable channel (the next position replaces a lost one); chat is reliable. */
export class Game extends Room {
  maxClients = 16;
  /** sessionId → last position, to show newcomers where everyone is. */
  positions = new Map();

  onCreate() {
    this.onMessage('move', (client, { x, y }) => {
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      this.positions.set(client.sessionId, { x, y });
      for (const other of this.clients) {
        if (other !== client) other.sendUnreliable?.('moved', { id: client.sessionId, x, y });
      }
    });
    this.onMessage('chat', (client, text) => {
      if (typeof text === 'string' && text.trim()) this.broadcast('chat', { id: client.sessionId, text: text.slice(0, 200) });
    });
  }

  onJoin(client) {
    client.send('welcome', { id: client.sessionId, players: Object.fromEntries(this.positions) });
  }

  onLeave(client) {
    this.positions.delete(client.sessionId);
    this.broadcast('left', { id: client.sessionId });
  }
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };

/** Starts the server; resolves with its port and a `stop()`. */
export async function startServer({ port = 2567, host = '127.0.0.1', staticDir = null } = {}) {
  const http = createServer();
  const transport = new UtpTransport({ server: http });
  const server = new Server({ transport, greet: false, gracefullyShutdown: false });
  server.define('game', Game);
  await server.listen(port, host);
  // Colyseus answers every HTTP request it sees (a banner at `/`): keep it for matchmaking, serve the client otherwise.
  const colyseus = http.listeners('request');
  http.removeAllListeners('request');
  http.on('request', (req, res) => {
    if (req.url?.startsWith('/matchmake') || req.method === 'OPTIONS') for (const handler of colyseus) handler.call(http, req, res);
    else void serveFile(staticDir, req, res);
  });
  return { port: http.address().port, stop: () => server.gracefullyShutdown(false) };
}

async function serveFile(dir, req, res) {
  const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
  try {
    if (!dir) throw new Error('no client');
    const body = await readFile(join(dir, path === '/' ? 'index.html' : path));
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'text/html; charset=utf-8' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { port } = await startServer({
    port: Number(process.env.PORT ?? 2567), host: process.env.HOST ?? '127.0.0.1', staticDir: process.env.STATIC ?? null,
  });
  console.log(`listening on http://${process.env.HOST ?? '127.0.0.1'}:${port} (HTTP, WebSocket and UDP)`);
}
