/**
 * `utp echo` over real UDP against a raw reliable peer that misbehaves the ways a network does: it sends out
 * of order, duplicates, resends, and withholds acks (issue "pipelines", item 6). Built from the spec only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { concat, data, isMessage, Msg, rawConnect, RawUdpPeer, readReliableHeader, readU16, reliableHeader, token, u16 } from './raw-peer.ts';
import { killAll, startEcho } from './spawn.ts';
import { sleep } from '../support/pump.ts';

let peer: RawUdpPeer | null = null;
afterEach(async () => { peer?.close(); peer = null; await killAll(); });

const N = 20;

describe('utp echo on pipeline 1 [reliable] against a hostile raw peer', () => {
  it('delivers out-of-order, duplicated input once and in order, and resends until acknowledged', async () => {
    const { port } = await startEcho();
    peer = await RawUdpPeer.open();
    const tok = token(42);
    await rawConnect(peer, port, tok);

    // Our sequences 0..N-1 carry payload u16(i): sent backwards, each twice, never acking anything of theirs.
    const packet = (i: number) => data(tok, 1, concat(reliableHeader({ sequence: i, ackedSequence: 0xffff, mask: 0 }), u16(i)));
    for (let i = N - 1; i >= 0; i--) { peer.send(packet(i), port); peer.send(packet(i), port); }
    // A late resend of an already delivered packet: must not be delivered again.
    peer.send(packet(3), port);

    const isReliable = (b: Uint8Array) => isMessage(b, Msg.Data, tok) && b[9] === 1;
    const echoes = new Map<number, number[]>(); // their sequence -> payloads seen for it
    let ackedByThem = -1;
    let theirMask = 0;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const d = await peer.next(isReliable, 3000, 'a reliable packet');
      const h = readReliableHeader(d.bytes, 10);
      if (h.ackedSequence !== 0xffff && h.ackedSequence >= ackedByThem) { ackedByThem = h.ackedSequence; theirMask = h.mask; }
      if (h.type === 0) echoes.set(h.sequence, [...(echoes.get(h.sequence) ?? []), readU16(d.bytes, 22)]);
      const resent = [...echoes.values()].some((v) => v.length > 1);
      if (echoes.size === N && resent && ackedByThem === N - 1) break;
    }

    // In-order, exactly-once delivery: their sequence s echoes our message s, and nothing beyond N-1 exists.
    expect([...echoes.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    for (const [seq, payloads] of echoes) expect(new Set(payloads)).toEqual(new Set([seq]));
    // Unacknowledged echoes were resent with the same sequence and payload (§5.3.4).
    expect([...echoes.values()].some((v) => v.length > 1)).toBe(true);
    // They acknowledged all of ours: acked N-1 with the mask covering every earlier sequence.
    expect(ackedByThem).toBe(N - 1);
    expect(theirMask & ((1 << N) - 1)).toBe((1 << N) - 1);

    // Now ack everything: the resends stop (only ack-only packets, type 1, may still come).
    peer.send(data(tok, 1, concat(reliableHeader({ type: 1, sequence: 0, ackedSequence: N - 1, mask: 0xffffffff }), [0])), port);
    await sleep(300); // let packets in flight land, then forget them
    peer.inbox.length = 0;
    const later = await peer.collect(700, isReliable);
    expect(later.filter((d) => d.bytes[10] === 0)).toEqual([]);
  });
});
