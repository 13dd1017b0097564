// Input packets (sequence numbers + redundancy) and the server's input buffer: loss, duplicates, reordering,
// floods and clock drift.
import { describe, expect, it } from 'vitest';
import { INPUT_REDUNDANCY } from '../../sample-game/shared/constants.ts';
import { CATCH_UP_EVERY, INPUT_BUFFER_LIMIT, InputBuffer } from '../../sample-game/shared/input-buffer.ts';
import { decodeInputs, encodeInputs, makeInput, quantizeAxis, type Input } from '../../sample-game/shared/input.ts';
import { seededRandom } from '../../sample-game/shared/rules.ts';

const inputs = (from: number, to: number): Input[] =>
  Array.from({ length: to - from + 1 }, (_, i) => makeInput(from + i, Math.sin(i), Math.cos(i), i % 7 === 0));

describe('input packets', () => {
  it('carry the newest inputs, newest first on the wire, and decode in order', () => {
    const all = inputs(1, 20);
    const packet = encodeInputs(all, INPUT_REDUNDANCY);
    expect(packet.length).toBe(5 + 3 * INPUT_REDUNDANCY);
    const decoded = decodeInputs(packet)!;
    expect(decoded.map((i) => i.seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    expect(decoded).toEqual(all.slice(12));        // quantized before sending: exact round trip
  });

  it('quantizes axes to 1/127 and clamps', () => {
    expect(quantizeAxis(2)).toBe(1);
    expect(quantizeAxis(-0.5)).toBe(Math.round(-0.5 * 127) / 127);
    expect(quantizeAxis(Number.NaN)).toBe(0);
  });

  it('rejects malformed packets', () => {
    expect(decodeInputs(new Uint8Array(3))).toBeNull();
    const p = encodeInputs(inputs(1, 4), 8);
    expect(decodeInputs(p.subarray(0, p.length - 1))).toBeNull();
    const lie = p.slice();
    lie[3] = 2;                                    // newest seq 2 but 4 inputs
    expect(decodeInputs(lie)).toBeNull();
    expect(decodeInputs('nope' as unknown as Uint8Array)).toBeNull();
  });
});

describe('InputBuffer', () => {
  it('loses nothing when packets are lost, duplicated and reordered, as long as redundancy covers the gaps', () => {
    const buffer = new InputBuffer();
    const random = seededRandom(3);
    const sent: Input[] = [];
    const inFlight: Array<{ at: number; packet: Uint8Array }> = [];
    const taken: number[] = [];
    for (let tick = 1; tick <= 2000; tick++) {
      sent.push(makeInput(tick, random() * 2 - 1, 0, false));
      const packet = encodeInputs(sent, INPUT_REDUNDANCY);
      // 30 % loss (never 8 in a row with this seed), 10 % duplicated, 0–3 ticks of jitter (reordering).
      if (random() >= 0.3) inFlight.push({ at: tick + Math.floor(random() * 4), packet });
      if (random() < 0.1) inFlight.push({ at: tick + Math.floor(random() * 4), packet });
      for (let i = inFlight.length - 1; i >= 0; i--) {
        if (inFlight[i].at <= tick) { buffer.receive(decodeInputs(inFlight[i].packet)!); inFlight.splice(i, 1); }
      }
      for (const input of buffer.take()) taken.push(input.seq);
    }
    expect(buffer.stats.skipped).toBe(0);
    expect(taken).toEqual(Array.from({ length: taken.length }, (_, i) => i + 1)); // each once, in order
    expect(taken.length).toBeGreaterThan(1990);
    expect(buffer.stats.duplicates).toBeGreaterThan(0);
  });

  it('skips inputs that never arrived once later ones are there', () => {
    const buffer = new InputBuffer();
    buffer.receive(inputs(1, 3));
    expect(buffer.take().map((i) => i.seq)).toEqual([1]);
    buffer.take();
    buffer.take();
    buffer.receive(inputs(12, 14));                 // 4–11 lost beyond redundancy
    expect(buffer.take().map((i) => i.seq)).toEqual([12]);
    expect(buffer.stats.skipped).toBe(8);
    expect(buffer.ack).toBe(12);
    buffer.receive(inputs(5, 9));                   // late: already past
    expect(buffer.stats.late).toBe(5);
  });

  it('waits (returns nothing) when starved, keeping ack', () => {
    const buffer = new InputBuffer();
    buffer.receive(inputs(1, 1));
    buffer.take();
    expect(buffer.take()).toEqual([]);
    expect(buffer.ack).toBe(1);
    expect(buffer.stats.starved).toBe(1);
  });

  it('catches up at most one extra input per CATCH_UP_EVERY ticks, and caps a flood', () => {
    const buffer = new InputBuffer();
    buffer.receive(inputs(1, 200));                 // a flooding client
    expect(buffer.backlog).toBe(INPUT_BUFFER_LIMIT);
    expect(buffer.stats.dropped).toBe(200 - INPUT_BUFFER_LIMIT);
    let simulated = 0;
    for (let tick = 0; tick < CATCH_UP_EVERY * 2; tick++) simulated += buffer.take().length;
    expect(simulated).toBeLessThanOrEqual(CATCH_UP_EVERY * 2 + 2);
    // A client whose clock runs 2 % fast does not build an ever-growing backlog.
    const drift = new InputBuffer();
    let seq = 0;
    let maxBacklog = 0;
    for (let tick = 0; tick < 3000; tick++) {
      const n = tick % 50 === 0 ? 2 : 1;
      drift.receive(inputs(seq + 1, seq + n));
      seq += n;
      drift.take();
      maxBacklog = Math.max(maxBacklog, drift.backlog);
    }
    expect(maxBacklog).toBeLessThanOrEqual(5);
    expect(drift.stats.dropped).toBe(0);
  });
});
