import { describe, expect, it } from 'vitest';
import { parseConnectRequest } from '../../../plugin/colyseus/server/connect-request.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('connect payload', () => {
  it('reads what ws-transport reads from its upgrade URL', () => {
    expect(parseConnectRequest(bytes('/proc1/room_A?sessionId=s1&reconnectionToken=t&skipHandshake=1&_authToken=x'))).toEqual({
      ping: false, processId: 'proc1', roomId: 'room_A', sessionId: 's1', reconnectionToken: 't', skipHandshake: true, authToken: 'x',
    });
    expect(parseConnectRequest(bytes('p/r?sessionId=s'))).toMatchObject({ processId: 'p', roomId: 'r', skipHandshake: false });
  });

  it('is the ping utility without a room and a session', () => {
    expect(parseConnectRequest(null).ping).toBe(true);
    expect(parseConnectRequest(bytes('/')).ping).toBe(true);
    expect(parseConnectRequest(bytes('/only?x=1')).ping).toBe(true);
  });

  it('reads any text as a path: garbage names no room', () => {
    expect(parseConnectRequest(bytes('\u0000%zz //[x'))).toMatchObject({ ping: true, roomId: null });
    expect(parseConnectRequest(bytes('/a/b/c'))).toMatchObject({ processId: 'b', roomId: 'c', sessionId: '' });
  });
});
