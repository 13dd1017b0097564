import { NetworkDriver } from '../transport/api/driver.ts';
import { NetworkEndpoint } from '../transport/api/endpoint.ts';
import { UtpError } from '../transport/api/errors.ts';
import type { NetworkInterface } from '../transport/carriers/network-interface.ts';
import { ReliableSequencedPipelineStage } from '../transport/stages/reliable-sequenced.ts';
import { UnreliableSequencedPipelineStage } from '../transport/stages/unreliable-sequenced.ts';
import { defaultNetworkInterface } from './default-interface.ts';
import { encodePayload } from './message.ts';
import type { ChannelPipelines, NetCarrier, UtpPluginOptions } from './options.ts';
import { NetSession } from './session.ts';

/** Pipelines 1 = [ReliableSequenced] and 2 = [UnreliableSequenced], the first two of `utp echo`'s default list. */
export function defaultPipelines(driver: NetworkDriver): ChannelPipelines {
  return {
    reliable: driver.createPipeline(ReliableSequencedPipelineStage),
    unreliable: driver.createPipeline(UnreliableSequencedPipelineStage),
  };
}

function isInterface(x: unknown): x is NetworkInterface {
  return typeof x === 'object' && x !== null && typeof (x as NetworkInterface).send === 'function';
}

function toEndpoint(e: NetworkEndpoint | string | undefined): NetworkEndpoint | undefined {
  return typeof e === 'string' ? NetworkEndpoint.fromString(e) : e;
}

function connectTo(driver: NetworkDriver, endpoint: NetworkEndpoint | undefined, o: UtpPluginOptions) {
  if (!endpoint) throw new UtpError('the Phaser plugin needs somewhere to connect: pass url or endpoint, driver with connection, or a room adapter (room) that brings its own connection');
  return driver.connect(endpoint, o.connectPayload === undefined ? undefined : encodePayload(o.connectPayload));
}

/**
 * Builds the plugin's session from its options: wraps your driver, or creates one and connects; with only a `room`
 * (no `url`, `endpoint` or `driver`), a session without a connection of its own that pumps the room.
 */
export function createSession(o: UtpPluginOptions): NetSession {
  const endpoint = toEndpoint(o.endpoint);
  if (o.room && !o.driver && !o.connection && o.url === undefined && endpoint === undefined) {
    return new NetSession({ clock: o.clock });
  }
  if (o.driver) {
    const pipelines = typeof o.pipelines === 'function' ? o.pipelines(o.driver) : o.pipelines ?? { reliable: 1, unreliable: 2 };
    const connection = o.connection ?? connectTo(o.driver, endpoint, o);
    return new NetSession({ driver: o.driver, connection, pipelines, ownsDriver: false, clock: o.clock });
  }
  if (o.connection) throw new UtpError('the connection option needs the driver it belongs to: pass driver too');
  if (o.pipelines && typeof o.pipelines !== 'function') {
    throw new UtpError('pipelines must be a function (driver) => ({ reliable, unreliable }) when the plugin creates the driver');
  }
  const target = { url: o.url, endpoint, carrier: o.carrier, webRtcPath: o.webRtcPath, iceServers: o.iceServers, webRtcTimeoutMS: o.webRtcTimeoutMS };
  const carrier: NetCarrier = isInterface(o.networkInterface)
    ? { networkInterface: o.networkInterface, endpoint }
    : (o.networkInterface ?? defaultNetworkInterface)(target);
  const driver = NetworkDriver.create({ networkInterface: carrier.networkInterface, settings: o.settings });
  try {
    const pipelines = (o.pipelines ?? defaultPipelines)(driver);
    const connection = connectTo(driver, carrier.endpoint ?? endpoint, o);
    return new NetSession({ driver, connection, pipelines, ownsDriver: true, clock: o.clock });
  } catch (err) {
    driver.dispose();
    throw err;
  }
}
