import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ReliableSequencedPipelineStage } from '../../../plugin/transport/stages/index.ts';
import { StatusCode } from '../../../plugin/transport/api/status-codes.ts';
import { Endpoint, Link, settingsWithWindow, withSeed } from './harness.ts';

/** Message i: u32 LE index, then (i·13 mod 41) bytes of a pattern that depends on i. */
function message(i: number, into: Uint8Array): Uint8Array {
  const n = 4 + ((i * 13) % 41);
  into[0] = i & 0xff;
  into[1] = (i >>> 8) & 0xff;
  into[2] = (i >>> 16) & 0xff;
  into[3] = i >>> 24;
  for (let k = 4; k < n; k++) into[k] = (i * 31 + k * 7) & 0xff;
  return into.subarray(0, n);
}

/** A stream of `count` messages from `from` to `to`, checked message by message and hashed on both ends. */
class Stream {
  readonly count: number;
  sent = 0;
  received = 0;
  fullWindow = 0;
  readonly #from: Endpoint;
  readonly #out = createHash('sha256');
  readonly #in = createHash('sha256');
  readonly #scratch = new Uint8Array(64);

  constructor(from: Endpoint, to: Endpoint, count: number) {
    this.count = count;
    this.#from = from;
    to.host.record = false;
    to.host.onDeliver = (data) => {
      const index = data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24);
      if (index !== this.received) throw new Error(`expected message ${this.received}, got ${index}`);
      this.received++;
      this.#in.update(data);
    };
    from.host.record = false;
  }

  /** Sends until the window is full (−5) or `budget` messages went out. */
  pump(budget: number): void {
    for (let k = 0; k < budget && this.sent < this.count; k++) {
      const m = message(this.sent, this.#scratch);
      const rc = this.#from.send(m);
      if (rc === StatusCode.NetworkSendQueueFull) {
        this.fullWindow++;
        return;
      }
      if (rc !== 0) throw new Error(`send returned ${rc}`);
      this.#out.update(m);
      this.sent++;
    }
  }

  get done(): boolean {
    return this.received === this.count;
  }

  hashes(): [string, string] {
    return [this.#out.digest('hex'), this.#in.digest('hex')];
  }
}

describe('reliable stage over a lossy, duplicating, reordering link', () => {
  // 5% loss + 5% duplication + 5% reordering in both directions; 3 × 65 536 + messages wrap the 16-bit
  // sequence three times. Windows 32 (12-byte header), 64 (16 bytes) and 256 (trimmed masks, §5.3.2).
  it.each([
    [32, 0x5eed_0001],
    [64, 0x5eed_0002],
    [256, 0x5eed_0003],
  ])('window %i: delivers every message exactly once, in order, across the sequence wrap', (windowSize, defaultSeed) => {
    withSeed(defaultSeed, (seed) => {
      const settings = settingsWithWindow(windowSize);
      const a = new Endpoint([ReliableSequencedPipelineStage], settings);
      const b = new Endpoint([ReliableSequencedPipelineStage], settings);
      const link = new Link(a, b, { seed, lossPercent: 5, duplicatePercent: 5, reorderPercent: 5, delay: 2 });
      const ab = new Stream(a, b, 3 * 65536 + 1234);
      const ba = new Stream(b, a, 20_000); // a thinner stream back, so acks ride on data too
      let now = 0;
      const settled = () => ab.done && ba.done && a.inspect().inFlight === 0 && b.inspect().inFlight === 0;
      while (!settled()) {
        now++;
        if (now > 2_000_000) throw new Error(`stuck: a→b ${ab.received}/${ab.count}, b→a ${ba.received}/${ba.count}`);
        link.tick(now);
        ab.pump(windowSize);
        if (now % 8 === 0) ba.pump(1);
      }
      const [sentHash, receivedHash] = ab.hashes();
      expect(receivedHash).toBe(sentHash);
      const [sentBack, receivedBack] = ba.hashes();
      expect(receivedBack).toBe(sentBack);
      // The link really was hostile, and the window really filled.
      expect(a.stats.packetsResent).toBeGreaterThan(1000);
      expect(b.stats.packetsDuplicated).toBeGreaterThan(1000);
      expect(b.stats.packetsOutOfOrder).toBeGreaterThan(1000);
      expect(ab.fullWindow).toBeGreaterThan(100);
      expect(a.inspect().nextSendSequence).toBe(ab.count);
      expect(a.inspect().inFlight).toBe(0);
      expect(b.inspect().lastDeliveredSequence).toBe(ab.count - 1);
      expect(b.inspect().bufferedOutOfOrder).toBe(0);
    });
  });
});
