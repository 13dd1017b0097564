import type { Suite } from '../lib/types.ts';
import { colyseusClusterClients, colyseusClusterJoins, colyseusRedisJoinLatency } from './colyseus-cluster.ts';
import { colyseusCpu, colyseusCpu500, colyseusCpuUws } from './colyseus-cpu.ts';
import { dtlsPingpong } from './dtls-pingpong.ts';
import { heapGc } from './heap-gc.ts';
import { idleConnections } from './idle-connections.ts';
import { reliablePingpong } from './reliable-pingpong.ts';
import { rttDelayedLink, rttUnderLoss } from './rtt-under-loss.ts';
import { udpEchoThroughput } from './udp-echo-throughput.ts';
import { webrtcServerCpu } from './webrtc-server-cpu.ts';
import { webrtcSnapshotAge, webrtcSnapshotAgeLoopback } from './webrtc-snapshot-age.ts';
import { wireBytes } from './wire-bytes.ts';
import { wsPingpong } from './ws-pingpong.ts';

/** Every benchmark, in the order `npm run bench` runs them. */
export const suites: Suite[] = [udpEchoThroughput, reliablePingpong, wireBytes, rttUnderLoss, rttDelayedLink, webrtcSnapshotAge, webrtcSnapshotAgeLoopback, webrtcServerCpu, heapGc, idleConnections, wsPingpong, dtlsPingpong, colyseusCpu, colyseusCpu500, colyseusCpuUws, colyseusClusterJoins, colyseusClusterClients, colyseusRedisJoinLatency];
