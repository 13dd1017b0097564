import { runEchoPair } from '../lib/echo-pair.ts';
import { alternate } from '../lib/rounds.ts';
import type { Suite } from '../lib/types.ts';

const spec = { pipeline: 'null', carrier: 'ws', inflight: 32, size: 64 } as const;

export const wsPingpong: Suite = {
  name: 'ws-pingpong',
  goal: 0.8,
  unit: 'msg/s',
  description: `UTP over WebSocket ping-pong: ${spec.inflight} messages of ${spec.size} B in flight, pipeline 0, `
    + 'WebSocketServerInterface ↔ WebSocketNetworkInterface, vs plain ws ↔ ws, over 127.0.0.1.',
  async run(opts) {
    const rounds = await alternate(this.name, opts, (side) => runEchoPair(side, spec, opts), this.unit);
    return {
      rounds,
      note: 'Ours: a NetworkDriver echo server on WebSocketServerInterface and a NetworkDriver client on WebSocketNetworkInterface '
        + '(with the ws package as its WebSocket, as the baseline), one UTP packet per binary WebSocket message, pipeline 0 '
        + '(TCP is already reliable). Baseline: a ws server echoing binary messages to a ws client. Separate server and '
        + 'load-generator processes, same number in flight.',
    };
  },
};
