/**
 * The allocation API against hostile HTTP clients on 127.0.0.1 (issue 13): bodies over the limit (announced or
 * chunked) refused with 413 and the connection closed unread, bad JSON 400, trickled headers and bodies cut off
 * by the server's timeouts, and allocation creation limited per client address (429, counted) while another
 * address is still served. No unhandled rejection meanwhile.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NetworkEndpoint } from '../../../plugin/index.ts';
import { AllocationApi, AllocationStore, RateLimiter } from '../../../plugin/relay/node.ts';
import { FakeClock } from '../../support/clock.ts';
import { post, rawHttp, watchProcessErrors } from '../../support/raw-http.ts';

const endpoints = [{ connectionType: 'udp', host: '127.0.0.1', port: 7777, secure: false }];
let clock: FakeClock, store: AllocationStore, api: AllocationApi, port: number;
const watch = watchProcessErrors();

beforeEach(async () => {
  clock = new FakeClock();
  store = new AllocationStore();
  api = new AllocationApi({
    store, serverEndpoints: () => endpoints, clock: clock.read, maxBodyBytes: 1024,
    limiter: new RateLimiter(1, 3), headersTimeoutMS: 300, requestTimeoutMS: 600,
  });
  port = await api.listen(NetworkEndpoint.parse('127.0.0.1', 0));
});
afterEach(() => api.close());
afterAll(() => {
  watch.stop();
  expect(watch.errors).toEqual([]);
});

const postHead = (path: string, headers: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`;

describe('bodies', () => {
  it('answers 413 to an announced body over maxBodyBytes and closes without reading it', async () => {
    const announced = 64 * 1024 * 1024;
    const r = await rawHttp(port, postHead('/v1/allocate', `Content-Length: ${announced}\r\n`), {
      feed: { chunk: Buffer.alloc(64 * 1024, 0x7b), everyMS: 5, count: 1024 },
    });
    expect(r.status).toBe(413);
    expect(r.text).toContain('request body over 1024 bytes');
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
    expect(r.bytesWritten).toBeLessThan(announced);
    expect(store.size).toBe(0);
  });

  it('answers 413 to a chunked body once it passes the limit, and closes', async () => {
    const chunk = `400\r\n${'x'.repeat(1024)}\r\n`; // 1 KiB per chunk, without end
    const r = await rawHttp(port, postHead('/v1/allocate', 'Transfer-Encoding: chunked\r\n'), { feed: { chunk, everyMS: 5, count: 2000 } });
    expect(r.status).toBe(413);
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
  });

  it('answers 400 to bad JSON and to JSON that is not an object, and keeps serving', async () => {
    expect(await post(port, '/v1/allocate', '{"maxConnections": 4')).toEqual({ status: 400, json: { status: 400, title: 'Bad Request', detail: 'request body is not JSON' } });
    expect((await post(port, '/v1/join', '[1,2]')).status).toBe(400);
    expect((await post(port, '/v1/joincode', '"\u0000"')).status).toBe(400);
    expect((await post(port, '/v1/allocate', '{"maxConnections": 4}')).status).toBe(201);
  });
});

describe('slow clients', () => {
  it('closes a connection whose headers trickle in (headersTimeoutMS) with 408', async () => {
    // 200 header bytes, one every 50 ms: 10 s if the server waited for them all.
    const r = await rawHttp(port, 'POST /v1/allocate HTTP/1.1\r\n', { feed: { chunk: 'a', everyMS: 50, count: 200 } });
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
    expect(r.status).toBe(408);
  });

  it('closes a connection whose body trickles in (requestTimeoutMS)', async () => {
    const r = await rawHttp(port, postHead('/v1/allocate', 'Content-Length: 200\r\n'), { feed: { chunk: ' ', everyMS: 50, count: 200 } });
    expect(r.closedByServer).toBe(true);
    expect(r.fedAll).toBe(false);
    expect(r.status).toBe(408);
    expect(store.size).toBe(0);
  });
});

describe('allocation creation per client address', () => {
  it('refuses a flood from one address with 429 (counted) while another address is still served', async () => {
    const from = '127.0.0.2';
    for (let i = 0; i < 3; i++) expect((await post(port, '/v1/allocate', '{}', from)).status).toBe(201);
    const refused = await post(port, '/v1/allocate', '{}', from);
    expect(refused).toEqual({ status: 429, json: { status: 429, title: 'Too Many Requests', detail: 'too many allocations from this address: try again in a few seconds' } });
    for (let i = 0; i < 20; i++) expect((await post(port, '/v1/allocate', '{}', from)).status).toBe(429);
    expect(api.limiter!.refused).toBe(21);
    expect(store.size).toBe(3);

    // Another address is served meanwhile; joining creates an allocation too, so it shares the limit.
    const other = '127.0.0.3';
    const host = await post(port, '/v1/allocate', '{}', other);
    expect(host.status).toBe(201);
    const code = (await post(port, '/v1/joincode', JSON.stringify({ allocationId: host.json.data.allocation.allocationId }), from));
    expect(code.status).toBe(200); // join codes create nothing: not limited
    expect((await post(port, '/v1/join', JSON.stringify({ joinCode: code.json.data.joinCode }), from)).status).toBe(429);
    expect((await post(port, '/v1/join', JSON.stringify({ joinCode: code.json.data.joinCode }), other)).status).toBe(200);

    clock.now += 1000; // one token back per second
    expect((await post(port, '/v1/allocate', '{}', from)).status).toBe(201);
    expect((await post(port, '/v1/allocate', '{}', from)).status).toBe(429);
  });

  it('limits by default (2 per second, bursts of 32) and can be disabled with null', async () => {
    const limited = new AllocationApi({ store, serverEndpoints: () => endpoints, clock: clock.read });
    expect([limited.limiter!.rate, limited.limiter!.burst]).toEqual([2, 32]);
    const open = new AllocationApi({ store, serverEndpoints: () => endpoints, clock: clock.read, limiter: null });
    const openPort = await open.listen(NetworkEndpoint.parse('127.0.0.1', 0));
    try {
      for (let i = 0; i < 40; i++) expect((await post(openPort, '/v1/allocate', '{}')).status).toBe(201);
    } finally {
      open.close();
    }
  });
});
