import { describe, expect, it } from 'vitest';
import { ReliableSequencedPipelineStage } from '../../../plugin/transport/stages/index.ts';
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { UtpSettingsError } from '../../../plugin/transport/api/errors.ts';
import { Endpoint, Link } from './harness.ts';
import { text } from '../../support/hex.ts';

/**
 * A server (UTP's reliable defaults: minimum resend time 64 ms) sends a patch every 50 ms over a 1 ms link; the
 * client updates when a packet arrives and every 10 ms, as DriverLoop does. Returns what each side counted and, for
 * every patch, how long after its first transmission the server saw it acknowledged.
 */
function stream(clientAckDelay: number, patches = 40) {
  const server = new Endpoint([ReliableSequencedPipelineStage], new NetworkSettings());
  const client = new Endpoint([ReliableSequencedPipelineStage], new NetworkSettings().withReliableStageParameters({ ackDelay: clientAckDelay }));
  const link = new Link(server, client, { seed: 1, delay: 1 });
  const sentAt: number[] = [];
  const ackedAfter: number[] = [];
  const ackTimes: number[] = [];
  const arrivals: number[] = [];
  client.send(text('join')); // the client's one message: its round trip gets measured
  for (let now = 0; now <= patches * 50 + 200; now++) {
    if (now % 50 === 0 && sentAt.length < patches) { sentAt.push(now); expect(server.send(text(`patch ${sentAt.length}`))).toBe(0); }
    server.update(now);
    const before = client.host.delivered.length;
    link.deliverDue(now);
    const acks = client.stats.acksSent;
    if (now % 10 === 0 || client.host.delivered.length > before) client.update(now);
    if (client.stats.acksSent > acks) ackTimes.push(now);
    if (client.host.delivered.length > before) arrivals.push(now);
    const acked = server.inspect().peerAckedSequence;
    while (ackedAfter.length <= acked) ackedAfter.push(now - sentAt[ackedAfter.length]);
  }
  return { server, client, ackedAfter, ackTimes, arrivals, delivered: client.host.delivered.length };
}

describe('ackDelay (utp-ts only, local timing: the client acknowledges in batches)', () => {
  it('a peer with UTP\'s resend timeout sees every patch acknowledged before its timer, and no resend, with half the ack-only packets', () => {
    const plain = stream(0);
    const delayed = stream(60);
    for (const r of [plain, delayed]) {
      expect(r.delivered).toBe(40);
      expect(r.ackedAfter).toHaveLength(40);
      // UTP's resend timeout is at least minimumResendTime (64 ms, spec §5.3.5): every ack came before it could fire.
      expect(Math.max(...r.ackedAfter)).toBeLessThan(64);
      expect(r.server.stats.packetsResent).toBe(0);
    }
    expect(plain.client.stats.acksSent).toBe(40);
    expect(delayed.client.stats.acksSent).toBeLessThanOrEqual(21);
    expect(Math.max(...delayed.ackedAfter)).toBeGreaterThan(50); // the first of two patches waited for the second
    // Acks leave as a patch arrives, never at the client's timer updates in between (a server gets them in bursts);
    // only after the last patch, with no arrival to wait for, does a timer update send the owed ack.
    const last = delayed.arrivals[delayed.arrivals.length - 1];
    expect(delayed.ackTimes.filter((t) => !delayed.arrivals.includes(t))).toEqual([delayed.ackTimes.find((t) => t > last)]);
  });

  it('does not wait before a round trip was measured, nor when a packet is missing', () => {
    const server = new Endpoint([ReliableSequencedPipelineStage], new NetworkSettings());
    const client = new Endpoint([ReliableSequencedPipelineStage], new NetworkSettings().withReliableStageParameters({ ackDelay: 60 }));
    server.send(text('p0'));
    client.receivePacket(server.host.sent[0]);
    client.update(1);
    expect(client.stats.acksSent).toBe(1); // nothing sent yet: no RTT, so no delay

    const a = stream(60, 2); // measured now; patch 1 arrives, then patch 3 without patch 2
    const c = a.client;
    const acks = c.stats.acksSent;
    a.server.send(text('lost'));
    a.server.send(text('next'));
    const sent = a.server.host.sent;
    c.receivePacket(sent[sent.length - 1]);
    c.update(a.server.host.now + 1);
    expect(c.stats.acksSent).toBe(acks + 1); // a hole: acknowledged at once so the sender can fast-retransmit
  });

  it('is a whole number of ms ≥ 0; the default is 0 (UTP)', () => {
    expect(new NetworkSettings().reliableStage.ackDelay).toBe(0);
    expect(() => new NetworkSettings().withReliableStageParameters({ ackDelay: -1 })).toThrow(UtpSettingsError);
  });
});
