import type { Suite } from '../lib/types.ts';
import { colyseusCpu } from './colyseus-cpu.ts';
import { reliablePingpong } from './reliable-pingpong.ts';
import { udpEchoThroughput } from './udp-echo-throughput.ts';

/** Every benchmark, in the order `npm run bench` runs them. */
export const suites: Suite[] = [udpEchoThroughput, reliablePingpong, colyseusCpu];
