/**
 * UTP's DTLSLayer (spec §2.1 #8, §6.4): DTLS 1.2 between the carrier and the connection layer, so every UTP packet
 * travels as one encrypted record. Reserves 29 bytes per packet (37 through Relay, spec §2.4). Server or client as
 * `settings.secure` says; the sessions, cookies and timeouts live in `DtlsSessionTable`. Node only (node:crypto).
 *
 * Built by the stack from `settings.secure` (dtls-factory.ts), or by Relay with the allocation's pre-shared key.
 */
import { NetworkEndpoint } from '../api/endpoint.ts';
import { DisconnectReason } from '../api/status-codes.ts';
import type { LayerLinks, PacketLayer } from '../stack/layer.ts';
import type { NetworkSettings } from '../api/settings.ts';
import { SecureClientAuthPolicy } from '../api/settings.ts';
import { UtpSettingsError } from '../api/errors.ts';
import { loadCaCertificates, loadCredential, systemCaCertificates } from './dtls-certificates.ts';
import { DtlsSessionTable, type DtlsCloseReason, type DtlsTableLimits } from './dtls-session-table.ts';
import type { DtlsClientConfig, DtlsServerConfig } from './dtls-session.ts';

/** Bytes reserved per packet (UTP's DTLSLayer: 29, or 37 when Relay runs over it). */
export const DTLS_HEADER_SIZE = 29;
export const DTLS_RELAY_HEADER_SIZE = 37;

const closeReasons = { timeout: DisconnectReason.Timeout, authentication: DisconnectReason.AuthenticationFailure, closed: DisconnectReason.ClosedByRemote };

/** Options beyond `settings.secure`: Relay's pre-shared key, and the table limits (defaults from the settings). */
export interface DtlsLayerOptions {
  /** Relay `dtls` client: identity = allocation id (16 bytes), key = HMAC key (64 bytes). Replaces certificates. */
  readonly psk?: {
    /** The PSK identity: the allocation id (16 bytes). */
    readonly identity: Uint8Array;
    /** The pre-shared key: the allocation's HMAC key (64 bytes). */
    readonly key: Uint8Array;
  };
  /** Relay `dtls` server: the HMAC key of the allocation a PSK identity names, undefined to refuse it. */
  readonly pskKey?: (identity: Uint8Array) => Uint8Array | undefined;
  /** Session table limits (`maxSessions`, timeouts, …); unset ones come from the settings. */
  readonly limits?: Partial<DtlsTableLimits>;
}

export class DtlsLayer implements PacketLayer {
  readonly name = 'DTLS';
  readonly headerSize: number;
  readonly role: 'client' | 'server';
  /** Only records of sessions past the cookie exchange (a proven address) reach the layer above. */
  readonly provesAddresses = true;
  private links: LayerLinks | undefined;
  private readonly table: DtlsSessionTable;
  /** Output produced outside `send`/`receive`/`update` (library timers), handed on at the next update. */
  private readonly outbox: { bytes: Buffer; to: NetworkEndpoint }[] = [];
  private readonly inbox: { bytes: Buffer; address: string; port: number }[] = [];
  private inCall = false;

  constructor(settings: NetworkSettings, options: DtlsLayerOptions = {}) {
    this.headerSize = options.psk || options.pskKey ? DTLS_RELAY_HEADER_SIZE : DTLS_HEADER_SIZE;
    const config = dtlsConfig(settings, options);
    this.role = config.role;
    const c = settings.networkConfig;
    const limits: DtlsTableLimits = {
      maxSessions: 4096,
      halfOpenTimeoutMS: (c.maxConnectAttempts + 1) * c.connectTimeoutMS,
      idleTimeoutMS: c.disconnectTimeoutMS,
      reconnectionTimeoutMS: c.reconnectionTimeoutMS,
      pendingPackets: 16,
      cookieLifetimeMS: 60_000,
      ...options.limits,
    };
    this.table = new DtlsSessionTable(config, limits, {
      transmit: (datagram, length, peer) => {
        const to = (peer.tag ??= NetworkEndpoint.parse(peer.address, peer.port)) as NetworkEndpoint;
        if (this.inCall && this.links) this.links.down(datagram, 0, length, to);
        else { this.outbox.push({ bytes: Buffer.from(datagram.subarray(0, length)), to }); this.links?.wake(); }
      },
      deliver: (plaintext, peer) => {
        if (this.inCall && this.links) this.links.up(plaintext, 0, plaintext.length, peer.address, peer.port);
        else { this.inbox.push({ bytes: plaintext, address: peer.address, port: peer.port }); this.links?.wake(); }
      },
      drop: (reason) => this.links?.drop(reason),
      closed: (address, port, reason) => this.links?.closed(address, port, closeReasons[reason]),
      wake: () => this.links?.wake(),
    });
  }

  attach(links: LayerLinks): void {
    this.links = links;
  }

  // receive, send and update run the table with `inCall` set, so its output goes straight down/up; nothing throws.
  receive(bytes: Uint8Array, start: number, end: number, address: string, port: number): void {
    const links = this.links;
    if (!links) return;
    const outer = this.inCall;
    this.inCall = true;
    try {
      this.table.receiveBytes(bytes, start, end, address, port, links.now);
    } catch {
      links.drop('dtls-internal-error');
    } finally {
      this.inCall = outer;
    }
  }

  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void {
    const links = this.links;
    if (!links) return;
    const outer = this.inCall;
    this.inCall = true;
    try {
      // A client's first packet to a peer opens the session (a Relay BIND, before any connection exists); the
      // packet waits for the handshake.
      if (this.role === 'client' && this.table.stateOf(to.address, to.port) === undefined) this.table.connect(to.address, to.port, links.now);
      this.table.sendBytes(bytes, start, end, to.address, to.port);
    } catch {
      links.drop('dtls-internal-error');
    } finally {
      this.inCall = outer;
    }
  }

  update(now: number): void {
    this.call(() => {
      this.table.update(now);
      if (this.outbox.length) for (const o of this.outbox.splice(0)) this.links!.down(o.bytes, 0, o.bytes.length, o.to);
      if (this.inbox.length) for (const i of this.inbox.splice(0)) this.links!.up(i.bytes, 0, i.bytes.length, i.address, i.port);
    });
  }

  /** Client: the connection layer is about to connect to `to`; start the handshake now. (Server: nothing to do.) */
  connectionOpened(to: NetworkEndpoint): void {
    if (this.role === 'client') this.call(() => this.table.connect(to.address, to.port, this.links!.now));
  }

  /** The connection's last packet (Disconnect) already left: forget its session. */
  connectionClosed(to: NetworkEndpoint): void {
    this.table.close(to.address, to.port);
  }

  dispose(): void {
    this.table.dispose();
    this.outbox.length = 0;
    this.inbox.length = 0;
  }

  /** Session state with a peer (tests, statistics). */
  sessionState(address: string, port: number): string | undefined {
    return this.table.stateOf(address, port);
  }

  private call(f: () => void): void {
    if (!this.links) return;
    const outer = this.inCall;
    this.inCall = true;
    try {
      f();
    } catch {
      this.links.drop('dtls-internal-error');   // never into the event loop
    } finally {
      this.inCall = outer;
    }
  }
}

/** Turns `settings.secure` (PEM text) or Relay's key into a session configuration; bad input throws UtpSettingsError. */
export function dtlsConfig(settings: NetworkSettings, options: DtlsLayerOptions = {}): DtlsClientConfig | DtlsServerConfig {
  if (options.pskKey) {
    const lookup = options.pskKey;
    return { role: 'server', pskKey: (identity) => { const k = lookup(identity); return k && Buffer.from(k); } };
  }
  if (options.psk) {
    const identity = Buffer.from(options.psk.identity);
    const key = Buffer.from(options.psk.key);
    return { role: 'client', psk: { identity, key } };
  }
  const s = settings.secure;
  if (!s) throw new UtpSettingsError('the DTLS layer needs withSecureServerParameters or withSecureClientParameters');
  const credential = s.certificate && s.privateKey ? loadCredential(s.certificate, s.privateKey, s.role === 'server' ? 'withSecureServerParameters' : 'withSecureClientParameters') : undefined;
  if (s.role === 'server') {
    // Required: every client proves a certificate from the CA. Optional with a CA: the server asks, a client may
    // send none, one it sends is checked. Optional without a CA: nothing to check against, so nothing is asked.
    const optional = s.clientAuthenticationPolicy !== SecureClientAuthPolicy.Required;
    if (optional && !s.caCertificate) return { role: 'server', credential };
    return {
      role: 'server',
      credential,
      clientCertificates: { cas: loadCaCertificates(s.caCertificate!, 'withSecureServerParameters'), name: s.serverName },
      clientCertificateOptional: optional,
    };
  }
  const cas = s.insecure ? undefined : s.caCertificate ? loadCaCertificates(s.caCertificate, 'withSecureClientParameters') : systemCaCertificates();
  return { role: 'client', credential, peer: { cas, name: s.insecure ? undefined : s.serverName } };
}

