/**
 * One DTLS association with one peer, client or server side, over werift-dtls. Bytes go in through `receive` and
 * come out through the callbacks; the library is asynchronous, so callbacks may fire later than the call that
 * caused them (the layer buffers and forwards on its next update). Nothing here throws at the caller.
 */
import {
  AlertDescription, applyPatches, checkServerFinished, chooseServerSuite, CipherSuite, DtlsAuthenticationError, PSK_SUITES, werift,
  type HandshakeFragment, type SessionHooks, type WeriftSocket,
} from './dtls-library.ts';
import { checkPeerCertificate, checkSignature, type LocalCredential, type PeerCheck } from './dtls-certificates.ts';
import {
  APPLICATION_DATA, openRecord, readRecordHeader, RECORD_HEADER_SIZE, ReplayWindow, sealApplicationData, type RecordFields,
} from './dtls-record.ts';

export interface DtlsSessionEvents {
  /** A datagram for the peer. */
  send(datagram: Buffer): void;
  connected(): void;
  /** Decrypted application data. */
  data(plaintext: Buffer): void;
  /** The handshake failed or the peer sent a fatal alert; the session is dead. */
  failed(error: Error, authentication: boolean): void;
  /** The peer closed (close_notify or any other alert after the handshake). */
  closed(): void;
  /** A record was dropped (bad, replayed, or early); `reason` names it for the driver's drop statistics. */
  dropped(reason: string): void;
}

export interface DtlsClientConfig {
  readonly role: 'client';
  /** Server certificate check (certificate mode). */
  readonly peer?: PeerCheck;
  /** Our certificate when the server asks for one. */
  readonly credential?: LocalCredential;
  /** Pre-shared key mode (Relay): no certificates. */
  readonly psk?: { readonly identity: Buffer; readonly key: Buffer };
}

export interface DtlsServerConfig {
  readonly role: 'server';
  /** Certificate mode. */
  readonly credential?: LocalCredential;
  /** Client certificates are requested and checked when set. */
  readonly clientCertificates?: PeerCheck;
  /** With `clientCertificates`: a client may answer with no certificate (SecureClientAuthPolicy.Optional). */
  readonly clientCertificateOptional?: boolean;
  /** Pre-shared key mode: the key for an identity, undefined to refuse it. */
  readonly pskKey?: (identity: Buffer) => Buffer | undefined;
}

export type DtlsConfig = DtlsClientConfig | DtlsServerConfig;
export type DtlsSessionState = 'handshaking' | 'connected' | 'failed' | 'closed';

const ALERT = 21;
const WARNING = 1;
const FATAL = 2;
/** The most a record adds to its plaintext: header 13, explicit nonce 8 (AES-GCM), tag 16. */
export const RECORD_OVERHEAD_MAX = RECORD_HEADER_SIZE + 8 + 16;

export class DtlsSession {
  state: DtlsSessionState = 'handshaking';
  /** The negotiated suite, once connected. */
  get cipherSuite(): number { return this.socket.cipher.cipherSuite; }

  private readonly socket: WeriftSocket;
  private readonly transport: { onData(data: Buffer, from?: unknown): void };
  private readonly events: DtlsSessionEvents;
  private muted = false;
  private readonly replay = new ReplayWindow();
  private readonly fields: RecordFields = { epoch: 0, sequence: 0, version: 0 };
  private readonly role: 'client' | 'server';

  private constructor(config: DtlsConfig, events: DtlsSessionEvents) {
    applyPatches();
    this.events = events;
    this.role = config.role;
    const transport = {
      type: 'udp', address: {}, closed: false, onData: (_d: Buffer) => {},
      send: async (datagram: Buffer) => {
        if (!this.muted && (this.state === 'handshaking' || this.state === 'connected')) this.events.send(datagram);
      },
      close: async () => {},
    };
    this.transport = transport;
    const hooks = failFast(config.role === 'client' ? clientHooks(config) : serverHooks(config), (e) => this.fail(e));
    const options = {
      transport,
      extendedMasterSecret: true,
      utp: hooks,
      ...(config.credential ? { cert: config.credential.certPem, key: config.credential.keyPem, signatureHash: config.credential.signatureHash } : {}),
      ...(config.role === 'server' && config.clientCertificates ? { certificateRequest: true } : {}),
    };
    this.socket = config.role === 'client' ? new werift.DtlsClient(options) : new werift.DtlsServer(options);
    this.socket.onConnect.subscribe(() => {
      if (this.state !== 'handshaking') return;
      this.state = 'connected';
      this.events.connected();
    });
    this.socket.onError.subscribe((e) => this.fail(e));
    this.socket.onClose.subscribe(() => {
      if (this.state === 'connected') {
        this.state = 'closed';
        this.events.closed();
      }
    });
    // A Finished that does not decrypt during the handshake means the keys differ: a wrong pre-shared key.
    const decrypt = this.socket.cipher.decryptPacket.bind(this.socket.cipher);
    this.socket.cipher.decryptPacket = (packet: unknown) => {
      try {
        return decrypt(packet);
      } catch (e) {
        // (Without keys at all, the key exchange itself failed and reports why.)
        if (this.state === 'handshaking' && (this.socket.cipher as { cipher?: unknown }).cipher) this.fail(new DtlsAuthenticationError('the peer Finished does not decrypt: the keys differ (wrong pre-shared key?)', undefined));   // dropped silently, as OpenSSL does
        throw e;
      }
    };
    if (config.role === 'client' && config.psk) {
      // werift waits for the server's Certificate and ServerKeyExchange, which PSK does not send.
      const exist = this.socket.dtls.checkHandshakesExist;
      this.socket.dtls.checkHandshakesExist = (types: number[]) => exist(types.filter((t) => t !== 11 && t !== 12));
    }
    if (config.role === 'server' && config.clientCertificates && config.clientCertificateOptional) {
      // werift waits for a CertificateVerify whenever it asked for a certificate; a client without one answers with
      // an empty Certificate and no CertificateVerify (RFC 5246 §7.4.6). One that sent a certificate must still prove it.
      const exist = this.socket.dtls.checkHandshakesExist;
      const cipher = this.socket.cipher;
      this.socket.dtls.checkHandshakesExist = (types: number[]) =>
        exist(types.filter((t) => t !== 15 || cipher.remoteCertificate !== undefined || !exist([11])));
    }
    if (config.role === 'client') {
      const handle = this.socket.onHandleHandshakes;
      this.socket.onHandleHandshakes = async (assembled: HandshakeFragment[]) => {
        for (const h of assembled) if (h.msg_type === 20) checkServerFinished(this.socket, h);
        return handle(assembled);
      };
    }
  }

  /** Starts a handshake to a server (the ClientHello leaves through `events.send`). */
  static connect(config: DtlsClientConfig, events: DtlsSessionEvents): DtlsSession {
    const session = new DtlsSession(config, events);
    session.socket.connect().catch((e: unknown) => session.fail(e));
    return session;
  }

  /**
   * Creates the server side for a ClientHello whose cookie the layer has verified. werift's flight 2 prepares the
   * session (randoms, curve, key pair) and its own HelloVerifyRequest is discarded: ours went out statelessly.
   * The caller then passes the same datagram to `receive`, once it can route the session's output.
   */
  static accept(config: DtlsServerConfig, events: DtlsSessionEvents, datagram: Buffer, cookie: Buffer): DtlsSession {
    const session = new DtlsSession(config, events);
    try {
      const fragment = werift.FragmentedHandshake.deSerialize(datagram.subarray(13));
      const hello = werift.ClientHello.deSerialize(fragment.fragment);
      const suite = config.pskKey
        ? (hello.cipherSuites.includes(CipherSuite.PSK_AES_128_GCM) ? CipherSuite.PSK_AES_128_GCM : undefined)
        : chooseServerSuite(hello.cipherSuites, config.credential!.ecdsa);
      // werift's flight 2 wants a signature algorithm even without a certificate (it only reads it).
      if (config.pskKey) session.socket.cipher.signatureHashAlgorithm = { hash: 4, signature: 3 };
      if (suite === undefined) throw new DtlsAuthenticationError('no cipher suite in common with the client');
      const offered = hello.cipherSuites;
      hello.cipherSuites = [...offered, 0xc02b, 0xc02f];  // werift's flight 2 insists on its AES-GCM pick
      session.socket.dtls.cookie = cookie;
      session.muted = true;
      werift.flight2(session.socket.transport, session.socket.dtls, session.socket.cipher, session.socket.srtp)(hello);
      session.socket.cipher.cipherSuite = suite;
    } catch (e) {
      session.fail(e);
    } finally {
      session.muted = false;
    }
    return session;
  }

  /** A datagram from the peer. */
  receive(datagram: Buffer): void {
    if (datagram.length >= 13 && datagram[0] === APPLICATION_DATA) {
      const plaintext = this.open(datagram, 0, datagram.length);
      if (plaintext) this.events.data(plaintext);
      return;
    }
    if (this.state === 'failed' || this.state === 'closed') return this.events.dropped('dtls-session-closed');
    if (datagram.length < 13) return this.events.dropped('dtls-truncated');
    const type = datagram[0];
    const length = datagram.readUInt16BE(11);
    if (type === ALERT && this.state === 'connected' && datagram.readUInt16BE(3) !== 0 && 13 + length === datagram.length) {
      // The session ends on any alert after the handshake (close_notify or fatal), as werift would end it.
      if (this.openAlert(datagram, 0, datagram.length) === undefined) return;
      this.state = 'closed';
      this.events.closed();
      return;
    }
    if (this.role === 'client' && this.state === 'connected' && datagram.readUInt16BE(3) === 0) {
      // werift would take a plaintext handshake record as the start of a renegotiation, which utp-ts never does.
      return this.events.dropped('dtls-handshake-after-connect');
    }
    if (type === ALERT && datagram.readUInt16BE(3) === 0 && length >= 2 && datagram.length >= 15) {
      // A plaintext alert: during the handshake the peer refuses us (bad certificate, unknown PSK identity, …).
      if (datagram[13] === 2 || this.state === 'handshaking') {
        return this.fail(new DtlsAuthenticationError(`the peer refused the handshake (alert ${datagram[14]})`, undefined));
      }
    }
    this.feed(datagram);
  }

  /**
   * Opens the application_data record that is exactly bytes[start, end) (one record per datagram, as UTP and utp-ts
   * send): its plaintext, or undefined when it was dropped (counted by reason). The replay window is checked before
   * the cipher runs and updated only for records that authenticate (RFC 6347 §4.1.2.6).
   */
  open(bytes: Uint8Array, start: number, end: number): Buffer | undefined {
    if (this.state !== 'connected') {
      this.events.dropped(this.state === 'handshaking' ? 'dtls-early-data' : 'dtls-session-closed');
      return undefined;
    }
    return this.openEncrypted(APPLICATION_DATA, bytes, start, end);
  }

  /** An encrypted record of `type` filling bytes[start, end): replay-checked, then opened with werift's cipher. */
  private openEncrypted(type: number, bytes: Uint8Array, start: number, end: number): Buffer | undefined {
    const fields = this.fields;
    if (!readRecordHeader(bytes, start, end, type, fields)) { this.events.dropped('dtls-truncated'); return undefined; }
    if (fields.epoch !== 1 || !this.replay.mayReceive(fields.sequence)) { this.events.dropped('dtls-replayed'); return undefined; }
    let plaintext: Buffer;
    try {
      plaintext = openRecord(this.socket.cipher.cipher!, this.socket.sessionType, type, fields, bytes, start, end);
    } catch {
      this.events.dropped('dtls-bad-record');
      return undefined;
    }
    this.replay.received(fields.sequence);
    return plaintext;
  }

  /**
   * An encrypted alert from a connected peer (close_notify, or a fatal one): [level, description], or undefined
   * when it was dropped (counted). One record per datagram, as utp-ts and OpenSSL send them.
   */
  openAlert(bytes: Uint8Array, start: number, end: number): [number, number] | undefined {
    if (this.state !== 'connected') return undefined;
    const plaintext = this.openEncrypted(ALERT, bytes, start, end);
    if (plaintext === undefined) return undefined;
    if (plaintext.length !== 2) { this.events.dropped('dtls-malformed'); return undefined; }
    return [plaintext[0], plaintext[1]];
  }

  /**
   * Seals bytes[start, end) as the next application_data record into out[0…) (at least `end - start` + 37 bytes):
   * its length, or 0 unless connected. The sequence number is werift's (its context counts every record it sends).
   */
  seal(bytes: Uint8Array, start: number, end: number, out: Buffer): number {
    if (this.state !== 'connected') return 0;
    const dtls = this.socket.dtls;
    return sealApplicationData(this.socket.cipher.cipher!, this.socket.sessionType, dtls.epoch, ++dtls.recordSequenceNumber, bytes, start, end, out);
  }

  /** Encrypts and sends application data in a record of its own; ignored unless connected. */
  send(plaintext: Uint8Array): boolean {
    const record = Buffer.allocUnsafe(plaintext.length + RECORD_OVERHEAD_MAX);
    const length = this.seal(plaintext, 0, plaintext.length, record);
    if (length === 0) return false;
    this.events.send(record.subarray(0, length));
    return true;
  }

  /** Forgets the session; later library timers send nothing. */
  close(): void {
    if (this.state === 'connected') this.sendAlert(WARNING, AlertDescription.closeNotify);   // RFC 5246 §7.2.1
    if (this.state === 'handshaking' || this.state === 'connected') this.state = 'closed';
  }

  /**
   * An alert record through werift's own builder and cipher context: plaintext before this side's
   * ChangeCipherSpec (epoch 0), encrypted after. Never throws.
   */
  private sendAlert(level: number, description: number): void {
    try {
      const dtls = this.socket.dtls;
      const fragment = new werift.Alert(level, description).serialize();
      const record = werift.createPlaintext(dtls)([{ type: ALERT, fragment }], ++dtls.recordSequenceNumber)[0];
      this.events.send((dtls.epoch === 0 ? record : this.socket.cipher.encryptPacket(record)).serialize());
    } catch {
      this.events.dropped('dtls-alert-not-sent');
    }
  }

  private feed(datagram: Buffer): void {
    try {
      this.transport.onData(datagram);
    } catch {
      this.events.dropped('dtls-malformed');
    }
  }

  private fail(e: unknown): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    // Tell the peer why a handshake ends (a fatal alert, RFC 5246 §7.2.2), before the session is forgotten.
    if (this.state === 'handshaking' && e instanceof DtlsAuthenticationError && e.alert !== undefined) this.sendAlert(FATAL, e.alert);
    this.state = 'failed';
    const error = e instanceof Error ? e : new Error(String(e));
    this.events.failed(error, error instanceof DtlsAuthenticationError);
  }
}

/**
 * The hooks, failing the session the moment a check throws: werift reports the error a turn later, when it may
 * have built its next flight already (and moved to epoch 1, which the peer could not read a fatal alert in).
 */
function failFast(hooks: SessionHooks, fail: (e: unknown) => void): SessionHooks {
  const wrap = <A extends unknown[]>(f: (...a: A) => void) => (...a: A): void => {
    try { f(...a); } catch (e) { fail(e); throw e; }
  };
  const out: SessionHooks = { ...hooks };
  if (hooks.certificate) out.certificate = wrap(hooks.certificate);
  if (hooks.serverKeyExchange) out.serverKeyExchange = wrap(hooks.serverKeyExchange);
  if (hooks.certificateVerify) out.certificateVerify = wrap(hooks.certificateVerify);
  return out;
}

function clientHooks(config: DtlsClientConfig): SessionHooks {
  if (config.psk) return { suites: PSK_SUITES, psk: { identity: config.psk.identity, key: config.psk.key } };
  const peer = config.peer ?? { cas: undefined };
  return {
    certificate: (der) => { checkPeerCertificate(der, peer); },
    serverKeyExchange: (signed, hash, signature, der) => {
      if (hash !== 4) throw new DtlsAuthenticationError(`the server signed with hash ${hash}, not SHA-256`, AlertDescription.handshakeFailure);
      checkSignature(der, signed, signature, 'the ServerKeyExchange');
    },
  };
}

function serverHooks(config: DtlsServerConfig): SessionHooks {
  if (config.pskKey) return { pskKey: config.pskKey };
  const check = config.clientCertificates;
  if (!check) return {};
  return {
    certificate: (der) => { if (der || !config.clientCertificateOptional) checkPeerCertificate(der, check); },
    certificateVerify: (transcript, signature, der) => checkSignature(der, transcript, signature, 'the client CertificateVerify'),
  };
}
