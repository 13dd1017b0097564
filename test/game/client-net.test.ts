// The client's pure network helpers: URL simulator parameters and join error messages.
import { describe, expect, it } from 'vitest';
import { describeJoinError } from '../../sample-game/src/net/connect.ts';
import { clientSettings, describeNetParams, parseNetParams } from '../../sample-game/src/net/params.ts';

describe('?lag=&loss=&jitter=', () => {
  it('parses, clamps and ignores junk', () => {
    expect(parseNetParams('')).toBeNull();
    expect(parseNetParams('?lag=abc&loss=-3')).toBeNull();
    expect(parseNetParams('?lag=150&loss=10&jitter=30')).toEqual({ lag: 150, loss: 10, jitter: 30 });
    expect(parseNetParams('?loss=300&lag=99999')).toEqual({ lag: 2000, loss: 90, jitter: 0 });
  });

  it('becomes the driver-wide simulator: delay and jitter outbound, loss both ways', () => {
    const sim = clientSettings({ lag: 150, loss: 10, jitter: 30 }).networkSimulator!;
    expect(sim).toMatchObject({ sendDelayMS: 150, sendJitterMS: 30, sendPacketLossPercent: 10, receivePacketLossPercent: 10 });
    expect(clientSettings(null).networkSimulator).toBeUndefined();
    expect(describeNetParams({ lag: 150, loss: 10, jitter: 0 })).toBe('simulated network: +150 ms, 10 % loss');
  });
});

describe('join errors', () => {
  const code = { kind: 'code', code: 'ABCD' } as const;
  const quick = { kind: 'quick' } as const;
  it('say what happened in words a player understands', () => {
    expect(describeJoinError({ code: 522, message: 'room "ABCD" is locked' }, code, 'x')).toMatch(/ABCD is full/);
    expect(describeJoinError({ code: 522, message: 'room "ABCD" not found' }, code, 'x')).toMatch(/no room with code ABCD/);
    expect(describeJoinError({ code: undefined, message: 'fetch failed' }, quick, 'http://localhost:2567')).toMatch(/Can't reach the game server at http:\/\/localhost:2567/);
    expect(describeJoinError({ code: 502, message: 'Bad Gateway' }, quick, 'x')).toMatch(/Can't reach/);
    expect(describeJoinError(new Error('could not connect: MaxConnectionAttempts'), quick, 'x')).toMatch(/could not open the game connection/);
    expect(describeJoinError(new Error('boom'), quick, 'x')).toBe('Could not join: boom');
  });
});
