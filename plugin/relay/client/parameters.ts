import { NetworkDriver } from '../../transport/api/driver.ts';
import { UtpError } from '../../transport/api/errors.ts';
import type { NetworkInterface } from '../../transport/carriers/network-interface.ts';
import type { NetworkSettings } from '../../transport/api/settings.ts';
import type { HmacSha256 } from '../wire/hmac.ts';
import { RelayNetworkInterface } from './relay-layer.ts';
import type { RelayServerData } from './server-data.ts';

/** Mirrors UTP's `RelayNetworkParameter` (spec §7.3, §8.1). */
export interface RelayParameters {
  serverData: RelayServerData;
  /** PING after this long without sending, re-BIND after 3× without receiving; 0 disables both. Default 3000. */
  relayConnectionTimeMS: number;
}

const KEY = 'relay';

/**
 * Mirrors `NetworkSettings.WithRelayParameters(ref serverData, relayConnectionTimeMS)`; returns `settings`.
 * `createRelayDriver(settings)` then builds the driver, as `NetworkDriver.Create(settings)` does in UTP.
 */
export function withRelayParameters(settings: NetworkSettings, serverData: RelayServerData, relayConnectionTimeMS = 3000): NetworkSettings {
  if (!Number.isInteger(relayConnectionTimeMS) || relayConnectionTimeMS < 0) {
    throw new UtpError(`relayConnectionTimeMS must be an integer ≥ 0, got ${relayConnectionTimeMS}`);
  }
  return settings.withParameters(KEY, { serverData, relayConnectionTimeMS } satisfies RelayParameters);
}

/** The Relay parameters stored by `withRelayParameters`, if any. */
export function getRelayParameters(settings: NetworkSettings): RelayParameters | undefined {
  return settings.custom.get(KEY) as RelayParameters | undefined;
}

/**
 * A driver that talks through Unity Relay, from settings that carry Relay parameters: wraps `inner` (UDP
 * or WebSocket by the Relay data's connection type when omitted) in a `RelayNetworkInterface`.
 *
 * ```ts
 * const settings = withRelayParameters(new NetworkSettings(), RelayServerData.fromAllocation(allocation, 'udp'));
 * const driver = createRelayDriver(settings);
 * ```
 */
export function createRelayDriver(settings: NetworkSettings, options: { inner?: NetworkInterface; hmac?: HmacSha256 } = {}): NetworkDriver {
  const p = getRelayParameters(settings);
  if (!p) throw new UtpError('createRelayDriver needs settings with Relay parameters: call withRelayParameters(settings, serverData) first');
  const iface = new RelayNetworkInterface(p.serverData, {
    settings, relayConnectionTimeMS: p.relayConnectionTimeMS, inner: options.inner, hmac: options.hmac,
  });
  return NetworkDriver.create(iface, settings);
}
