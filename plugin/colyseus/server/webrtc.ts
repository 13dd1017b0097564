import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { logger } from '@colyseus/core';
import { MultiNetworkDriver, NetworkDriver, NetworkEndpoint, NetworkSettings } from '../../transport/node.ts';
import { WebRtcServerInterface, type WebRtcServerInterfaceOptions } from '../../transport/carriers/webrtc-server.ts';
import { GatedInterface } from './gated-interface.ts';

/** `UtpTransport`'s `webRtc` option: the WebRTC carrier's options, on the transport's HTTP server. */
export type UtpTransportWebRtcOptions = Omit<WebRtcServerInterfaceOptions, 'server'>;

/**
 * Adds the WebRTC driver to `multi`: signalling on `server`, ICE on `icePort` (one UDP port for every peer) or
 * `icePortRange`, else on an ephemeral UDP port per peer. With the option left at its default, a
 * missing node-datachannel package turns WebRTC off with one log line; `webRtc: true` or options make it an error.
 */
export async function addWebRtcDriver(
  multi: MultiNetworkDriver, server: HttpServer | HttpsServer, settings: NetworkSettings,
  option: boolean | UtpTransportWebRtcOptions | undefined,
): Promise<{ gate: GatedInterface; driverId: number } | null> {
  if (option === false) return null;
  const o = typeof option === 'object' ? option : {};
  const gate = new GatedInterface(new WebRtcServerInterface({ maxMessageSize: settings.networkConfig.maxMessageSize, ...o, server }));
  const driver = NetworkDriver.create({ networkInterface: gate, settings });
  try {
    await driver.bind(NetworkEndpoint.anyIpv4);
  } catch (err) {
    driver.dispose();
    if (option !== undefined) throw err;
    logger.info(`UtpTransport: WebRTC is off (${(err as Error).message}); browsers use the WebSocket`);
    return null;
  }
  driver.listen();
  return { gate, driverId: multi.addDriver(driver) };
}
