// Baseline load generator: a raw dgram socket keeping `inflight` datagrams in flight to the echo server.
import { childArgs, reply, reportChildErrors } from '../lib/child.ts';

reportChildErrors();
import { bindRaw, HOST, rawSocket } from '../lib/udp.ts';
import { InflightWindow, Pacer } from '../lib/window.ts';

const args = childArgs();
const port = Number(args.port);
const payload = new Uint8Array(Number(args.size)).fill(0x5a);
const socket = rawSocket();
await bindRaw(socket);

const send = (): boolean => {
  socket.send(payload, port, HOST);
  return true;
};
// `--rate N`: a steady N messages per second (heap-gc); otherwise `inflight` in flight.
const window = args.rate ? new Pacer(Number(args.rate), send) : new InflightWindow(Number(args.inflight), send, true);
socket.on('message', () => window.echo());

const result = await window.run(Number(args.warmup), Number(args.duration), () => reply({ type: 'measuring' }));
socket.close();
reply({ type: 'result', ...result }, () => process.exit(0));
