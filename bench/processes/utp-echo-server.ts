// Ours: a NetworkDriver server that echoes every Data event on the pipeline it came on (over UDP, or over
// WebSocket with `--carrier ws`).
import { NetworkEndpoint, StatusCode, type NetworkConnection } from '../../plugin/transport/index.ts';
import { childArgs, onStop, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { HeapMeter } from '../lib/heap-meter.ts';
import { pump } from '../lib/utp-pump.ts';
import { benchDriver, benchPipeline, type Carrier, type PipelineKind } from '../lib/utp-setup.ts';

const args = childArgs();
const driver = await benchDriver(Number(args.window ?? 32), (args.carrier ?? 'udp') as Carrier, 'server');
await driver.bind(NetworkEndpoint.loopbackIpv4);
driver.listen();
const pipeline = await benchPipeline(driver, (args.pipeline ?? 'null') as PipelineKind);

// Echoes the reliable window refused (-5), in order, retried after each update.
const backlog: Array<{ to: NetworkConnection; bytes: Uint8Array }> = [];
let echoed = 0;
let cpuMark = process.cpuUsage();
let echoedMark = 0;
// `--heap 1`: heap bytes allocated and GC time over the measured interval (the heap-gc benchmark).
const heap = args.heap === '1' ? new HeapMeter() : null;
let sentMark = 0;

function echo(to: NetworkConnection, bytes: Uint8Array, offset = 0, length = bytes.length): boolean {
  const r = driver.send(to, pipeline, bytes, offset, length);
  if (r === StatusCode.NetworkSendQueueFull) return false;
  if (r < 0) throw new Error(`echo failed: status ${r}`);
  echoed++;
  return true;
}

pump(driver, (ev) => {
  if (ev.pipeline !== pipeline) return;
  // Forward straight from the event's bytes (no view object); copy only what has to wait.
  if (backlog.length > 0 || !echo(ev.connection, ev.bytes, ev.offset, ev.length)) backlog.push({ to: ev.connection, bytes: ev.data.slice() });
}, () => {
  let i = 0;
  while (i < backlog.length && echo(backlog[i].to, backlog[i].bytes)) i++;
  if (i > 0) backlog.splice(0, i);
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'mark') {
    heap?.start();
    cpuMark = process.cpuUsage(); echoedMark = echoed; sentMark = driver.getStatistics().packetsSent;
  }
});
onStop(() => {
  const cpu = process.cpuUsage(cpuMark);
  const h = heap?.stop();
  const stats = driver.getStatistics();
  return { ...h, cpuUs: cpu.user + cpu.system, echoed: echoed - echoedMark, datagrams: stats.packetsSent - sentMark, queueFull: stats.dropped.queueFull };
});
reply({ type: 'ready', port: driver.localEndpoint().port });
