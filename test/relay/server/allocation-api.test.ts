/**
 * The allocation API over HTTP on 127.0.0.1: Unity-shaped allocations, join codes, resolution, errors and
 * expiry (with the relay server's fake clock).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkEndpoint } from '../../../plugin/index.ts';
import { AllocationApi, AllocationStore, RelayServer, RelayServerData, type RelayAllocationJson } from '../../../plugin/relay/node.ts';
import { FakeClock } from '../../support/clock.ts';

let clock: FakeClock, store: AllocationStore, server: RelayServer, api: AllocationApi, base: string;
const endpoints = [{ connectionType: 'udp', host: '127.0.0.1', port: 7777, secure: false }, { connectionType: 'ws', host: '127.0.0.1', port: 7778, secure: false }];

beforeEach(async () => {
  clock = new FakeClock();
  store = new AllocationStore();
  server = new RelayServer({ store, clock: clock.read });
  api = new AllocationApi({ store, serverEndpoints: () => endpoints, clock: clock.read, maxAllocations: 5, load: () => server.load });
  base = `http://127.0.0.1:${await api.listen(NetworkEndpoint.parse('127.0.0.1', 0))}`;
});
afterEach(() => api.close());

async function call(path: string, body?: unknown, method = 'POST'): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json().catch(() => null) };
}

describe('POST /v1/allocate', () => {
  it('returns a Unity-shaped allocation that RelayServerData understands', async () => {
    const { status, json } = await call('/v1/allocate', { maxConnections: 4 });
    expect(status).toBe(201);
    const a = json.data.allocation as RelayAllocationJson;
    expect(a.allocationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(a.key, 'base64').length).toBe(64);
    expect(a.serverEndpoints).toEqual(endpoints);
    expect(a.relayServer).toEqual({ ipV4: '127.0.0.1', port: 7777 });
    expect(a.hostConnectionData).toBeUndefined();
    const udp = RelayServerData.fromAllocation(a, 'udp');
    expect(udp.endpoint.toString()).toBe('127.0.0.1:7777');
    expect(Buffer.from(udp.allocationId).toString('hex')).toBe(a.allocationId.replace(/-/g, ''));
    expect(RelayServerData.fromAllocation(a, 'ws').endpoint.address).toBe('ws://127.0.0.1:7778/');
    expect(() => RelayServerData.fromAllocation(a, 'wss')).toThrow(/no 'wss' server endpoint \(it has: udp, ws\)/);
    expect(store.byIdKey(Buffer.from(udp.allocationId).toString('hex'))!.maxConnections).toBe(4);
  });

  it('validates maxConnections and refuses beyond maxAllocations with 503', async () => {
    expect((await call('/v1/allocate', { maxConnections: 0 })).status).toBe(400);
    expect((await call('/v1/allocate', { maxConnections: 101 })).status).toBe(400);
    expect((await call('/v1/allocate', '{nope')).status).toBe(400);
    for (let i = 0; i < 5; i++) expect((await call('/v1/allocate', {})).status).toBe(201);
    const full = await call('/v1/allocate', {});
    expect(full).toEqual({ status: 503, json: { status: 503, title: 'Service Unavailable', detail: 'the relay is full' } });
  });
});

describe('join codes', () => {
  it('issues one short code per host allocation and resolves it to a join allocation', async () => {
    const host = (await call('/v1/allocate', {})).json.data.allocation as RelayAllocationJson;
    const first = await call('/v1/joincode', { allocationId: host.allocationId });
    expect(first.status).toBe(200);
    const code = first.json.data.joinCode as string;
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect((await call('/v1/joincode', { allocationId: host.allocationId })).json.data.joinCode).toBe(code);

    const joined = await call('/v1/join', { joinCode: code.toLowerCase() });
    expect(joined.status).toBe(200);
    const j = joined.json.data.allocation as RelayAllocationJson;
    expect(j.hostConnectionData).toBe(host.connectionData);
    expect(j.allocationId).not.toBe(host.allocationId);
    const data = RelayServerData.fromAllocation(j, 'udp');
    expect(Buffer.from(data.hostConnectionData.subarray(0, 64)).toString('base64')).toBe(host.connectionData);
  });

  it('answers 404 for unknown codes and allocations, 400 for bad input, 404/405 for bad routes', async () => {
    expect((await call('/v1/join', { joinCode: 'ZZZZZZ' })).status).toBe(404);
    expect((await call('/v1/join', {})).status).toBe(400);
    expect((await call('/v1/joincode', { allocationId: 'not-a-uuid' })).status).toBe(400);
    expect((await call('/v1/joincode', { allocationId: '00000000-0000-0000-0000-000000000000' })).status).toBe(404);
    expect((await call('/v1/nothing', {})).status).toBe(404);
    expect((await call('/v1/join', undefined, 'GET')).status).toBe(405);
    expect((await call('/v1/load', undefined, 'GET')).json).toMatchObject({ allocations: 0 });
  });

  it('expire with their host allocation', async () => {
    const host = (await call('/v1/allocate', {})).json.data.allocation as RelayAllocationJson;
    const code = (await call('/v1/joincode', { allocationId: host.allocationId })).json.data.joinCode as string;
    clock.now = 59_999;
    server.update(clock.now);
    expect((await call('/v1/join', { joinCode: code })).status).toBe(200);
    clock.now = 60_000; // never bound: expires after unboundTimeoutMs (the join allocation made at 59 999 stays)
    server.update(clock.now);
    expect((await call('/v1/join', { joinCode: code })).status).toBe(404);
    expect((await call('/v1/joincode', { allocationId: host.allocationId })).status).toBe(404);
    expect(store.size).toBe(1);
  });
});
