/**
 * `utp echo --stats` and `utp relay --stats` (issue 13): the operator's periodic line shows strangers (half-open),
 * proven connections, bandwidth and drops by reason. Real UDP on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectionRequest, fromHex, rawConnect, RawUdpPeer, token } from './raw-peer.ts';
import { killAll, UtpProcess, startEcho } from './spawn.ts';

const peers: RawUdpPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await killAll();
});

async function rawPeer(): Promise<RawUdpPeer> {
  const p = await RawUdpPeer.open();
  peers.push(p);
  return p;
}

describe('stats lines', () => {
  it('utp echo --stats counts a stranger as half-open, a peer that spoke as proven, and drops by reason', async () => {
    const { echo, port } = await startEcho(['--stats', '--stats-interval', '100', '-q']);
    const stranger = await rawPeer();
    stranger.send(connectionRequest(token(1)), port); // a request, then silence: half-open
    const friend = await rawPeer();
    await rawConnect(friend, port, token(2)); // request + heartbeat: proven
    friend.send(fromHex('01 ff ff ff ff ff ff ff ff 00 68 69'), port); // an unknown token
    const line = await echo.waitFor(/^stats connections=2 half-open=1 proven=1 evicted=0 expired=0 withheld=0 in=\S+ B\/s out=\S+ B\/s dropped unknownToken=1$/, 10_000);
    expect(line[0]).toContain('half-open=1');
  });

  it('utp relay --stats prints allocations, bandwidth, withheld answers and drops', async () => {
    const relay = new UtpProcess(['relay', '--udp', '127.0.0.1:0', '--stats', '--stats-interval', '100']);
    const port = Number((await relay.waitFor(/^relay udp:\/\/127\.0\.0\.1:(\d+)$/, 15_000))[1]);
    const stranger = await rawPeer();
    stranger.send(fromHex('da 72 07 02'), port); // a bad version, 4 bytes: an ERROR would be 21
    stranger.send(fromHex('00 01'), port); // not Relay at all
    const line = await relay.waitFor(/^stats allocations=0 bound=0 joins=0 pps=\d+ in=\S+ B\/s out=\S+ B\/s withheld=(\d+) errors=0 refusedAllocations=0 dropped malformed=1$/, 10_000);
    expect(line[1]).toBe('1');
  });

  it('utp relay --stats counts allocation requests refused per client address', async () => {
    const relay = new UtpProcess(['relay', '--udp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--stats', '--stats-interval', '100']);
    const http = (await relay.waitFor(/^allocations (http:\/\/127\.0\.0\.1:\d+)$/, 15_000))[1];
    const statuses: number[] = [];
    // The default limit: 32 at once per address, then 2 per second.
    for (let i = 0; i < 60; i++) statuses.push((await fetch(`${http}/v1/allocate`, { method: 'POST', body: '{}' })).status);
    const refused = statuses.filter((s) => s === 429).length;
    expect(statuses.slice(0, 32)).toEqual(Array(32).fill(201));
    expect(refused).toBeGreaterThan(0);
    await relay.waitFor(new RegExp(`^stats allocations=${60 - refused} .* refusedAllocations=${refused}( |$)`), 10_000);
  });
});
