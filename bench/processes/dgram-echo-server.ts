// Baseline server: a raw dgram socket that sends every datagram back where it came from.
import { childArgs, onStop, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { HeapMeter } from '../lib/heap-meter.ts';
import { bindRaw, rawSocket } from '../lib/udp.ts';

const args = childArgs();
const socket = rawSocket();
let echoed = 0;
let cpuMark = process.cpuUsage();
let echoedMark = 0;
// `--heap 1`: heap bytes allocated and GC time over the measured interval (the heap-gc benchmark).
const heap = args.heap === '1' ? new HeapMeter() : null;
socket.on('message', (msg, rinfo) => {
  echoed++;
  socket.send(msg, rinfo.port, rinfo.address);
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'mark') {
    heap?.start();
    cpuMark = process.cpuUsage(); echoedMark = echoed;
  }
});
onStop(() => {
  const cpu = process.cpuUsage(cpuMark);
  const h = heap?.stop();
  return { ...h, cpuUs: cpu.user + cpu.system, echoed: echoed - echoedMark, datagrams: echoed - echoedMark, queueFull: 0 };
});
reply({ type: 'ready', port: await bindRaw(socket) });
