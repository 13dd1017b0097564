// stack/accept-queue.ts: established server connections wait here, in order, until accept() takes them.
import { describe, expect, it } from 'vitest';
import { NetworkEndpoint } from '../../../plugin/index.ts';
import { ConnectionList, SclState } from '../../../plugin/transport/layers/connection-list.ts';
import { AcceptQueue } from '../../../plugin/transport/stack/accept-queue.ts';

function established(list: ConnectionList, port: number) {
  const rec = list.create(false, NetworkEndpoint.loopbackIpv4.withPort(port), 1400);
  rec.state = SclState.Established;
  return rec;
}

describe('the accept queue', () => {
  it('hands out connections in the order they were established, each once, marked accepted', () => {
    const list = new ConnectionList();
    const q = new AcceptQueue();
    const [a, b] = [established(list, 1), established(list, 2)];
    q.push(a); q.push(b);
    expect(q.take(list, true)).toBe(a);
    expect(a.accepted).toBe(true);
    expect(b.accepted).toBe(false);
    expect(q.take(list, true)).toBe(b);
    expect(q.take(list, true)).toBeNull();
    const c = established(list, 3);
    q.push(c); // the emptied queue is reused
    expect(q.take(list, true)).toBe(c);
  });

  it('skips connections released, closing or no longer established, and drops what arrives while not listening', () => {
    const list = new ConnectionList();
    const q = new AcceptQueue();
    const [released, closing, down, live, unheard] = [1, 2, 3, 4, 5].map((p) => established(list, p));
    list.release(released);
    closing.closeRequested = true;
    down.state = SclState.Disconnected;
    for (const r of [released, closing, down, live]) q.push(r);
    expect(q.take(list, true)).toBe(live);
    q.push(unheard);
    expect(q.take(list, false)).toBeNull();
    expect(q.take(list, true)).toBeNull(); // skipped while not listening: gone, as in UTP
    expect(unheard.accepted).toBe(false);
  });
});
