// A small static file handler for the built client (sample-game/dist): GET/HEAD only, no directory listing, no
// path escaping the root, long caching for Vite's hashed assets, requests limited per client address.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { plainAddress } from '../plugin/transport/api/address.ts';
import { RateLimiter } from '../plugin/transport/api/rate-limiter.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>utp-ts arena</title>
<body style="font-family:system-ui;background:#1b1f2a;color:#eef;padding:2em">
<h1>The game client is not built</h1><p>Run <code>npm start</code> (it builds the client, then starts this server),
or <code>npm run build:game</code>, or use <code>npm run dev</code> for Vite's dev server.</p>`;

export interface StaticFilesOptions {
  /**
   * Requests per second per client address, and the burst (a page load fetches about ten files); beyond it 429.
   * Default 50 per second, bursts of 200.
   */
  requestsPerSecond?: number;
  burst?: number;
}

/** A request handler serving files under `root`; `limiter.refused` counts the 429s. */
export function staticFiles(root: string, options: StaticFilesOptions = {}): ((req: IncomingMessage, res: ServerResponse) => void) & { limiter: RateLimiter } {
  const base = resolve(root);
  const limiter = new RateLimiter(options.requestsPerSecond ?? 50, options.burst ?? 200);
  return Object.assign((req: IncomingMessage, res: ServerResponse) => {
    if (!limiter.allow(plainAddress(req.socket.remoteAddress ?? ''), performance.now())) {
      res.writeHead(429, { 'Content-Type': TYPES['.txt'], 'Retry-After': '1' }).end('too many requests from this address: try again in a second');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (path === '/index.html') res.writeHead(503, { 'Content-Type': TYPES['.html'] }).end(NOT_BUILT);
      else res.writeHead(404, { 'Content-Type': TYPES['.txt'] }).end('not found');
      return;
    }
    const hashed = path.startsWith('/assets/');
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }, { limiter });
}
