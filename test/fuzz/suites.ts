import { bootUtp } from '../colyseus/helpers.ts';
import { colyseusSuite } from './targets/colyseus.ts';
import { httpSuite } from './targets/http.ts';
import { relaySuite } from './targets/relay.ts';
import { utpSuite } from './targets/utp.ts';
import { webSocketSuite } from './targets/websocket.ts';
import type { FuzzSuite } from './target.ts';

/** Every parser under fuzz, grouped by set-up; the Colyseus and HTTP targets share one server. */
export const SUITES: ReadonlyArray<{ names: string[]; create(): Promise<FuzzSuite> }> = [
  { names: ['utp-handshake', 'utp-messages', 'reliable-header', 'fragmentation-header', 'unreliable-sequenced-header'], create: utpSuite },
  { names: ['relay-server', 'relay-client'], create: relaySuite },
  { names: ['websocket-frames'], create: webSocketSuite },
  {
    names: ['colyseus-frames', 'matchmaking-bodies', 'allocation-bodies'],
    async create() {
      const boot = await bootUtp();
      const [a, b] = [await colyseusSuite(boot), await httpSuite(boot)];
      return { targets: [...a.targets, ...b.targets], async dispose() { await a.dispose(); await b.dispose(); await boot.shutdown(); } };
    },
  },
];
