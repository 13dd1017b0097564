// HTTP bodies of the matchmaking routes (Colyseus core's router behind UtpTransport, called as a fetch handler) and
// of the relay's allocation API (AllocationApi.handle with an in-memory request): random, mutated and structured JSON
// must come back as a status, 4xx for what is wrong, never a crash.
import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AllocationApi, AllocationStore } from '../../../plugin/relay/node.ts';
import { bootUtp, type UtpTestServer } from '../../colyseus/helpers.ts';
import { concat, type Mutator } from '../mutator.ts';
import { quietConsole, type FuzzSuite, type FuzzTarget } from '../target.ts';

const JSON_SEEDS = [
  '{"name":"ada"}', '{"roomId":"abc","sessionId":"x"}', '{"maxConnections":4}', '{"allocationId":"5f2c6d0e-1b7a-4c1e-9a38-0b1c2d3e4f50"}',
  '{"joinCode":"ABCDEF"}', '{"a":[1,2,{"b":null}],"c":true,"d":1e308}', '[]', '"x"', 'null', '{"__proto__":{"x":1}}',
].map((s) => new TextEncoder().encode(s));

/** A JSON-ish body: a mutated seed, deep nesting, a long string, or random bytes. */
function body(m: Mutator): Uint8Array {
  switch (m.int(6)) {
    case 0: return m.bytes(m.int(200));
    case 1: return new TextEncoder().encode('['.repeat(1 + m.int(5000)) + ']'.repeat(m.int(5000)));
    case 2: return new TextEncoder().encode(`{"name":"${'x'.repeat(m.int(20_000))}"}`);
    default: return m.mutate(m.pick(JSON_SEEDS));
  }
}

function statusKey(counts: Record<string, number>, status: number): void {
  const key = `status${status}`;
  counts[key] = (counts[key] ?? 0) + 1;
}

export async function httpSuite(boot?: UtpTestServer): Promise<FuzzSuite> {
  const server = boot ?? await bootUtp();
  const router = (server.colyseus.server as unknown as { router: { handler(r: Request): Promise<Response> } }).router;
  const base = server.endpoint;
  const matchmaking: Record<string, number> = {};
  let restoreConsole = (): number => 0;
  // Without the per-address limit: every input should reach the body parser, not a 429.
  const api = new AllocationApi({ store: new AllocationStore(), serverEndpoints: () => [], maxAllocations: 1000, limiter: null });
  const allocation: Record<string, number> = {};

  const targets: FuzzTarget[] = [
    {
      name: 'matchmaking-bodies',
      start() { restoreConsole = quietConsole(); },
      async input(m) {
        // Unknown rooms mostly (a known one would create rooms by the thousand); methods known and not.
        const method = m.pick(['joinOrCreate', 'create', 'join', 'joinById', 'reconnect', 'x', '']);
        const room = m.chance(95) ? m.pick(['nope', '%00', '..%2f..', 'a'.repeat(m.int(300))]) : 'game';
        const safe = room === 'game' && (method === 'create' || method === 'joinOrCreate') ? 'join' : method;
        const headers = m.chance(80) ? { 'content-type': m.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']) } : undefined;
        const res = await router.handler(new Request(`${base}/matchmake/${safe}/${room}`, { method: 'POST', body: body(m) as BodyInit, headers }));
        await res.arrayBuffer();
        statusKey(matchmaking, res.status);
      },
      async finish() {
        const logged = restoreConsole();
        if (matchmaking.status500) throw new Error(`matchmaking: ${matchmaking.status500} requests ended in 500`);
        return { dropped: matchmaking, note: `${logged} errors logged by Colyseus` };
      },
    },
    {
      name: 'allocation-bodies',
      async input(m) {
        const path = m.pick(['/v1/allocate', '/v1/joincode', '/v1/join', '/v1/load', '/v1/x', '/']);
        const req = Readable.from([Buffer.from(m.chance(10) ? concat(body(m), body(m)) : body(m))]) as unknown as IncomingMessage;
        Object.assign(req, { method: m.pick(['POST', 'POST', 'GET', 'OPTIONS', 'PUT']), url: path, headers: {} });
        let status = 0;
        const res = {
          setHeader() { return res; },
          writeHead(s: number) { status = s; return res; },
          end() { return res; },
        } as unknown as ServerResponse;
        await api.handle(req, res);
        statusKey(allocation, status);
      },
      async finish() {
        if (allocation.status500 || allocation.status0) throw new Error(`allocation API: ${allocation.status500 ?? 0} × 500, ${allocation.status0 ?? 0} unanswered`);
        return { dropped: allocation };
      },
    },
  ];
  return { targets, async dispose() { if (!boot) await server.shutdown(); } };
}
