import { describe, expect, it } from 'vitest';
import { isConnectionRequest, isSclDisconnect, LinkTokens } from '../../plugin/transport/carriers/link-tokens.ts';
import { vectorBytes } from '../support/vectors.ts';

const other = (v: string) => { const b = vectorBytes(v); b[v === 'TV-1' ? 12 : 8] ^= 0xff; return b; };

describe('LinkTokens: a WebSocket closes with the last UTP connection using it (§6.2.6)', () => {
  it('recognises an SCL Disconnect (TV-6) and nothing else', () => {
    expect(isSclDisconnect(vectorBytes('TV-6'), 0, 9)).toBe(true);
    expect(isSclDisconnect(vectorBytes('TV-5'), 0, 9)).toBe(false);
    expect(isSclDisconnect(vectorBytes('TV-4'), 0, 12)).toBe(false);
    expect(isSclDisconnect(vectorBytes('TV-1'), 0, 13)).toBe(false);
  });

  it('recognises a ConnectionRequest (TV-1, TV-2) and nothing else', () => {
    expect(isConnectionRequest(vectorBytes('TV-1'), 0, 13)).toBe(true);
    expect(isConnectionRequest(vectorBytes('TV-2'), 0, 19)).toBe(true);
    expect(isConnectionRequest(vectorBytes('TV-3a'), 0, 13)).toBe(false);
    expect(isConnectionRequest(vectorBytes('TV-1'), 0, 12)).toBe(false);
    expect(isConnectionRequest(vectorBytes('TV-4'), 0, 12)).toBe(false);
  });

  it('ends the link only when every requested token has disconnected', () => {
    const t = new LinkTokens();
    t.noteRequest(vectorBytes('TV-1'), 0, 13);
    t.noteRequest(vectorBytes('TV-1'), 0, 13); // a retransmitted request
    t.noteRequest(other('TV-1'), 0, 13);
    t.noteRequest(vectorBytes('TV-3a'), 0, 13); // an accept is not a request
    expect(t.endsLink(vectorBytes('TV-4'), 0, 12)).toBe(false);
    expect(t.endsLink(vectorBytes('TV-6'), 0, 9)).toBe(false); // the other connection still uses it
    expect(t.endsLink(other('TV-6'), 0, 9)).toBe(true);
  });

  it('a link whose requests were never seen ends with any Disconnect', () => {
    expect(new LinkTokens().endsLink(vectorBytes('TV-6'), 0, 9)).toBe(true);
  });
});
