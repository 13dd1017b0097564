/**
 * The sample game server's HTTP surface against hostile clients on 127.0.0.1 (issue 13): static files never
 * served from outside their root whatever the encoding (percent, double, backslash, NUL, overlong UTF-8, sibling
 * directories), the relay demo's allocation API at /relay/v1/ limited per client address (429 counted, another
 * address still served) with large bodies refused and closed, slow clients cut off by the transport's timeouts.
 * Never an unhandled rejection, and the server keeps serving.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGameServer, type GameServer } from '../../server/game-server.ts';
import { post, rawHttp, watchProcessErrors } from '../support/raw-http.ts';

let game: GameServer;
let dir: string;
const watch = watchProcessErrors();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'utp-static-'));
  mkdirSync(join(dir, 'www/assets'), { recursive: true });
  mkdirSync(join(dir, 'www-secret'));
  writeFileSync(join(dir, 'www/index.html'), '<!doctype html>the game');
  writeFileSync(join(dir, 'www/assets/app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET-OUTSIDE');
  writeFileSync(join(dir, 'www-secret/s.txt'), 'SECRET-SIBLING');
  game = await startGameServer({
    port: 0, staticDir: join(dir, 'www'), relay: { port: 0 }, config: {},
    staticLimits: { requestsPerSecond: 0.01, burst: 60 }, // 60 at once, then (practically) none
    transport: { headersTimeoutMS: 300, requestTimeoutMS: 600, webRtc: false },
  });
});
afterAll(async () => {
  await game.shutdown();
  rmSync(dir, { recursive: true, force: true });
  watch.stop();
  expect(watch.errors).toEqual([]);
});

const get = (target: string | Buffer, localAddress?: string) => rawHttp(game.port, Buffer.concat([
  Buffer.from('GET '), Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
  Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
]), { localAddress });

describe('static files', () => {
  it('serves files under the root', async () => {
    const r = await get('/assets/app.js');
    expect(r.status).toBe(200);
    expect(r.text).toContain('console.log(1)');
    expect((await get('/')).text).toContain('the game');
  });

  it('never serves a file outside the root, however the path is written', async () => {
    const attempts = [
      '/../secret.txt', '/../../../../../../etc/passwd', '//../secret.txt', '/assets/../../secret.txt',
      '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt',
      '/%252e%252e%252fsecret.txt', '/..%252fsecret.txt', '/%25%32%65%25%32%65/secret.txt',
      '/..\\secret.txt', '/..%5csecret.txt', '/%5c..%5csecret.txt', '/assets\\..\\..\\secret.txt',
      '/%00', '/index.html%00', '/index.html%00.png', '/..%00/secret.txt', '/%2e%2e%00/secret.txt',
      '/%c0%ae%c0%ae/secret.txt', '/%c0%af..%c0%afsecret.txt', '/%',
      '/../www-secret/s.txt', '/..%2fwww-secret%2fs.txt', '/%2e%2e/www-secret/s.txt',
    ];
    for (const path of attempts) {
      const r = await get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect(r.text, path).not.toContain('SECRET');
    }
    // Raw bytes a URL parser would never produce: NUL and DEL in the request line.
    for (const bytes of [Buffer.from('/\x00../secret.txt', 'latin1'), Buffer.from('/..\x7f/secret.txt', 'latin1')]) {
      const r = await get(bytes);
      expect(r.text).not.toContain('SECRET');
      if (r.status !== null) expect(r.status).toBe(400);
    }
    expect((await get('/assets/app.js')).status).toBe(200); // still serving
  });

  it('answers a request flood from one address with 429 (counted) while another address is still served', async () => {
    const statuses: Array<number | null> = [];
    for (let i = 0; i < 100; i++) statuses.push((await get('/assets/app.js', '127.0.0.9')).status);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(200)); // the burst
    expect(statuses.filter((s) => s === 429).length).toBe(40);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(game.staticLimiter!.refused).toBe(statuses.filter((s) => s === 429).length);
    const other = await get('/assets/app.js', '127.0.0.10');
    expect(other.status).toBe(200);
    expect(other.text).toContain('console.log(1)');
  });

  it('answers 405 to other methods than GET and HEAD', async () => {
    const r = await rawHttp(game.port, 'DELETE /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(r.status).toBe(405);
  });
});

describe('relay allocation API on the game server', () => {
  it('limits allocation creation per client address (default 32 at once, then 2 per second) with 429', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < 32; i++) expect((await post(game.port, '/relay/v1/allocate', '{}', from)).status).toBe(201);
    // Tokens trickle back at 2 per second, so a refusal comes within a few more on any machine.
    let refused: { status: number; json: any } | null = null;
    for (let i = 0; i < 20 && !refused; i++) {
      const r = await post(game.port, '/relay/v1/allocate', '{}', from);
      if (r.status === 429) refused = r;
      else expect(r.status).toBe(201);
    }
    expect(refused?.json.detail).toBe('too many allocations from this address: try again in a few seconds');
    expect(game.relay!.allocationLimiter.refused).toBeGreaterThanOrEqual(1);
    expect((await post(game.port, '/relay/v1/allocate', '{}', '127.0.0.3')).status).toBe(201);
  });

  it('answers 400 to bad JSON and 413 to a large body, closing without reading it', async () => {
    expect((await post(game.port, '/relay/v1/joincode', '{"allocationId":', '127.0.0.4')).status).toBe(400);
    const announced = 64 * 1024 * 1024;
    const r = await rawHttp(game.port, `POST /relay/v1/allocate HTTP/1.1\r\nHost: x\r\nContent-Length: ${announced}\r\n\r\n`, {
      localAddress: '127.0.0.4', feed: { chunk: Buffer.alloc(64 * 1024, 0x20), everyMS: 5, count: 1024 },
    });
    expect(r.status).toBe(413);
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
  });
});

describe('slow clients', () => {
  it('closes a connection whose request line trickles in, and one whose body does (408)', async () => {
    const headers = await rawHttp(game.port, 'GET /index', { feed: { chunk: 'x', everyMS: 50, count: 200 } });
    expect([headers.status, headers.closedByServer, headers.fedAll]).toEqual([408, true, false]);
    const body = await rawHttp(game.port, 'POST /relay/v1/allocate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', {
      localAddress: '127.0.0.5', feed: { chunk: ' ', everyMS: 50, count: 100 },
    });
    expect([body.status, body.closedByServer, body.fedAll]).toEqual([408, true, false]);
    expect((await get('/')).status).toBe(200);
  });
});
