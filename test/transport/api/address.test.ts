import { describe, expect, it } from 'vitest';
import { endpointFromAddress, plainAddress, resolveHost } from '../../../plugin/transport/api/address.ts';
import { NetworkFamily } from '../../../plugin/transport/index.ts';

describe('address helpers', () => {
  it('plainAddress unwraps an IPv4-mapped IPv6 address only', () => {
    expect(plainAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(plainAddress('::ffff:abcd')).toBe('::ffff:abcd');
    expect(plainAddress('2001:db8::1')).toBe('2001:db8::1');
  });

  it('endpointFromAddress is numeric for IP literals, Custom otherwise', () => {
    expect(endpointFromAddress('127.0.0.1', 7).family).toBe(NetworkFamily.Ipv4);
    expect(endpointFromAddress('::1', 7).family).toBe(NetworkFamily.Ipv6);
    const custom = endpointFromAddress('peer-42', 3);
    expect([custom.family, custom.address, custom.port]).toEqual([NetworkFamily.Custom, 'peer-42', 3]);
  });

  it('resolveHost keeps literals, maps localhost to IPv4 and resolves names', async () => {
    expect(await resolveHost('10.1.2.3')).toBe('10.1.2.3');
    expect(await resolveHost('[::1]')).toBe('::1');
    expect(await resolveHost('localhost')).toBe('127.0.0.1');
    await expect(resolveHost('no-such-host.invalid')).rejects.toThrow();
  });
});
