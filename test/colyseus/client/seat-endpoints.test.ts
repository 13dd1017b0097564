import { describe, expect, it } from 'vitest';
import { seatEndpoints, tunnelUrl } from '../../../plugin/colyseus/client/seat-endpoints.ts';

describe('seat endpoints', () => {
  it('lead every carrier to the host and port of the seat (publicAddress of the hosting process)', () => {
    const room = new URL('utp://game-2.example.com:2568/proc2/room7?sessionId=s1');
    expect(seatEndpoints(room)).toEqual({ udp: { host: 'game-2.example.com', port: 2568 }, webSocket: 'ws://game-2.example.com:2568/utp', webRtc: 'http://game-2.example.com:2568/utp/rtc' });
    expect(seatEndpoints(new URL('utps://[2001:db8::1]:2600/p/r?sessionId=s'))).toEqual({
      udp: { host: '2001:db8::1', port: 2600 }, webSocket: 'wss://[2001:db8::1]:2600/utp', webRtc: 'https://[2001:db8::1]:2600/utp/rtc',
    });
    expect(seatEndpoints(new URL('utps://h/p/r?sessionId=s')).udp.port).toBe(443); // no port in the URL
  });

  it('derives the tunnel URL from the room URL', () => {
    const room = new URL('utp://game.example.com:2567/abc/def?sessionId=s1');
    expect(tunnelUrl(room, false, {})).toBe('ws://game.example.com:2567/utp');
    expect(tunnelUrl(new URL('utps://h:443/base/p/r?sessionId=s'), true, {})).toBe('wss://h:443/base/utp');
    expect(tunnelUrl(new URL('utp://h:80/?x=1'), false, { webSocketPath: '/tunnel' })).toBe('ws://h:80/tunnel');
    expect(tunnelUrl(room, false, { webSocketUrl: 'wss://proxy/utp' })).toBe('wss://proxy/utp');
  });

  it('lets a cluster behind a path-routing proxy map each seat to its process', () => {
    const webSocketUrl = (r: URL): string => `wss://game.example.com/p${r.port}/utp`;
    expect(seatEndpoints(new URL('utps://game.example.com:2568/x/y?sessionId=s'), { webSocketUrl })).toEqual({
      udp: { host: 'game.example.com', port: 2568 }, webSocket: 'wss://game.example.com/p2568/utp',
      webRtc: 'https://game.example.com:2568/utp/rtc', // a path-routing proxy needs webRtcPath per process, or ICE on a fixed host
    });
  });
});
