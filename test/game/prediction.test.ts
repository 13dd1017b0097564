// Client-side prediction and reconciliation against a simulated server over a lossy, laggy link (pure, no sockets):
// exact predictions need no correction; server-side events and inputs lost beyond redundancy are corrected, and
// the visual offset fades.
import { describe, expect, it } from 'vitest';
import { KNOCKBACK_SPEED } from '../../sample-game/shared/constants.ts';
import { InputBuffer } from '../../sample-game/shared/input-buffer.ts';
import { decodeInputs } from '../../sample-game/shared/input.ts';
import { MAX_PENDING, Predictor, SNAP_DISTANCE } from '../../sample-game/shared/prediction.ts';
import { seededRandom } from '../../sample-game/shared/rules.ts';
import { copyBody, createBody, stepBody, type Body, type Controls } from '../../sample-game/shared/sim.ts';
import { decodeSnapshot, encodeSnapshot } from '../../sample-game/shared/snapshot.ts';

interface LinkOptions { latencyTicks: number; loss: number; seed: number }

/** A client and the server's copy of its body, exchanging input packets and snapshots through a bad link. */
class Harness {
  readonly client = new Predictor(300, 300);
  readonly server: Body = createBody(300, 300);
  readonly buffer = new InputBuffer();
  readonly moves: number[] = [];
  readonly #random: () => number;
  readonly #up: Array<{ at: number; bytes: Uint8Array }> = [];
  readonly #down: Array<{ at: number; bytes: Uint8Array }> = [];
  readonly #o: LinkOptions;
  tick = 0;
  /** Drop every packet in both directions while true. */
  outage = false;

  constructor(o: LinkOptions) {
    this.#o = o;
    this.#random = seededRandom(o.seed);
  }

  #send(queue: Array<{ at: number; bytes: Uint8Array }>, bytes: Uint8Array): void {
    if (this.outage || this.#random() < this.#o.loss) return;
    queue.push({ at: this.tick + this.#o.latencyTicks + Math.floor(this.#random() * 3), bytes });
  }

  #arrived(queue: Array<{ at: number; bytes: Uint8Array }>): Uint8Array[] {
    const out = queue.filter((p) => p.at <= this.tick).map((p) => p.bytes);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i].at <= this.tick) queue.splice(i, 1);
    return out;
  }

  step(controls: Controls, serverEvent?: (b: Body) => void): void {
    this.tick++;
    this.client.tick(controls);
    this.#send(this.#up, this.client.packet());
    for (const bytes of this.#arrived(this.#up)) this.buffer.receive(decodeInputs(bytes)!);
    for (const input of this.buffer.take()) stepBody(this.server, input);
    serverEvent?.(this.server);
    this.#send(this.#down, encodeSnapshot(this.tick, this.buffer.ack, [{ slot: 0, body: this.server }]));
    // Out-of-order snapshots: keep only the newest, as the unreliable sequenced channel does.
    const snaps = this.#arrived(this.#down).map((b) => decodeSnapshot(b)!).sort((a, b) => a.tick - b.tick);
    const last = snaps.at(-1);
    if (last) this.moves.push(this.client.reconcile(last.players[0].body, last.ack));
  }
}

const wobble = (t: number): Controls => ({ mx: Math.cos(t / 17), my: Math.sin(t / 11), dash: t % 97 === 0 });

describe('prediction and reconciliation', () => {
  it('needs no correction at all over 20 % loss and 100 ms of lag: redundancy delivers every input', () => {
    const h = new Harness({ latencyTicks: 3, loss: 0.2, seed: 11 });
    for (let t = 0; t < 900; t++) h.step(wobble(t));
    expect(h.buffer.stats.skipped).toBe(0);
    expect(h.moves.length).toBeGreaterThan(500);
    expect(Math.max(...h.moves)).toBe(0);
    expect(h.client.corrections).toBe(0);
    expect(h.client.pending.length).toBeLessThan(20);
  });

  it('the predicted body is the server body replayed with the unacknowledged inputs', () => {
    const h = new Harness({ latencyTicks: 4, loss: 0.1, seed: 5 });
    for (let t = 0; t < 300; t++) h.step(wobble(t));
    const replay = copyBody(h.server);
    const ack = h.buffer.ack;
    for (const input of h.client.pending) if (input.seq > ack) stepBody(replay, input);
    // The client reconciled with an older snapshot, but determinism makes both paths meet.
    expect(h.client.body).toEqual(replay);
  });

  it('corrects a server-side knockback smoothly', () => {
    const h = new Harness({ latencyTicks: 3, loss: 0, seed: 1 });
    for (let t = 0; t < 60; t++) h.step({ mx: 1, my: 0, dash: false });
    h.step({ mx: 1, my: 0, dash: false }, (b) => { b.vx = -KNOCKBACK_SPEED; b.stun = 30; });
    for (let t = 0; t < 10; t++) h.step({ mx: 1, my: 0, dash: false });
    expect(h.client.corrections).toBeGreaterThan(0);
    const biggest = Math.max(...h.moves);
    expect(biggest).toBeGreaterThan(5);
    expect(biggest).toBeLessThan(SNAP_DISTANCE);
    expect(h.client.body.stun).toBeGreaterThan(0);   // the prediction now includes the stun
    const before = Math.hypot(h.client.errorX, h.client.errorY);
    expect(before).toBeGreaterThan(0);
    h.client.decay(70);
    expect(Math.hypot(h.client.errorX, h.client.errorY)).toBeCloseTo(before / 2, 5);
    for (let i = 0; i < 60; i++) h.client.decay(16);
    expect(h.client.errorX).toBe(0);
    expect(h.client.errorY).toBe(0);
  });

  it('recovers from an outage longer than the redundancy: skipped inputs become one correction, then exact again', () => {
    const h = new Harness({ latencyTicks: 2, loss: 0, seed: 2 });
    for (let t = 0; t < 40; t++) h.step(wobble(t));
    h.outage = true;
    for (let t = 40; t < 55; t++) h.step(wobble(t));   // 15 ticks: more than the 8 inputs per packet
    h.outage = false;
    for (let t = 55; t < 120; t++) h.step(wobble(t));
    expect(h.buffer.stats.skipped).toBeGreaterThan(0);
    expect(h.client.corrections).toBeGreaterThan(0);
    expect(h.moves.slice(-30).every((m) => m === 0)).toBe(true);
  });

  it('a teleport (new round) snaps instead of sliding; stale snapshots are ignored', () => {
    const p = new Predictor(100, 100);
    for (let i = 0; i < 5; i++) p.tick({ mx: 1, my: 0, dash: false });
    const far = createBody(1200, 900);
    p.reconcile(far, 5);
    expect(p.errorX).toBe(0);
    expect(p.body.x).toBe(far.x);
    expect(p.reconcile(createBody(0, 0), 3)).toBe(0);   // older ack: ignored
    expect(p.body.x).toBe(far.x);
  });

  it('keeps at most MAX_PENDING inputs while nothing is acknowledged', () => {
    const p = new Predictor();
    for (let i = 0; i < MAX_PENDING + 50; i++) p.tick({ mx: 0, my: 1, dash: false });
    expect(p.pending.length).toBe(MAX_PENDING);
    expect(p.pending[0].seq).toBe(51);
    const pos = p.drawPosition(0.5);
    expect(pos.y).toBeCloseTo((p.previous.y + p.body.y) / 2, 5);
  });
});
