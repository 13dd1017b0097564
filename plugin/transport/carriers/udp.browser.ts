import { NetworkEndpoint } from '../api/endpoint.ts';
import { UtpSocketError } from '../api/errors.ts';
import type { NetworkInterface, PacketSink } from './network-interface.ts';

/** Options of the UDP interface (kept for type compatibility in browser bundles). */
export interface UDPNetworkInterfaceOptions {
  receiveBufferSize?: number;
  sendBufferSize?: number;
}

/**
 * Browser stand-in for `udp.ts`, swapped in by `vite.browser.config.ts`: browsers have no UDP, so binding
 * fails with a pointer to `WebSocketNetworkInterface` (UTP's WebGL builds cannot use UDP either, §2.3).
 */
export class UDPNetworkInterface implements NetworkInterface {
  readonly packetPadding = 0;
  readonly localEndpoint = NetworkEndpoint.anyIpv4;

  constructor(_options: UDPNetworkInterfaceOptions = {}) {}

  async bind(_endpoint: NetworkEndpoint, _sink: PacketSink): Promise<void> {
    throw new UtpSocketError('UDP is not available in browsers: create the driver with a WebSocketNetworkInterface');
  }

  listen(): void {}
  send(): void {}
  dispose(): void {}
}
