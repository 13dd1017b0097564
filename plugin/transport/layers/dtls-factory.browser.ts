/** Browser stand-in for dtls-factory.ts: DTLS needs Node (node:crypto, UDP); browsers reach secure servers with wss. */
import { UtpError } from '../api/errors.ts';
import { LAYER_KEY_PREFIX, type LayerFactory } from '../stack/layer.ts';

export const DTLS_LAYER_KEY = `${LAYER_KEY_PREFIX}dtls`;
export const DTLS_LAYER_ORDER = 200;

export function dtlsLayerFactory(): LayerFactory {
  return {
    order: DTLS_LAYER_ORDER,
    create: () => {
      throw new UtpError('DTLS runs in Node only: in a browser connect with wss:// (WebSocketNetworkInterface) instead of withSecure…Parameters');
    },
  };
}
