/**
 * UtpTransport's HTTP server against hostile clients on 127.0.0.1 (issue 13): Colyseus matchmaking (bodies over
 * `matchmaking.maxBodyBytes` 413/411 and closed unread, bad JSON 400, room creation limited per client address with
 * 429 and counted while another address is still served) and WebRTC signalling at /utp/rtc (bad offers 400, large
 * offers 413 and closed, offer floods 429 while another address still gets its answer); trickled headers and bodies
 * cut off by `headersTimeoutMS`/`requestTimeoutMS`. Never an unhandled rejection.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { matchMaker } from '@colyseus/core';
import { UtpTransport } from '../../../plugin/colyseus/server/index.ts';
import { bootUtp, type UtpTestServer } from '../helpers.ts';
import { post, rawHttp, watchProcessErrors } from '../../support/raw-http.ts';
import { rawPeer } from '../../support/webrtc.ts';
import { cleanup } from '../../support/websocket.ts';

let boot: UtpTestServer;
const watch = watchProcessErrors();

beforeAll(async () => {
  boot = await bootUtp({
    headersTimeoutMS: 300, requestTimeoutMS: 600,
    // Three rooms per address, then (practically) none: the refill is one per 1000 s.
    matchmaking: { maxBodyBytes: 4096, roomCreation: { perSecond: 0.001, burst: 3 } },
    webRtc: { iceAddress: '127.0.0.1' },
  });
});
afterEach(async () => {
  cleanup.splice(0).reverse().forEach((f) => f());
  await boot.colyseus.cleanup();
});
afterAll(async () => {
  await boot.shutdown();
  watch.stop();
  expect(watch.errors).toEqual([]);
});

const rooms = async () => (await matchMaker.query({ name: 'game' })).length;
const head = (path: string, headers: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`;

describe('matchmaking', () => {
  it('answers 413 to a body over maxBodyBytes and 411 to a chunked one, closing both unread', async () => {
    const announced = 64 * 1024 * 1024;
    const big = await rawHttp(boot.port, head('/matchmake/create/game', `Content-Length: ${announced}\r\n`), {
      feed: { chunk: Buffer.alloc(64 * 1024, 0x20), everyMS: 5, count: 1024 },
    });
    expect(big.status).toBe(413);
    expect(big.text).toContain('matchmaking request body over 4096 bytes');
    expect(big.text).toMatch(/access-control-allow-origin/i); // a page's SDK can read why
    expect(big.closedByServer).toBe(true);
    expect(big.fedAll).toBe(false);
    expect(big.bytesWritten).toBeLessThan(announced);

    const chunked = await rawHttp(boot.port, head('/matchmake/joinOrCreate/game', 'Transfer-Encoding: chunked\r\n'), {
      feed: { chunk: `400\r\n${' '.repeat(1024)}\r\n`, everyMS: 5, count: 2000 },
    });
    expect(chunked.status).toBe(411);
    expect(chunked.closedByServer).toBe(true);
    expect(chunked.fedAll).toBe(false);
    expect(boot.transport.stats.refusedMatchmakingBody).toBe(2);
    expect(await rooms()).toBe(0);
  });

  it('answers 400 to bad JSON and keeps serving', async () => {
    expect((await post(boot.port, '/matchmake/joinOrCreate/game', '{"name": ', '127.0.0.4')).status).toBe(400);
    expect((await post(boot.port, '/matchmake/joinOrCreate/game', '\u0000\u00ff', '127.0.0.4')).status).toBe(400);
    expect(await rooms()).toBe(0);
    const ok = await post(boot.port, '/matchmake/joinOrCreate/game', '{}', '127.0.0.4');
    expect(ok.status).toBe(200);
    expect(ok.json.roomId).toEqual(expect.any(String));
  });

  it('limits room creation per client address with 429 (counted), not joins, and serves other addresses', async () => {
    const before = boot.transport.stats.refusedRoomCreation;
    const from = '127.0.0.2';
    // joinOrCreate creates the first room (one of three), then joins it: joins are not counted.
    const first = await post(boot.port, '/matchmake/joinOrCreate/game', '{}', from);
    expect(first.status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await post(boot.port, '/matchmake/joinOrCreate/game', '{}', from)).json.roomId).toBe(first.json.roomId);
    expect(await rooms()).toBe(1);
    for (let i = 0; i < 2; i++) expect((await post(boot.port, '/matchmake/create/game', '{}', from)).status).toBe(200);
    expect(await rooms()).toBe(3);

    const refused = await post(boot.port, '/matchmake/create/game', '{}', from);
    expect(refused).toEqual({ status: 429, json: { code: 429, error: 'too many rooms created from this address: try again in a few seconds' } });
    for (let i = 0; i < 10; i++) expect((await post(boot.port, '/matchmake/create/game', '{}', from)).status).toBe(429);
    expect(await rooms()).toBe(3);
    // Joining stays possible; a joinOrCreate that would create (every room locked) is refused.
    expect((await post(boot.port, '/matchmake/joinOrCreate/game', '{}', from)).status).toBe(200);
    expect((await post(boot.port, '/matchmake/join/game', '{}', from)).status).toBe(200);
    expect((await post(boot.port, '/matchmake/joinById/' + first.json.roomId, '{}', from)).status).toBe(200);
    for (const r of await matchMaker.query({ name: 'game' })) await matchMaker.getLocalRoomById(r.roomId)!.lock();
    expect((await post(boot.port, '/matchmake/joinOrCreate/game', '{}', from)).status).toBe(429);
    expect(boot.transport.stats.refusedRoomCreation - before).toBe(12);
    expect(await rooms()).toBe(3);

    // Another address may still create.
    expect((await post(boot.port, '/matchmake/joinOrCreate/game', '{}', '127.0.0.3')).status).toBe(200);
    expect(await rooms()).toBe(4);
  });

  it("reaches the SDK as an error carrying the refusal's message", async () => {
    const from = '127.0.0.1';
    for (let i = 0; i < 3; i++) await post(boot.port, '/matchmake/create/game', '{}', from);
    await expect(boot.sdk().create('game')).rejects.toMatchObject({ code: 429, message: expect.stringContaining('too many rooms created from this address') });
  });
});

describe('slow clients', () => {
  it('closes a connection whose headers trickle in (headersTimeoutMS) with 408', async () => {
    const r = await rawHttp(boot.port, 'POST /matchmake/create/game HTTP/1.1\r\n', { feed: { chunk: 'a', everyMS: 50, count: 200 } });
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
    expect(r.status).toBe(408);
  });

  it('closes a connection whose body trickles in (requestTimeoutMS), creating nothing', async () => {
    const r = await rawHttp(boot.port, head('/matchmake/create/game', 'Content-Length: 200\r\n'), {
      localAddress: '127.0.0.5', feed: { chunk: ' ', everyMS: 50, count: 200 },
    });
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
    expect(r.status).toBe(408);
    expect(await rooms()).toBe(0);
  });

  it('defaults to 10 s for headers and 30 s for the whole request on its own server', () => {
    const t = new UtpTransport();
    expect([t.server.headersTimeout, t.server.requestTimeout]).toEqual([10_000, 30_000]);
  });
});

describe('WebRTC signalling', () => {
  const path = '/utp/rtc';

  it('answers 400 to an offer that is not SDP, 413 to a large one (closed unread)', async () => {
    const stats = boot.transport.webRtc!.stats;
    const bad = { ...stats };
    expect((await post(boot.port, path, '{"sdp": nope', '127.0.0.6')).status).toBe(400);
    const big = await rawHttp(boot.port, head(path, `Content-Length: ${64 * 1024 * 1024}\r\n`), {
      localAddress: '127.0.0.7', feed: { chunk: Buffer.alloc(64 * 1024, 0x61), everyMS: 5, count: 1024 },
    });
    expect(big.status).toBe(413);
    expect(big.closedByServer).toBe(true);
    expect(big.fedAll).toBe(false);
    const chunked = await rawHttp(boot.port, head(path, 'Transfer-Encoding: chunked\r\n'), {
      localAddress: '127.0.0.8', feed: { chunk: `400\r\n${'v'.repeat(1024)}\r\n`, everyMS: 5, count: 2000 },
    });
    expect(chunked.status).toBe(413);
    expect(chunked.closedByServer).toBe(true);
    expect(chunked.fedAll).toBe(false);
    expect(stats.refusedBadOffer - bad.refusedBadOffer).toBe(1);
    expect(stats.refusedTooLarge - bad.refusedTooLarge).toBe(2);
  });

  it('refuses an offer flood from one address with 429 while another address gets its answer', async () => {
    const stats = boot.transport.webRtc!.stats;
    const before = stats.refusedRateLimited;
    // Burst 5, then 2 per second: of 20 offers at once, at least the first 5 are read (400: not SDP), most refused.
    const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await post(boot.port, path, 'v=0 flood', '127.0.0.9')).status));
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s !== 400 && s !== 429)).toEqual([]);
    expect(stats.refusedRateLimited - before).toBe(statuses.filter((s) => s === 429).length);
    const { pc } = await rawPeer(`http://127.0.0.1:${boot.port}${path}`, 'utp');
    expect(pc.remoteDescription?.type).toBe('answer');
  }, 20_000);
});
