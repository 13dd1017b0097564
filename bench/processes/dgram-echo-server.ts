// Baseline server: a raw dgram socket that sends every datagram back where it came from.
import { onStop, reply } from '../lib/child.ts';
import { bindRaw, rawSocket } from '../lib/udp.ts';

const socket = rawSocket();
let echoed = 0;
let cpuMark = process.cpuUsage();
let echoedMark = 0;
socket.on('message', (msg, rinfo) => {
  echoed++;
  socket.send(msg, rinfo.port, rinfo.address);
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'mark') { cpuMark = process.cpuUsage(); echoedMark = echoed; }
});
onStop(() => {
  const cpu = process.cpuUsage(cpuMark);
  return { cpuUs: cpu.user + cpu.system, echoed: echoed - echoedMark, datagrams: echoed - echoedMark, queueFull: 0 };
});
reply({ type: 'ready', port: await bindRaw(socket) });
