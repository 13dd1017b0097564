/**
 * How `withSecure…Parameters` (and Relay's `dtls` type) put a DtlsLayer in the stack: a `LayerFactory` at UTP's
 * position for DTLS (above the simulator, below Relay). Browser builds swap this file for dtls-factory.browser.ts.
 */
import { UtpError } from '../api/errors.ts';
import type { NetworkInterface } from '../carriers/network-interface.ts';
import { LAYER_KEY_PREFIX, type LayerFactory } from '../stack/layer.ts';
import { DtlsLayer, type DtlsLayerOptions } from './dtls-layer.ts';

/** `NetworkSettings.custom` key of the DTLS layer's factory. */
export const DTLS_LAYER_KEY = `${LAYER_KEY_PREFIX}dtls`;
/** Above the simulator (100), below Relay (300), as NetworkStack.cs adds them. */
export const DTLS_LAYER_ORDER = 200;

export function dtlsLayerFactory(options: DtlsLayerOptions = {}): LayerFactory {
  return {
    order: DTLS_LAYER_ORDER,
    create: (settings, carrier) => {
      checkCarrier(carrier);
      return new DtlsLayer(settings, options);
    },
  };
}

/** UTP secures UDP with DTLS and WebSocket with TLS (spec §2.1): DTLS over a stream carrier is refused. */
function checkCarrier(carrier: NetworkInterface): void {
  const name = carrier.carrierName;
  if (name === 'websocket' || name === 'webrtc') {
    throw new UtpError(`DTLS secures UDP, not ${name}: over WebSocket use wss:// (WebSocketServerInterface tls option); WebRTC is already encrypted`);
  }
}
