// The room a UTP connection asks for: its connect payload is the path and query `@colyseus/ws-transport` reads
// from its upgrade URL, `/<processId>/<roomId>?sessionId=…&reconnectionToken=…&skipHandshake=1&_authToken=…`.

/** A parsed connect payload; `ping` when it names no room and no session (the SDK's latency probe). */
export interface ConnectRequest {
  ping: boolean;
  /** The `<processId>` path segment, when present. */
  processId: string | null;
  roomId: string | null;
  sessionId: string;
  reconnectionToken: string | null;
  skipHandshake: boolean;
  authToken: string | null;
}

const decoder = new TextDecoder();

/** Reads a connect payload as ws-transport reads its URL (any text is a path under a fixed origin). */
export function parseConnectRequest(payload: Uint8Array | null): ConnectRequest {
  const text = payload && payload.length ? decoder.decode(payload) : '/';
  const url = new URL(`utp://server${text.startsWith('/') ? text : `/${text}`}`);
  const sessionId = url.searchParams.get('sessionId');
  const match = url.pathname.match(/\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)$/);
  const roomId = match ? match[2] : null;
  return {
    ping: !sessionId && !roomId,
    processId: match ? match[1] : null,
    roomId,
    sessionId: sessionId ?? '',
    reconnectionToken: url.searchParams.get('reconnectionToken'),
    skipHandshake: url.searchParams.has('skipHandshake'),
    authToken: url.searchParams.get('_authToken'),
  };
}
