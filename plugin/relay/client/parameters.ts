import { NetworkDriver } from '../../transport/api/driver.ts';
import { UtpError } from '../../transport/api/errors.ts';
import type { NetworkSettings } from '../../transport/api/settings.ts';
import type { NetworkInterface } from '../../transport/carriers/network-interface.ts';
import { UDPNetworkInterface } from '../../transport/carriers/udp.ts';
import { LAYER_KEY_PREFIX, type LayerFactory } from '../../transport/stack/layer.ts';
import { DTLS_LAYER_KEY, dtlsLayerFactory } from '../../transport/layers/dtls-factory.ts';
import type { HmacSha256 } from '../wire/hmac.ts';
import { RelayLayer } from './relay-layer.ts';
import type { RelayServerData } from './server-data.ts';
import { RelayWebSocketInterface } from './websocket.ts';

/** Mirrors UTP's `RelayNetworkParameter` (spec §7.3, §8.1). */
export interface RelayParameters {
  /** How to reach the Relay server and who we are there. UTP's `ServerData`. */
  serverData: RelayServerData;
  /** PING after this long without sending, re-BIND after 3× without receiving; 0 disables both. Default 3000. */
  relayConnectionTimeMS: number;
  /** HMAC-SHA256 for the BIND; default `node:crypto` in Node, WebCrypto elsewhere. */
  hmac?: HmacSha256;
}

const KEY = 'relay';
/** Above the simulator (100) and DTLS (200), below the connection layer, as in NetworkStack.cs. */
const RELAY_LAYER_ORDER = 300;

/**
 * Mirrors `NetworkSettings.WithRelayParameters(ref serverData, relayConnectionTimeMS)`; returns `settings`. A driver
 * created from these settings has a `RelayLayer` above its carrier (use `createRelayDriver` to also get the carrier
 * that matches the Relay data: UDP, or WebSocket for `ws`/`wss`).
 */
export function withRelayParameters(
  settings: NetworkSettings, serverData: RelayServerData, relayConnectionTimeMS = 3000, options: { hmac?: HmacSha256 } = {},
): NetworkSettings {
  if (!Number.isInteger(relayConnectionTimeMS) || relayConnectionTimeMS < 0) {
    throw new UtpError(`relayConnectionTimeMS must be an integer ≥ 0, got ${relayConnectionTimeMS}`);
  }
  const params: RelayParameters = { serverData, relayConnectionTimeMS, hmac: options.hmac };
  const factory: LayerFactory = {
    order: RELAY_LAYER_ORDER,
    create: (s, carrier) => {
      RelayLayer.checkCarrier(serverData, carrier);
      return new RelayLayer(serverData, s, params);
    },
  };
  settings.withParameters(KEY, params).withParameters(LAYER_KEY_PREFIX + KEY, factory);
  // `dtls`: a DTLS layer below Relay, keyed with the allocation (spec §6.4: identity = allocation id, PSK = HMAC key).
  if (serverData.connectionType === 'dtls') {
    settings.withParameters(DTLS_LAYER_KEY, dtlsLayerFactory({ psk: { identity: serverData.allocationId, key: serverData.hmacKey } }));
  }
  return settings;
}

/** The Relay parameters stored by `withRelayParameters`, if any. */
export function getRelayParameters(settings: NetworkSettings): RelayParameters | undefined {
  return settings.custom.get(KEY) as RelayParameters | undefined;
}

/** The carrier UTP uses for this Relay data: UDP, or `RelayWebSocketInterface` for `ws`/`wss`. */
export function relayCarrierFor(serverData: RelayServerData): NetworkInterface {
  return serverData.isWebSocket ? new RelayWebSocketInterface() : new UDPNetworkInterface();
}

/**
 * A driver that talks through Unity Relay, from settings that carry Relay parameters, over `carrier` (by default
 * the one that matches the Relay data's connection type), as `NetworkDriver.Create(settings)` does in UTP.
 *
 * ```ts
 * const settings = withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(allocation, 'udp'));
 * const driver = createRelayDriver(settings);
 * ```
 */
export function createRelayDriver(settings: NetworkSettings, options: { carrier?: NetworkInterface } = {}): NetworkDriver {
  const p = getRelayParameters(settings);
  if (!p) throw new UtpError('createRelayDriver needs settings with Relay parameters: call withRelayParameters(settings, serverData) first');
  return NetworkDriver.create(options.carrier ?? relayCarrierFor(p.serverData), settings);
}
