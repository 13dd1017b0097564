// This page's network setup: the server endpoint (the page's own origin: the game server serves the page, and
// Vite's dev server proxies to it) and the simulator parameters from the URL.
import type { UtpSDK } from '../../../plugin/colyseus/index.ts';
import { makeSdk } from './connect.ts';
import { parseNetParams, type NetParams } from './params.ts';

export const net: { endpoint: string; params: NetParams | null; sdk: UtpSDK } = (() => {
  const endpoint = location.origin;
  const params = parseNetParams(location.search);
  const carrier = new URLSearchParams(location.search).get('carrier') === 'websocket' ? 'websocket' : 'webrtc';
  return { endpoint, params, sdk: makeSdk(endpoint, params, carrier) };
})();
