import { afterEach, describe, expect, it, vi } from 'vitest';
import { DriverLoop, type PacketNotifier } from '../../../plugin/index.ts';
import { sleep } from '../../support/pump.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));
const loops: DriverLoop[] = [];
afterEach(() => { for (const l of loops.splice(0)) l.stop(); });

function make(tick: () => void, onError?: (err: unknown) => void): { driver: PacketNotifier; loop: DriverLoop } {
  const driver: PacketNotifier = { onPacket: null };
  const loop = new DriverLoop(driver, tick, { intervalMS: 60_000, onError });
  loops.push(loop);
  return { driver, loop };
}

describe('DriverLoop', () => {
  it('ticks once per burst of datagrams, after pending I/O', async () => {
    let ticks = 0;
    const { driver, loop } = make(() => { ticks++; });
    loop.start();
    driver.onPacket!(); driver.onPacket!(); driver.onPacket!();
    expect(ticks).toBe(0);
    await turn();
    expect(ticks).toBe(1);
    driver.onPacket!();
    await turn();
    expect(ticks).toBe(2);
  });

  it('stops cleanly: onPacket removed, a tick already scheduled does nothing, schedule ignored', async () => {
    let ticks = 0;
    const { driver, loop } = make(() => { ticks++; });
    loop.start();
    loop.schedule();
    loop.stop();
    expect(driver.onPacket).toBeNull();
    loop.schedule();
    await turn();
    expect(ticks).toBe(0);
    expect(loop.running).toBe(false);
    loop.start().schedule();
    await turn();
    expect(ticks).toBe(1);
  });

  it('hands what the tick throws to onError and keeps running', async () => {
    const errors: unknown[] = [];
    let ticks = 0;
    const { loop } = make(() => { if (++ticks === 1) throw new Error('boom'); }, (e) => errors.push(e));
    loop.start().schedule();
    await turn();
    loop.schedule();
    await turn();
    expect((errors[0] as Error).message).toBe('boom');
    expect(ticks).toBe(2);
  });

  it('ticks on its fallback timer without any datagram', async () => {
    let ticks = 0;
    const driver: PacketNotifier = { onPacket: null };
    const loop = new DriverLoop(driver, () => { ticks++; }, { intervalMS: 5 }).start();
    loops.push(loop);
    await sleep(60);
    expect(ticks).toBeGreaterThan(1);
  });

  it('the fallback timer counts from the last tick, so a loop kept busy by datagrams never ticks for it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate'] });
    try {
      let ticks = 0;
      const driver: PacketNotifier = { onPacket: null };
      const loop = new DriverLoop(driver, () => { ticks++; }, { intervalMS: 10 }).start();
      loops.push(loop);
      for (let i = 1; i <= 5; i++) {
        vi.advanceTimersByTime(8);
        driver.onPacket!();
        vi.advanceTimersByTime(0); // the Immediate
        expect(ticks).toBe(i); // datagram ticks only: 40 ms passed, the timer never came due
      }
      vi.advanceTimersByTime(9);
      expect(ticks).toBe(5);
      vi.advanceTimersByTime(1); // 10 ms after the last tick
      expect(ticks).toBe(6);
      vi.advanceTimersByTime(10); // and again 10 ms after its own
      expect(ticks).toBe(7);
    } finally {
      vi.useRealTimers();
    }
  });
});
