// `?lag=MS&loss=PCT&jitter=MS`: the driver-wide network simulator on this client, to feel the game on a bad
// network. A client can only delay what it sends, so `lag` (added round trip) and `jitter` apply to outgoing
// packets; `loss` drops that share of packets in both directions.
import { NetworkSettings } from '../../../plugin/transport/api/settings.ts';
import { defaultClientSettings } from '../../../plugin/colyseus/index.ts';

export interface NetParams {
  lag: number;
  loss: number;
  jitter: number;
}

function read(params: URLSearchParams, name: string, max: number): number {
  const v = Number(params.get(name));
  return Number.isFinite(v) && v > 0 ? Math.min(max, Math.round(v)) : 0;
}

/** The simulator parameters in a query string, or null when there are none. */
export function parseNetParams(search: string): NetParams | null {
  const params = new URLSearchParams(search);
  const p = { lag: read(params, 'lag', 2000), loss: read(params, 'loss', 90), jitter: read(params, 'jitter', 1000) };
  return p.lag || p.loss || p.jitter ? p : null;
}

/** Client driver settings applying `p` (the SDK's defaults otherwise). */
export function clientSettings(p: NetParams | null): NetworkSettings {
  const settings = defaultClientSettings();
  if (!p) return settings;
  return settings.withNetworkSimulatorParameters({
    sendDelayMS: p.lag, sendJitterMS: p.jitter, sendPacketLossPercent: p.loss, receivePacketLossPercent: p.loss,
  });
}

/** A short description for the HUD: `bad network: +150 ms, 10 % loss, ±30 ms jitter`. */
export function describeNetParams(p: NetParams): string {
  const parts: string[] = [];
  if (p.lag) parts.push(`+${p.lag} ms`);
  if (p.loss) parts.push(`${p.loss} % loss`);
  if (p.jitter) parts.push(`±${p.jitter} ms jitter`);
  return `simulated network: ${parts.join(', ')}`;
}
