// Ours' load generator: a NetworkDriver client keeping `inflight` messages in flight to the echo server (over UDP,
// or over WebSocket with `--carrier ws`).
import { NetworkEndpoint, NetworkEventType, type NetworkConnection } from '../../plugin/transport/index.ts';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { pump } from '../lib/utp-pump.ts';
import { benchDriver, benchPipeline, type Carrier, type PipelineKind } from '../lib/utp-setup.ts';
import { InflightWindow, Pacer } from '../lib/window.ts';

const args = childArgs();
const kind = (args.pipeline ?? 'null') as PipelineKind;
const payload = new Uint8Array(Number(args.size)).fill(0x5a);
const carrier = (args.carrier ?? 'udp') as Carrier;
const driver = await benchDriver(Number(args.window ?? 32), carrier, 'client');
await driver.bind(NetworkEndpoint.loopbackIpv4);
const pipeline = await benchPipeline(driver, kind);
const connection: NetworkConnection = driver.connect(NetworkEndpoint.parse('127.0.0.1', Number(args.port)));

// Negative status: -5 means the reliable window is full (retry later); anything else is a bug here.
const send = (): boolean => {
  const r = driver.send(connection, pipeline, payload);
  if (r === -5) return false;
  if (r < 0) throw new Error(`send failed: status ${r}`);
  return true;
};
// `--rate N`: a steady N messages per second (heap-gc); otherwise `inflight` in flight, and over UDP a window that
// sees no echo for a while is presumed lost (TCP loses nothing: no recovery over WebSocket).
const window = args.rate
  ? new Pacer(Number(args.rate), send, () => driver.flush())
  : new InflightWindow(Number(args.inflight), send, kind === 'null' && carrier === 'udp');

let started: Promise<void> | null = null;
const stop = pump(driver, (ev) => {
  if (ev.type === NetworkEventType.Data) window.echo();
  else if (ev.type === NetworkEventType.Connect) started ??= measure();
  else if (ev.type === NetworkEventType.Disconnect) {
    throw new Error(`disconnected (reason ${ev.disconnectReason}; drops ${JSON.stringify(driver.getStatistics().dropped)}; last error: ${driver.lastError?.message ?? 'none'})`);
  }
}, () => { if (window instanceof InflightWindow) window.retry(); });

async function measure(): Promise<void> {
  const result = await window.run(Number(args.warmup), Number(args.duration), () => reply({ type: 'measuring' }));
  stop();
  driver.dispose();
  reply({ type: 'result', ...result }, () => process.exit(0));
}
