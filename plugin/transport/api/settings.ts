import { UtpSettingsError } from './errors.ts';
import { DTLS_LAYER_KEY, dtlsLayerFactory } from '../layers/dtls-factory.ts';

/** Mirrors `NetworkConfigParameter` (spec §8.1). Times in milliseconds. */
export interface NetworkConfigParameters {
  /** Retry interval of connection requests (and Relay/WebSocket connects). Default 1000. */
  connectTimeoutMS: number;
  /** Connection requests sent before giving up with `MaxConnectionAttempts`. Default 60. */
  maxConnectAttempts: number;
  /** Close a connection after this long without receiving anything; 0 disables. Default 30000. */
  disconnectTimeoutMS: number;
  /** Send a heartbeat after this long without sending anything; 0 disables. Default 500. */
  heartbeatTimeoutMS: number;
  /** DTLS only in UTP; kept for API parity. Default 2000. */
  reconnectionTimeoutMS: number;
  /** Clamp on the time one update may advance the clock; 0 = no clamp. Default 0. */
  maxFrameTimeMS: number;
  /** When > 0 every update advances the clock by exactly this much. Default 0. */
  fixedFrameTimeMS: number;
  /** Datagrams buffered between updates before new ones are dropped (`NetworkReceiveQueueFull`). Default 512. */
  receiveQueueCapacity: number;
  /** Packets queued between flushes; a full queue is flushed early rather than refusing sends. Default 512. */
  sendQueueCapacity: number;
  /** Largest datagram sent or accepted, 1..1472 ("MTU"). Both peers must agree. Default 1400. */
  maxMessageSize: number;
  /** Path-MTU discovery (§3.8). Off by default, as in UTP since 2.5.1. */
  performPathMtuDiscovery: boolean;
}

/** Mirrors `ReliableStageParameters` (spec §5.3). */
export interface ReliableStageParameters {
  /** Packets in flight per connection and pipeline; rounded up to a multiple of 8, at most 2040. Default 32. */
  windowSize: number;
  /** Lower bound of the resend timeout. Default 64. */
  minimumResendTime: number;
  /** Upper bound of the resend timeout. Default 200. */
  maximumResendTime: number;
  /**
   * utp-ts only, local (no byte changes): double a packet's resend timeout after each timed resend, up to
   * `maximumResendTime`, until an acknowledgement advances (RFC 6298 §5.5); the connection also gets one timer:
   * after a round of timed resends the next round waits 1×, 2×… the timeout (capped) unless an ack advances, so
   * with `maxResendsPerUpdate` a silent peer costs at most that many resends per round. While an ack advances at
   * least once per resend timeout the timing is UTP's. Default false: UTP resends at a constant interval
   * (spec §5.3.4).
   */
  resendBackoff: boolean;
  /**
   * utp-ts only, local: at most this many timed resends per connection and pipeline in one update, oldest
   * first; the rest stay due for the next update. 0 = no bound (UTP, the default).
   */
  maxResendsPerUpdate: number;
  /**
   * utp-ts only, local (no byte changes): at most this many resends (timed and fast) per connection and pipeline
   * per second, a token bucket holding up to one second's worth; acks do not refill it, so a peer that acknowledges
   * now and then cannot keep a sender resending. A resend it holds back stays due. 0 = no limit (UTP, the default).
   */
  maxResendsPerSecond: number;
  /**
   * utp-ts only, local (no byte changes): an ack-only packet for data received in order may wait up to this many
   * ms (a data packet sent meanwhile carries the ack instead), so a stream is acknowledged in batches. It never
   * waits past `minimumResendTime` − SRTT − the update interval, so a peer whose resend timeout is at least
   * `minimumResendTime` (UTP's rule, spec §5.3.5) gets it before its timer fires; holes and duplicates are
   * acknowledged at once. Default 0: an ack at the first update, as UTP.
   */
  ackDelay: number;
}

/** Mirrors `FragmentationStageParameters` (spec §5.4). */
export interface FragmentationStageParameters {
  /** Largest message a fragmented pipeline accepts. Both peers must agree. Default 4096. */
  payloadCapacity: number;
}

/** Mirrors `SimulatorUtility.Parameters` (spec §5.5), plus `reorderPercentage` (ours, local only). */
export interface SimulatorStageParameters {
  /** Packets the stage holds back (delayed) at once; beyond it packets pass undelayed. Default 300. UTP's `MaxPacketCount`. */
  maxPacketCount: number;
  /** Larger packets bypass the simulation untouched, in bytes. Default 1472. UTP's `MaxPacketSize`. */
  maxPacketSize: number;
  /** 0 ReceivedPacketsOnly, 1 SentPacketsOnly, 2 AllPackets (default), 3 Off. */
  mode: number;
  /** Fixed delay added to every simulated packet, in ms. Default 0. UTP's `PacketDelayMs`. */
  packetDelayMs: number;
  /** Random variation of that delay, ± this many ms. Default 0. UTP's `PacketJitterMs`. */
  packetJitterMs: number;
  /** Drop every N-th packet; 0 = never. */
  packetDropInterval: number;
  /** Percentage (0..100) of packets dropped at random. Default 0. UTP's `PacketDropPercentage`. */
  packetDropPercentage: number;
  /** Percentage (0..100) of packets delivered twice. Default 0. UTP's `PacketDuplicationPercentage`. */
  packetDuplicationPercentage: number;
  /** Percentage of packets with a random bit flipped, past `fuzzOffset` bytes. */
  fuzzFactor: number;
  /** Bytes at the start of a packet that fuzzing leaves alone. Default 0. UTP's `FuzzOffset`. */
  fuzzOffset: number;
  /** 0 picks a seed from the clock; any other value makes the simulation reproducible. */
  randomSeed: number;
  /** Ours: percentage of packets held back by one extra delay step so that a later one overtakes them. */
  reorderPercentage: number;
}

/** Mirrors `NetworkSimulatorParameter` (the driver-wide SimulatorLayer, spec §5.5). */
export interface NetworkSimulatorParameters {
  /** Percentage (0..100) of received datagrams dropped. Default 0. UTP's `ReceivePacketLossPercent`. */
  receivePacketLossPercent: number;
  /** Percentage (0..100) of sent datagrams dropped. Default 0. UTP's `SendPacketLossPercent`. */
  sendPacketLossPercent: number;
  /** Delay added to every sent datagram, in ms. Default 0. UTP's `SendDelayMS`. */
  sendDelayMS: number;
  /** Extra random delay of 0..this many ms per sent datagram. Default 0. UTP's `SendJitterMS`. */
  sendJitterMS: number;
  /** Percentage (0..100) of sent datagrams sent twice. Default 0. UTP's `SendDuplicatePercent`. */
  sendDuplicatePercent: number;
  /** Datagrams larger than this are dropped on receive; 0 = no limit. */
  receiveMTU: number;
  /** 0 picks a seed from the clock; any other value makes the simulation reproducible. Default 0. */
  randomSeed: number;
}

/** utp-ts options that never change the bytes a peer sees. */
export interface LocalParameters {
  /**
   * Follow a connection to a new source address when a packet with its token arrives from elsewhere
   * (UTP does, §3.7: NAT rebinding, roaming). `false` pins each connection to its first address.
   */
  connectionRoaming: boolean;
  /**
   * Client: when nothing was sent between the server's accept and the next update, send one heartbeat then, so a
   * server that admits strangers carefully (utp-ts's admission rules) hears from us at once instead of after
   * `heartbeatTimeoutMS`. A valid UTP heartbeat, only earlier; `false` keeps UTP's timing exactly.
   */
  heartbeatOnAccept: boolean;
}

/**
 * utp-ts only, never a byte to a proven peer: how a server treats strangers. A server connection is *half-open*
 * from its accept until its peer sends anything but a ConnectionRequest: until then it gets one accept per request,
 * never more bytes than it sent, and nothing else (no heartbeats, no resends, no pipeline data: those wait until it
 * is proven). Carriers that prove the address themselves (WebSocket's TCP handshake, DTLS cookies, Relay) skip this.
 */
export interface AdmissionParameters {
  /** Server connections at once, half-open included; requests beyond it are not answered (`connectionLimit`). Default 16384. */
  maxConnections: number;
  /** Half-open connections at once. Default 8192. */
  maxHalfOpen: number;
  /** Half-open connections from one IP address. Default 128. */
  maxHalfOpenPerAddress: number;
  /**
   * When a cap is reached, the oldest half-open connection (from that address, or overall) gives way to the new
   * request if it is at least this old; otherwise the request is not answered and the client retries. Default 1000.
   */
  halfOpenEvictAfterMS: number;
  /** A half-open connection that hears nothing for this long is released; 0 = `disconnectTimeoutMS` (30 s if that is 0). Default 0. */
  halfOpenTimeoutMS: number;
  /** `accept()` returns half-open connections (UTP's behaviour); `false` returns a connection once it is proven. Default true. */
  acceptHalfOpen: boolean;
  /** Bytes of messages `send` may queue for one half-open connection; beyond it `send` returns −5. Default 65536. */
  maxHeldBytesPerConnection: number;
  /** Bytes of such held messages in total. Default 16 MiB. */
  maxHeldBytes: number;
  /** Bytes of fragments waiting for reassembly, all connections together; beyond it fragments are dropped (`reassemblyLimit`). Default 64 MiB. */
  maxReassemblyBytes: number;
}

/** Mirrors `SecureClientAuthPolicy`: whether a secure server asks clients for a certificate. */
export const SecureClientAuthPolicy = {
  /** A server with a `caCertificate` asks for a client certificate and accepts none; one a client sends is checked. */
  Optional: 'optional',
  /** Every client must present a certificate issued by `caCertificate` (and for `serverName` if set). */
  Required: 'required',
} as const;
export type SecureClientAuthPolicy = (typeof SecureClientAuthPolicy)[keyof typeof SecureClientAuthPolicy];

/**
 * Mirrors `SecureNetworkProtocolParameter` (spec §6.4): PEM text, checked when the driver builds its DTLS layer.
 * Set it with `withSecureServerParameters` / `withSecureClientParameters`.
 */
export interface SecureNetworkProtocolParameters {
  /** Which `with…Parameters` call made it: `'server'` (`WithSecureServerParameters`) or `'client'`. */
  readonly role: 'server' | 'client';
  /** Our certificate (PEM): the server's, or the client's for client authentication. */
  readonly certificate?: string;
  /** The private key (PEM) of `certificate`. */
  readonly privateKey?: string;
  /** CA certificate(s) (PEM) that issued the peer's certificate. Client without it: Node's public root CAs. */
  readonly caCertificate?: string;
  /** Name the peer certificate must carry (the server's host name; on a server, the clients'). */
  readonly serverName?: string;
  /** Whether a server asks clients for a certificate. Default `Optional` (clients: always `Optional`). */
  readonly clientAuthenticationPolicy: SecureClientAuthPolicy;
  /** utp-ts: accept any server certificate (encrypted, but anyone can pretend to be the server). For tests. */
  readonly insecure?: boolean;
}

/** UTP's `NetworkConfigParameter` defaults (spec §8.1). */
export const defaultNetworkConfig: Readonly<NetworkConfigParameters> = Object.freeze({
  connectTimeoutMS: 1000,
  maxConnectAttempts: 60,
  disconnectTimeoutMS: 30000,
  heartbeatTimeoutMS: 500,
  reconnectionTimeoutMS: 2000,
  maxFrameTimeMS: 0,
  fixedFrameTimeMS: 0,
  receiveQueueCapacity: 512,
  sendQueueCapacity: 512,
  maxMessageSize: 1400,
  performPathMtuDiscovery: false,
});

/** UTP's reliable stage defaults: window 32, resend timeout 64–200 ms (spec §5.3, §8.1). */
export const defaultReliableStage: Readonly<ReliableStageParameters> = Object.freeze({
  windowSize: 32, minimumResendTime: 64, maximumResendTime: 200, resendBackoff: false, maxResendsPerUpdate: 0, maxResendsPerSecond: 0, ackDelay: 0,
});

/** UTP's fragmentation default: 4096-byte messages (spec §5.4). */
export const defaultFragmentationStage: Readonly<FragmentationStageParameters> = Object.freeze({ payloadCapacity: 4096 });

/** UTP's simulator stage defaults: nothing simulated, mode AllPackets (spec §5.5). */
export const defaultSimulatorStage: Readonly<SimulatorStageParameters> = Object.freeze({
  maxPacketCount: 300, maxPacketSize: 1472, mode: 2, packetDelayMs: 0, packetJitterMs: 0, packetDropInterval: 0,
  packetDropPercentage: 0, packetDuplicationPercentage: 0, fuzzFactor: 0, fuzzOffset: 0, randomSeed: 0,
  reorderPercentage: 0,
});

/** utp-ts local options: roaming on, as UTP behaves. */
export const defaultLocal: Readonly<LocalParameters> = Object.freeze({ connectionRoaming: true, heartbeatOnAccept: true });

/** Admission defaults: room for bursts of real clients, a bound on what forged requests can hold. */
export const defaultAdmission: Readonly<AdmissionParameters> = Object.freeze({
  maxConnections: 16384,
  maxHalfOpen: 8192,
  maxHalfOpenPerAddress: 128,
  halfOpenEvictAfterMS: 1000,
  halfOpenTimeoutMS: 0,
  acceptHalfOpen: true,
  maxHeldBytesPerConnection: 64 * 1024,
  maxHeldBytes: 16 * 1024 * 1024,
  maxReassemblyBytes: 64 * 1024 * 1024,
});

/** Constants of UTP's `NetworkParameterConstants` (spec §8.1). */
export const AbsoluteMaxMessageSize = 1472;
/** The smallest MTU UTP accepts (`NetworkParameterConstants.AbsoluteMinimumMtuSize`). */
export const AbsoluteMinimumMtuSize = 1024;
/** The largest reliable window, in packets (UTP 2.6+; 64 before, spec §5.3). */
export const MaxReliableWindowSize = 2040;

/**
 * Mirrors UTP's `NetworkSettings`: a builder of parameter groups, each validated when set.
 *
 * ```ts
 * const settings = new NetworkSettings()
 *   .withNetworkConfigParameters({ disconnectTimeoutMS: 10_000 })
 *   .withReliableStageParameters({ windowSize: 64 });
 * ```
 */
export class NetworkSettings {
  /** Timeouts, queues and MTU (`withNetworkConfigParameters`); UTP's defaults until set. */
  networkConfig: NetworkConfigParameters = { ...defaultNetworkConfig };
  /** The reliable stage's window and resend times (`withReliableStageParameters`). */
  reliableStage: ReliableStageParameters = { ...defaultReliableStage };
  /** The fragmentation stage's largest message (`withFragmentationStageParameters`). */
  fragmentationStage: FragmentationStageParameters = { ...defaultFragmentationStage };
  /** The simulator stage's parameters (`withSimulatorStageParameters`); nothing simulated by default. */
  simulatorStage: SimulatorStageParameters = { ...defaultSimulatorStage };
  /** Present only when `withNetworkSimulatorParameters` was called (UTP adds the layer only then). */
  networkSimulator: NetworkSimulatorParameters | undefined;
  /** utp-ts options that never change the bytes a peer sees (`withLocalParameters`). */
  local: LocalParameters = { ...defaultLocal };
  /** How a server admits strangers (`withAdmissionParameters`). */
  admission: AdmissionParameters = { ...defaultAdmission };
  /** Present only when a `withSecure…Parameters` call made the driver secure (UTP adds the DTLS layer only then). */
  secure: SecureNetworkProtocolParameters | undefined;
  /** Parameter groups of user-written stages and layers, by name. */
  readonly custom = new Map<string, unknown>();

  /**
   * Mirrors `WithSecureServerParameters`: the server proves itself with `certificate` (PEM, ECDSA P-256 or RSA)
   * and `privateKey`. With `clientAuthenticationPolicy` Required, clients must present a certificate issued by
   * `caCertificate` (for `serverName`, if given); with Optional (the default) and a `caCertificate`, they may also
   * present none.
   */
  withSecureServerParameters(certificate: string, privateKey: string, caCertificate?: string, serverName?: string,
    clientAuthenticationPolicy: SecureClientAuthPolicy = SecureClientAuthPolicy.Optional): this {
    checkPem('certificate', certificate, 'CERTIFICATE');
    checkPem('privateKey', privateKey, 'PRIVATE KEY');
    if (clientAuthenticationPolicy === SecureClientAuthPolicy.Required) checkPem('caCertificate', caCertificate, 'CERTIFICATE');
    this.secure = { role: 'server', certificate, privateKey, caCertificate, serverName, clientAuthenticationPolicy };
    return this.withParameters(DTLS_LAYER_KEY, dtlsLayerFactory());
  }

  /**
   * Mirrors `WithSecureClientParameters`: `(serverName)` trusts Node's public root CAs, `(caCertificate, serverName)`
   * your own CA, `(certificate, privateKey, caCertificate, serverName)` adds a client certificate. The object form
   * also takes `insecure: true` (no certificate check; for tests).
   */
  withSecureClientParameters(serverName: string): this;
  withSecureClientParameters(caCertificate: string, serverName: string): this;
  withSecureClientParameters(certificate: string, privateKey: string, caCertificate: string, serverName: string): this;
  withSecureClientParameters(p: { caCertificate?: string; serverName?: string; certificate?: string; privateKey?: string; insecure?: boolean }): this;
  withSecureClientParameters(...args: [unknown, ...unknown[]]): this {
    type Given = { caCertificate?: unknown; serverName?: unknown; certificate?: unknown; privateKey?: unknown; insecure?: unknown };
    const p: Given = typeof args[0] === 'object' && args[0] !== null ? args[0] as Given
      : args.length === 1 ? { serverName: args[0] }
      : args.length === 2 ? { caCertificate: args[0], serverName: args[1] }
      : { certificate: args[0], privateKey: args[1], caCertificate: args[2], serverName: args[3] };
    if (p.caCertificate !== undefined) checkPem('caCertificate', p.caCertificate, 'CERTIFICATE');
    if ((p.certificate === undefined) !== (p.privateKey === undefined)) {
      throw new UtpSettingsError('withSecureClientParameters: give both certificate and privateKey, or neither');
    }
    if (p.certificate !== undefined) { checkPem('certificate', p.certificate, 'CERTIFICATE'); checkPem('privateKey', p.privateKey, 'PRIVATE KEY'); }
    if (!p.insecure && typeof p.serverName !== 'string') {
      throw new UtpSettingsError('withSecureClientParameters: serverName (the name in the server certificate) is required unless insecure: true');
    }
    this.secure = {
      role: 'client', certificate: p.certificate as string | undefined, privateKey: p.privateKey as string | undefined,
      caCertificate: p.caCertificate as string | undefined, serverName: p.serverName as string | undefined,
      clientAuthenticationPolicy: SecureClientAuthPolicy.Optional, insecure: p.insecure === true,
    };
    return this.withParameters(DTLS_LAYER_KEY, dtlsLayerFactory());
  }

  /** Mirrors `WithNetworkConfigParameters`. */
  withNetworkConfigParameters(p: Partial<NetworkConfigParameters>): this {
    const next = { ...this.networkConfig, ...p };
    checkInt('connectTimeoutMS', next.connectTimeoutMS, 1);
    checkInt('maxConnectAttempts', next.maxConnectAttempts, 1);
    checkInt('disconnectTimeoutMS', next.disconnectTimeoutMS, 0);
    checkInt('heartbeatTimeoutMS', next.heartbeatTimeoutMS, 0);
    checkInt('reconnectionTimeoutMS', next.reconnectionTimeoutMS, 0);
    checkInt('maxFrameTimeMS', next.maxFrameTimeMS, 0);
    checkInt('fixedFrameTimeMS', next.fixedFrameTimeMS, 0);
    checkInt('receiveQueueCapacity', next.receiveQueueCapacity, 1);
    checkInt('sendQueueCapacity', next.sendQueueCapacity, 1);
    checkInt('maxMessageSize', next.maxMessageSize, 1, AbsoluteMaxMessageSize);
    this.networkConfig = next;
    return this;
  }

  /** Mirrors `WithReliableStageParameters`. The window is rounded up to a multiple of 8, as UTP 2.6+ does. */
  withReliableStageParameters(p: Partial<ReliableStageParameters>): this {
    const next = { ...this.reliableStage, ...p };
    checkInt('windowSize', next.windowSize, 1, MaxReliableWindowSize);
    checkInt('minimumResendTime', next.minimumResendTime, 1);
    checkInt('maximumResendTime', next.maximumResendTime, next.minimumResendTime);
    checkInt('maxResendsPerUpdate', next.maxResendsPerUpdate, 0);
    checkInt('maxResendsPerSecond', next.maxResendsPerSecond, 0);
    checkInt('ackDelay', next.ackDelay, 0);
    if (typeof next.resendBackoff !== 'boolean') throw new UtpSettingsError(`resendBackoff must be true or false, got ${String(next.resendBackoff)}`);
    next.windowSize = Math.ceil(next.windowSize / 8) * 8;
    this.reliableStage = next;
    return this;
  }

  /** Mirrors `WithFragmentationStageParameters`. */
  withFragmentationStageParameters(p: Partial<FragmentationStageParameters>): this {
    const next = { ...this.fragmentationStage, ...p };
    checkInt('payloadCapacity', next.payloadCapacity, 1, 1472 * 16383 - 1);
    this.fragmentationStage = next;
    return this;
  }

  /** Mirrors `WithSimulatorStageParameters`. */
  withSimulatorStageParameters(p: Partial<SimulatorStageParameters>): this {
    const next = { ...this.simulatorStage, ...p };
    for (const k of ['packetDropPercentage', 'packetDuplicationPercentage', 'fuzzFactor', 'reorderPercentage'] as const) {
      checkNumber(k, next[k], 0, 100);
    }
    for (const k of ['maxPacketCount', 'maxPacketSize', 'packetDelayMs', 'packetJitterMs', 'packetDropInterval', 'fuzzOffset'] as const) {
      checkInt(k, next[k], 0);
    }
    checkInt('mode', next.mode, 0, 3);
    checkInt('randomSeed', next.randomSeed, 0, 0xffffffff);
    this.simulatorStage = next;
    return this;
  }

  /** Mirrors `WithNetworkSimulatorParameters`: header-free loss, delay and duplication on the whole driver. */
  withNetworkSimulatorParameters(p: Partial<NetworkSimulatorParameters> = {}): this {
    const next: NetworkSimulatorParameters = {
      receivePacketLossPercent: 0, sendPacketLossPercent: 0, sendDelayMS: 0, sendJitterMS: 0,
      sendDuplicatePercent: 0, receiveMTU: 0, randomSeed: 0, ...this.networkSimulator, ...p,
    };
    for (const k of ['receivePacketLossPercent', 'sendPacketLossPercent', 'sendDuplicatePercent'] as const) {
      checkNumber(k, next[k], 0, 100);
    }
    for (const k of ['sendDelayMS', 'sendJitterMS', 'receiveMTU'] as const) checkInt(k, next[k], 0);
    checkInt('randomSeed', next.randomSeed, 0, 0xffffffff);
    this.networkSimulator = next;
    return this;
  }

  /** utp-ts options that stay local (never change the bytes on the wire). */
  withLocalParameters(p: Partial<LocalParameters>): this {
    this.local = { ...this.local, ...p };
    return this;
  }

  /** A copy whose groups can be changed without touching this one (e.g. DTLS for one of several drivers). */
  clone(): NetworkSettings {
    const c = new NetworkSettings();
    c.networkConfig = { ...this.networkConfig };
    c.reliableStage = { ...this.reliableStage };
    c.fragmentationStage = { ...this.fragmentationStage };
    c.simulatorStage = { ...this.simulatorStage };
    c.networkSimulator = this.networkSimulator && { ...this.networkSimulator };
    c.local = { ...this.local };
    c.admission = { ...this.admission };
    c.secure = this.secure;
    for (const [k, v] of this.custom) c.custom.set(k, v);
    return c;
  }

  /** utp-ts: limits on strangers and on what peers can make a server hold (never changes a byte to a proven peer). */
  withAdmissionParameters(p: Partial<AdmissionParameters>): this {
    const next = { ...this.admission, ...p };
    for (const k of ['maxConnections', 'maxHalfOpen', 'maxHalfOpenPerAddress', 'maxHeldBytesPerConnection', 'maxHeldBytes', 'maxReassemblyBytes'] as const) {
      checkInt(k, next[k], 1);
    }
    checkInt('halfOpenEvictAfterMS', next.halfOpenEvictAfterMS, 0);
    checkInt('halfOpenTimeoutMS', next.halfOpenTimeoutMS, 0);
    this.admission = next;
    return this;
  }

  /** Parameters for a user-written stage or layer (UTP's `AddRawParameterStruct`). */
  withParameters(name: string, value: unknown): this {
    this.custom.set(name, value);
    return this;
  }
}

function checkInt(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UtpSettingsError(`${name} must be an integer in ${min}..${max === Number.MAX_SAFE_INTEGER ? '∞' : max}, got ${v}`);
  }
}

function checkPem(name: string, v: unknown, label: string): void {
  if (typeof v !== 'string' || !new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(v)) {
    throw new UtpSettingsError(`${name} must be PEM text (-----BEGIN …${label}-----), not a file name: read the file first`);
  }
}

function checkNumber(name: string, v: number, min: number, max: number): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new UtpSettingsError(`${name} must be a number in ${min}..${max}, got ${v}`);
  }
}
