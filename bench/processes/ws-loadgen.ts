// Baseline load generator for UTP over WebSocket: a plain `ws` client keeping `inflight` binary messages in flight.
import { WebSocket } from 'ws';
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { HOST } from '../lib/udp.ts';
import { InflightWindow } from '../lib/window.ts';

const args = childArgs();
const payload = new Uint8Array(Number(args.size)).fill(0x5a);
const ws = new WebSocket(`ws://${HOST}:${args.port}/`, { perMessageDeflate: false });
await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });

const window = new InflightWindow(Number(args.inflight), () => {
  ws.send(payload, { binary: true });
  return true;
}, false);
ws.on('message', () => window.echo());

const result = await window.run(Number(args.warmup), Number(args.duration), () => reply({ type: 'measuring' }));
ws.terminate();
reply({ type: 'result', ...result }, () => process.exit(0));
