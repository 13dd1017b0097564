import { WebSocketNetworkInterface } from '../transport/carriers/websocket-client.ts';
import type { NetCarrier, NetTarget } from './options.ts';

/**
 * The carrier used when the plugin creates the driver and no `networkInterface` option is given: UTP over
 * WebSocket, as in Unity's WebGL builds (Phaser always runs on a page, where UDP does not exist). A `url`
 * (`wss://game.example.com/utp`) is connected to as is; a bare `endpoint` becomes `ws://ADDR:PORT/`.
 * For UDP (a Node bot on headless Phaser), pass `networkInterface: new UDPNetworkInterface()`.
 */
export function defaultNetworkInterface(target: NetTarget): NetCarrier {
  if (target.url !== undefined) {
    const networkInterface = new WebSocketNetworkInterface({ url: target.url });
    return { networkInterface, endpoint: networkInterface.serverEndpoint };
  }
  return { networkInterface: new WebSocketNetworkInterface(), endpoint: target.endpoint };
}
