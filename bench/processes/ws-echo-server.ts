// Baseline server for UTP over WebSocket: a plain `ws` server that sends every binary message back.
import { WebSocketServer } from 'ws';
import { onStop, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { HOST } from '../lib/udp.ts';

const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false, clientTracking: false });
let echoed = 0;
let cpuMark = process.cpuUsage();
let echoedMark = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    echoed++;
    ws.send(data as Buffer, { binary: isBinary });
  });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'mark') { cpuMark = process.cpuUsage(); echoedMark = echoed; }
});
onStop(() => {
  const cpu = process.cpuUsage(cpuMark);
  return { cpuUs: cpu.user + cpu.system, echoed: echoed - echoedMark, datagrams: echoed - echoedMark, queueFull: 0 };
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
reply({ type: 'ready', port: (wss.address() as { port: number }).port });
