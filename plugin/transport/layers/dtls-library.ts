/**
 * The DTLS 1.2 engine: werift-dtls (pinned, exact version), loaded from its compiled modules, plus the few
 * additions utp-ts needs that it lacks. werift-dtls was written for WebRTC, where a certificate fingerprint in the
 * signalling is the only identity check; for a game server addressed by name it misses:
 *
 *  - ChaCha20-Poly1305 suites (RFC 7905): 29 bytes per record (13 header + 16 tag), exactly UTP's DTLS reservation;
 *    werift's AES-128-GCM costs 37 (8 more: the explicit nonce) and stays as the fallback a peer may pick;
 *  - checking what the peer proves: the ServerKeyExchange signature, the client's CertificateVerify and both
 *    Finished messages (werift computes its own but never compares the peer's);
 *  - PSK key exchange (RFC 4279) for Relay's `dtls` connection type;
 *  - optional client certificates: a client without one answers a CertificateRequest with none (RFC 5246 §7.4.6);
 *  - sending alerts (werift only reads them): DtlsSession builds them with werift's Alert and record builder.
 *
 * Each addition hooks one werift function and is listed in `applyPatches`; nothing here encodes handshake
 * messages that werift already encodes. The module throws at load if another werift-dtls version is installed.
 */
import { createRequire } from 'node:module';
import { createCipheriv, createDecipheriv, createSecretKey, type CipherGCM, type DecipherGCM, type KeyObject } from 'node:crypto';

const require = createRequire(import.meta.url);
const root = 'werift-dtls/lib/dtls/src/';
const load = (path: string): any => require(root + path);

export const WERIFT_DTLS_VERSION = '0.5.8';

/** werift's classes and functions that utp-ts uses (typed loosely: they are CommonJS without usable types). */
export interface Werift {
  DtlsClient: new (options: object) => WeriftSocket;
  DtlsServer: new (options: object) => WeriftSocket;
  flight2: (transport: unknown, dtls: unknown, cipher: unknown, srtp: unknown) => (hello: ClientHelloMessage) => void;
  ClientHello: { deSerialize(b: Buffer): ClientHelloMessage };
  Finished: { deSerialize(b: Buffer): { verifyData: Buffer } };
  ServerKeyExchange: { deSerialize(b: Buffer): ServerKeyExchangeMessage };
  CertificateVerify: { deSerialize(b: Buffer): { algorithm: number; signature: Buffer } };
  FragmentedHandshake: { deSerialize(b: Buffer): HandshakeFragment } & (new (
    type: number, length: number, seq: number, offset: number, fragLength: number, body: Buffer) => HandshakeFragment);
  prf: {
    prfVerifyDataClient(master: Buffer, handshakes: Buffer): Buffer;
    prfVerifyDataServer(master: Buffer, handshakes: Buffer): Buffer;
    prfMasterSecret(preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer): Buffer;
    prfExtendedMasterSecret(preMaster: Buffer, handshakes: Buffer): Buffer;
  };
  createCipher(suite: number): unknown;
  Alert: new (level: number, description: number) => { serialize(): Buffer };
  /** werift's record builder: records of the context's epoch and version around each fragment. */
  createPlaintext: (dtls: WeriftContext) => (fragments: { type: number; fragment: Buffer }[], sequence: number) => WeriftRecord[];
}
/** A record as werift builds it; `serialize` gives its bytes. */
export interface WeriftRecord { serialize(): Buffer }

/** Filled by `applyPatches` on first use, so importing the DTLS layer costs nothing until a secure driver exists. */
export const werift = {} as Werift;

function loadWerift(): void {
  const installed = (require('werift-dtls/package.json') as { version: string }).version;
  if (installed !== WERIFT_DTLS_VERSION) {
    throw new Error(`utp-ts needs werift-dtls ${WERIFT_DTLS_VERSION} exactly (its DTLS layer hooks that version), found ${installed}`);
  }
  Object.assign(werift, {
    DtlsClient: load('client.js').DtlsClient,
    DtlsServer: load('server.js').DtlsServer,
    flight2: load('flight/server/flight2.js').flight2,
    ClientHello: load('handshake/message/client/hello.js').ClientHello,
    Finished: load('handshake/message/finished.js').Finished,
    ServerKeyExchange: load('handshake/message/server/keyExchange.js').ServerKeyExchange,
    CertificateVerify: load('handshake/message/client/certificateVerify.js').CertificateVerify,
    FragmentedHandshake: load('record/message/fragment.js').FragmentedHandshake,
    Alert: load('handshake/message/alert.js').Alert,
    createPlaintext: load('record/builder.js').createPlaintext,
    prf: load('cipher/prf.js'),
  });
}

export interface HandshakeFragment {
  msg_type: number; length: number; message_seq: number; fragment_offset: number; fragment_length: number; fragment: Buffer;
  serialize(): Buffer;
}
export interface ClientHelloMessage { random: { serialize(): Buffer } | Buffer; sessionId: Buffer; cookie: Buffer; cipherSuites: number[] }
interface ServerKeyExchangeMessage {
  ellipticCurveType: number; namedCurve: number; publicKey: Buffer; hashAlgorithm: number; signatureAlgorithm: number; signature: Buffer;
}
interface WeriftEvent<A extends unknown[]> { subscribe(f: (...a: A) => void): unknown }
export interface WeriftContext {
  options: Record<string, unknown>;
  cookie?: Buffer;
  flight: number;
  epoch: number;
  recordSequenceNumber: number;
  sortedHandshakeCache: HandshakeFragment[];
  checkHandshakesExist: (types: number[]) => boolean;
}
export interface WeriftCipher {
  localRandom: { serialize(): Buffer };
  remoteRandom: { serialize(): Buffer };
  cipherSuite: number;
  remoteCertificate?: Buffer;
  masterSecret?: Buffer;
  signatureHashAlgorithm?: { hash: number; signature: number };
  decryptPacket: (packet: unknown) => Buffer;
  encryptPacket: (packet: WeriftRecord) => WeriftRecord;
  /** The negotiated record protection (werift's AEADCipher or ours), once keys exist. */
  cipher?: RecordCipher;
}
export interface RecordCipher {
  encrypt(sessionType: number, data: Buffer, header: RecordHeader): Buffer;
  decrypt(sessionType: number, data: Buffer, header: RecordHeader): Buffer;
}
/**
 * A record cipher that writes into the caller's buffer (utp-ts's ChaCha20-Poly1305): `seal` puts ciphertext ‖ tag
 * at out[at…) and returns its length; `open` takes ciphertext ‖ tag at record[start, end) and returns the plaintext
 * or throws. Same bytes as `encrypt`/`decrypt`.
 */
export interface SealingCipher extends RecordCipher {
  seal(sessionType: number, contentType: number, version: number, epoch: number, sequence: number,
    data: Uint8Array, start: number, end: number, out: Buffer, at: number): number;
  open(sessionType: number, contentType: number, version: number, epoch: number, sequence: number,
    record: Uint8Array, start: number, end: number): Buffer;
}
interface RecordHeader { type: number; version: number; epoch: number; sequenceNumber: number }
export interface WeriftSocket {
  readonly onConnect: WeriftEvent<[]>;
  readonly onData: WeriftEvent<[Buffer]>;
  readonly onError: WeriftEvent<[Error]>;
  readonly onClose: WeriftEvent<[]>;
  readonly transport: unknown;
  dtls: WeriftContext;
  cipher: WeriftCipher;
  /** 1 client, 2 server (werift's SessionType). */
  readonly sessionType: number;
  srtp: unknown;
  connected: boolean;
  onHandleHandshakes: (assembled: HandshakeFragment[]) => Promise<void>;
  connect(): Promise<void>;
  send(data: Buffer): Promise<void>;
}

/** IANA cipher-suite numbers utp-ts negotiates, preferred first. */
export const CipherSuite = {
  ECDHE_ECDSA_CHACHA20_POLY1305: 0xcca9,
  ECDHE_RSA_CHACHA20_POLY1305: 0xcca8,
  ECDHE_ECDSA_AES_128_GCM: 0xc02b,
  ECDHE_RSA_AES_128_GCM: 0xc02f,
  /** Relay's `dtls` type (RFC 5487); 37 bytes per record, UTP's reservation through Relay. */
  PSK_AES_128_GCM: 0x00a8,
} as const;
/** What a PSK client offers. */
export const PSK_SUITES: readonly number[] = [CipherSuite.PSK_AES_128_GCM];
/** What a client offers in its ClientHello, in order of preference. */
export const CERTIFICATE_SUITES: readonly number[] = [
  CipherSuite.ECDHE_ECDSA_CHACHA20_POLY1305, CipherSuite.ECDHE_RSA_CHACHA20_POLY1305,
  CipherSuite.ECDHE_ECDSA_AES_128_GCM, CipherSuite.ECDHE_RSA_AES_128_GCM,
];
/** Bytes a suite adds to each record: header 13 + explicit nonce + tag. */
export function recordOverhead(suite: number): number {
  const gcm: number[] = [CipherSuite.ECDHE_ECDSA_AES_128_GCM, CipherSuite.ECDHE_RSA_AES_128_GCM, CipherSuite.PSK_AES_128_GCM];
  return gcm.includes(suite) ? 13 + 8 + 16 : 13 + 16;
}

/** The server's pick: ChaCha20-Poly1305 for the certificate's key type if the client offers it, else AES-128-GCM. */
export function chooseServerSuite(offered: readonly number[], keyIsEcdsa: boolean): number | undefined {
  const prefs = keyIsEcdsa
    ? [CipherSuite.ECDHE_ECDSA_CHACHA20_POLY1305, CipherSuite.ECDHE_ECDSA_AES_128_GCM]
    : [CipherSuite.ECDHE_RSA_CHACHA20_POLY1305, CipherSuite.ECDHE_RSA_AES_128_GCM];
  return prefs.find((s) => offered.includes(s));
}


/** The C functions of libsodium that seal and open ChaCha20-Poly1305 records (RFC 8439, IETF nonce). */
interface SodiumAead {
  crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array, nsec: null, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array, npub: Uint8Array, k: Uint8Array): number;
}
let sodium: SodiumAead | null | undefined;
let preferred: 'sodium' | 'node' = 'sodium';

/**
 * Which implementation of ChaCha20-Poly1305 sessions keyed from now on use: libsodium through the optional
 * `sodium-native` package when it is installed (one call into C per record, ~0.8 µs for a small one), else
 * node:crypto (a cipher object and five calls per record, ~3.5 µs). Same bytes either way (dtls-record.test.ts).
 * With an argument, sets the preference (tests); returns what new sessions will use.
 */
export function chaChaImplementation(prefer?: 'sodium' | 'node'): 'sodium' | 'node' {
  if (prefer) preferred = prefer;
  if (sodium === undefined) {
    try { sodium = require('sodium-native') as SodiumAead; } catch { sodium = null; }
  }
  return preferred === 'sodium' && sodium ? 'sodium' : 'node';
}

/**
 * RFC 7905 record protection: the 12-byte write IV XOR the 64-bit epoch‖sequence is the nonce, nothing explicit
 * travels, the 16-byte tag follows the ciphertext. Keys come from werift's key expansion (32-byte key, 12-byte IV).
 * `seal`/`open` are the record path's entry points (no header object, no copies); werift's `encrypt`/`decrypt`
 * (handshake Finished) go through them too.
 */
function chaCha20Poly1305Cipher(AEADCipher: new () => any) {
  return class ChaCha20Poly1305Cipher extends AEADCipher implements SealingCipher {
  // Scratch for the nonce and the additional data: both are consumed before seal/open return.
  private readonly nonceScratch = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(13);
  /** libsodium and the raw write keys it takes, when it seals this session's records. */
  private sodium: { aead: SodiumAead; client: Buffer; server: Buffer } | undefined;

  constructor(id: number, name: string, kx: unknown) {
    super();
    Object.assign(this, {
      id, name, kx, blockAlgorithm: 'chacha20-poly1305', hashAlgorithm: 'sha256',
      keyLength: 32, ivLength: 12, nonceLength: 12, nonceImplicitLength: 12, nonceExplicitLength: 0, authTagLength: 16,
    });
  }

  init(...a: unknown[]): void {
    super.init(...a);   // werift's key expansion (keys become KeyObjects, patch 0)
    if (chaChaImplementation() === 'sodium') {
      this.sodium = { aead: sodium!, client: this.clientWriteKey.export(), server: this.serverWriteKey.export() };
    }
  }

  /** The nonce (RFC 7905 §2) and the additional data (RFC 5246 §6.2.3.3: epoch ‖ sequence, type, version, length). */
  private prepare(fixed: Buffer, contentType: number, version: number, epoch: number, sequence: number, length: number): Buffer {
    const n = this.nonceScratch;
    const a = this.aad;
    const high = Math.floor(sequence / 0x100000000);   // sequence < 2^48: 16 bits here, 32 below
    const low = sequence >>> 0;
    a[0] = epoch >>> 8; a[1] = epoch & 0xff;
    a[2] = high >>> 8; a[3] = high & 0xff;
    a[4] = low >>> 24; a[5] = (low >>> 16) & 0xff; a[6] = (low >>> 8) & 0xff; a[7] = low & 0xff;
    a[8] = contentType;
    a[9] = version >>> 8; a[10] = version & 0xff;
    a[11] = length >>> 8; a[12] = length & 0xff;
    for (let i = 0; i < 4; i++) n[i] = fixed[i];
    for (let i = 0; i < 8; i++) n[4 + i] = fixed[4 + i] ^ a[i];
    return n;
  }

  seal(sessionType: number, contentType: number, version: number, epoch: number, sequence: number,
    data: Uint8Array, start: number, end: number, out: Buffer, at: number): number {
    const client = sessionType === 1;
    const length = end - start;
    const nonce = this.prepare(client ? this.clientNonce : this.serverNonce, contentType, version, epoch, sequence, length);
    const plaintext = start === 0 && end === data.length ? data : data.subarray(start, end);
    const s = this.sodium;
    if (s) {
      s.aead.crypto_aead_chacha20poly1305_ietf_encrypt(out.subarray(at, at + length + 16), plaintext, this.aad, null, nonce, client ? s.client : s.server);
      return length + 16;
    }
    // (Typed as GCM: the length option of setAAD only matters to CCM, and Node reads it only when given.)
    const c = createCipheriv('chacha20-poly1305', client ? this.clientWriteKey : this.serverWriteKey, nonce, TAG_16) as unknown as CipherGCM;
    c.setAAD(this.aad);
    const body = c.update(plaintext);
    c.final();
    out.set(body, at);
    out.set(c.getAuthTag(), at + body.length);
    return body.length + 16;
  }

  open(sessionType: number, contentType: number, version: number, epoch: number, sequence: number,
    record: Uint8Array, start: number, end: number): Buffer {
    const client = sessionType === 1;
    const length = end - start - 16;
    if (length < 0) throw new Error('record shorter than its tag');
    const nonce = this.prepare(client ? this.serverNonce : this.clientNonce, contentType, version, epoch, sequence, length);
    const s = this.sodium;
    if (s) {
      const plaintext = Buffer.allocUnsafe(length);   // throws below when the tag does not verify
      s.aead.crypto_aead_chacha20poly1305_ietf_decrypt(plaintext, null, record.subarray(start, end), this.aad, nonce, client ? s.server : s.client);
      return plaintext;
    }
    const d = createDecipheriv('chacha20-poly1305', client ? this.serverWriteKey : this.clientWriteKey, nonce, TAG_16) as unknown as DecipherGCM;
    d.setAuthTag(record.subarray(end - 16, end));
    d.setAAD(this.aad);
    const plaintext = d.update(record.subarray(start, end - 16));
    d.final();
    return plaintext;
  }

  encrypt(type: number, data: Buffer, header: RecordHeader): Buffer {
    const out = Buffer.allocUnsafe(data.length + 16);
    this.seal(type, header.type, header.version, header.epoch, header.sequenceNumber, data, 0, data.length, out, 0);
    return out;
  }

  decrypt(type: number, data: Buffer, header: RecordHeader): Buffer {
    return this.open(type, header.type, header.version, header.epoch, header.sequenceNumber, data, 0, data.length);
  }
  };
}
const TAG_16 = { authTagLength: 16 } as const;

let patched = false;
/** Installs the additions once per process (werift's modules are singletons). */
export function applyPatches(): void {
  if (patched) return;
  patched = true;
  loadWerift();
  const AEADCipher = load('cipher/suites/aead.js').default as new () => any;
  const keyExchanges = load('cipher/key-exchange.js');
  const ChaCha20Poly1305Cipher = chaCha20Poly1305Cipher(AEADCipher);

  // 0. Write keys as KeyObjects: Node 24 re-imports a raw key on every createCipheriv (3–5× the cost of the cipher).
  const init = AEADCipher.prototype.init as (this: any, ...a: unknown[]) => void;
  AEADCipher.prototype.init = function (this: any, ...a: unknown[]) {
    init.apply(this, a);
    this.clientWriteKey = createSecretKey(this.clientWriteKey) satisfies KeyObject;
    this.serverWriteKey = createSecretKey(this.serverWriteKey);
  };

  // 1. Suites: werift's createCipher knows AES-GCM only; ChaCha20-Poly1305 joins it.
  const create = load('cipher/create.js');
  const createCipher = create.createCipher as (suite: number) => unknown;
  werift.createCipher = create.createCipher = (suite: number) => {
    if (suite === CipherSuite.ECDHE_ECDSA_CHACHA20_POLY1305) {
      return new ChaCha20Poly1305Cipher(suite, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', keyExchanges.createECDHEECDSAKeyExchange());
    }
    if (suite === CipherSuite.ECDHE_RSA_CHACHA20_POLY1305) {
      return new ChaCha20Poly1305Cipher(suite, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', keyExchanges.createECDHERSAKeyExchange());
    }
    return createCipher(suite);
  };
  // The ClientHello's list is werift's module constant; offer ours (flight1 reads it when it runs).
  const constants = load('cipher/const.js');
  constants.CipherSuiteList.splice(0, constants.CipherSuiteList.length, ...CERTIFICATE_SUITES);

  // 2. The client checks the server's certificate and ServerKeyExchange signature before it answers (flight 5).
  const { Flight5 } = load('flight/client/flight5.js');
  const handleServerFlight = Flight5.prototype.handleHandshake as (this: any, h: HandshakeFragment) => void;
  Flight5.prototype.handleHandshake = function (this: any, h: HandshakeFragment) {
    handleServerFlight.call(this, h);
    const hooks = this.dtls.options.utp as SessionHooks | undefined;
    if (h.msg_type === 11) hooks?.certificate?.(this.cipher.remoteCertificate);
    if (h.msg_type === 12 && hooks) {
      const ske = werift.ServerKeyExchange.deSerialize(h.fragment);
      const params = h.fragment.subarray(0, 4 + ske.publicKey.length);  // curve type, curve, length, point (RFC 8422 §5.4)
      const signed = Buffer.concat([this.cipher.localRandom.serialize(), this.cipher.remoteRandom.serialize(), params]);
      hooks.serverKeyExchange?.(signed, ske.hashAlgorithm, ske.signature, this.cipher.remoteCertificate);
    }
  };

  // 3. The server checks the client's certificate, CertificateVerify and Finished (flight 5 as received).
  const { Flight6 } = load('flight/server/flight6.js');
  const handleClientFlight = Flight6.prototype.handleHandshake as (this: any, h: HandshakeFragment) => void;
  Flight6.prototype.handleHandshake = function (this: any, h: HandshakeFragment) {
    const hooks = this.dtls.options.utp as SessionHooks | undefined;
    const transcript = () => Buffer.concat(this.dtls.sortedHandshakeCache.map((m: HandshakeFragment) => m.serialize()));
    if (h.msg_type === 15 && hooks) {
      const cv = werift.CertificateVerify.deSerialize(h.fragment);
      hooks.certificateVerify?.(transcript(), cv.signature, this.cipher.remoteCertificate);
    }
    if (h.msg_type === 16 && hooks?.pskKey) return pskServerKeyExchange(this, h, hooks.pskKey);
    // A retransmitted Finished was checked the first time: one that lands while the first still waits for flight 6 (a
    // busy server, the client's 500 ms resend) would be checked against a transcript that already holds the first.
    const checked = () => this.dtls.handshakeCache[5]?.data.some((m: HandshakeFragment) => m.msg_type === 20) === true;
    if (h.msg_type === 20 && this.dtls.flight !== 6 && !checked()) {
      const master = this.cipher.masterSecret as Buffer | undefined;
      const expected = master && werift.prf.prfVerifyDataClient(master, transcript());
      if (!expected || !expected.equals(werift.Finished.deSerialize(h.fragment).verifyData)) {
        throw new DtlsAuthenticationError('the client Finished does not match the handshake', AlertDescription.decryptError);
      }
    }
    handleClientFlight.call(this, h);
    if (h.msg_type === 11) hooks?.certificate?.(this.cipher.remoteCertificate);
  };

  // 4. PSK (RFC 4279 §2). The client offers its own suite list (flight1 reads werift's module constant while it
  // builds the ClientHello) and sends its identity as the ClientKeyExchange; the server answers the ClientHello with
  // ServerHello and ServerHelloDone only. Both derive the premaster from the key.
  const { Flight1 } = load('flight/client/flight1.js');
  const clientHello = Flight1.prototype.exec as (this: any, extensions: unknown) => Promise<void>;
  Flight1.prototype.exec = function (this: any, extensions: unknown) {
    const suites = (this.dtls.options.utp as SessionHooks | undefined)?.suites;
    if (!suites) return clientHello.call(this, extensions);
    const saved = constants.CipherSuiteList;
    constants.CipherSuiteList = [...suites];
    try {
      return clientHello.call(this, extensions);
    } finally {
      constants.CipherSuiteList = saved;
    }
  };
  const clientKeyExchange = Flight5.prototype.sendClientKeyExchange as (this: any) => Buffer;
  Flight5.prototype.sendClientKeyExchange = function (this: any) {
    const psk = (this.dtls.options.utp as SessionHooks | undefined)?.psk;
    if (!psk) return clientKeyExchange.call(this);
    const body = Buffer.alloc(2 + psk.identity.length);
    body.writeUInt16BE(psk.identity.length, 0);
    psk.identity.copy(body, 2);
    const packets = this.createPacket([handshakeMessage(16, body)]);
    pskKeys(this.dtls, this.cipher, psk.key, this.cipher.localRandom.serialize(), this.cipher.remoteRandom.serialize());
    return Buffer.concat(packets.map((p: { serialize(): Buffer }) => p.serialize()));
  };
  // 5. A client without a certificate answers a CertificateRequest (a server with SecureClientAuthPolicy.Optional)
  // with an empty Certificate and no CertificateVerify (RFC 5246 §7.4.6); werift would throw on the missing one.
  const { Certificate } = load('handshake/message/certificate.js');
  const clientCertificate = Flight5.prototype.sendCertificate as (this: any) => Buffer;
  Flight5.prototype.sendCertificate = function (this: any) {
    if (this.cipher.localCert) return clientCertificate.call(this);
    return Buffer.concat(this.createPacket([new Certificate([])]).map((p: { serialize(): Buffer }) => p.serialize()));
  };
  const certificateVerify = Flight5.prototype.sendCertificateVerify as (this: any) => Buffer;
  Flight5.prototype.sendCertificateVerify = function (this: any) {
    return this.cipher.localCert ? certificateVerify.call(this) : undefined;   // werift's flight drops what is undefined
  };
  const { Flight4 } = load('flight/server/flight4.js');
  const serverHello = Flight4.prototype.exec as (this: any, hello: HandshakeFragment, certificateRequest?: boolean) => Promise<void>;
  Flight4.prototype.exec = async function (this: any, hello: HandshakeFragment, certificateRequest?: boolean) {
    if (!(this.dtls.options.utp as SessionHooks | undefined)?.pskKey) return serverHello.call(this, hello, certificateRequest);
    if (this.dtls.flight === 4) return void this.send(this.dtls.lastMessage);   // as werift: resend the flight
    this.dtls.flight = 4;
    this.dtls.sequenceNumber = 1;
    this.dtls.bufferHandshakeCache([hello], false, 4);
    const messages = [this.sendServerHello(), this.sendServerHelloDone()];
    this.dtls.lastMessage = messages;
    await this.transmit(messages);
  };
}

/** A handshake message werift can send: werift's builder assigns messageSeq and calls toFragment. */
function handshakeMessage(type: number, body: Buffer): object {
  return {
    msgType: type,
    messageSeq: undefined as number | undefined,
    serialize: () => body,
    toFragment(this: { messageSeq: number }) { return new werift.FragmentedHandshake(type, body.length, this.messageSeq, 0, body.length, body); },
  };
}

/** RFC 4279 §2 premaster (N zeros and the N-byte key, each length-prefixed), then the master secret and the cipher. */
function pskKeys(dtls: any, cipher: any, key: Buffer, clientRandom: Buffer, serverRandom: Buffer): void {
  const pre = Buffer.alloc(4 + 2 * key.length);
  pre.writeUInt16BE(key.length, 0);
  pre.writeUInt16BE(key.length, 2 + key.length);
  key.copy(pre, 4 + key.length);
  const transcript = Buffer.concat(dtls.sortedHandshakeCache.map((m: HandshakeFragment) => m.serialize()));
  cipher.masterSecret = dtls.options.extendedMasterSecret && dtls.remoteExtendedMasterSecret
    ? werift.prf.prfExtendedMasterSecret(pre, transcript)
    : werift.prf.prfMasterSecret(pre, clientRandom, serverRandom);
  cipher.cipher = werift.createCipher(cipher.cipherSuite);
  cipher.cipher.init(cipher.masterSecret, serverRandom, clientRandom);
}

/** Server: the client's PSK identity (RFC 4279 §2: opaque psk_identity<0..2^16-1>) instead of an ECDHE key. */
function pskServerKeyExchange(flight: any, h: HandshakeFragment, pskKey: (identity: Buffer) => Buffer | undefined): void {
  flight.dtls.bufferHandshakeCache([h], false, 5);
  const length = h.fragment.length >= 2 ? h.fragment.readUInt16BE(0) : -1;
  if (length < 0 || 2 + length !== h.fragment.length) throw new DtlsAuthenticationError('malformed PSK identity', AlertDescription.decodeError);
  const key = pskKey(h.fragment.subarray(2));
  if (!key) throw new DtlsAuthenticationError('unknown PSK identity', AlertDescription.unknownPskIdentity);
  pskKeys(flight.dtls, flight.cipher, key, flight.cipher.remoteRandom.serialize(), flight.cipher.localRandom.serialize());
}

/** Called by the patched flights; each throws `DtlsAuthenticationError` to abort the handshake. */
export interface SessionHooks {
  /** Client: the suites its ClientHello offers instead of werift's list. */
  suites?: readonly number[];
  /** Client: the pre-shared key and its identity (PSK mode). */
  psk?: { identity: Buffer; key: Buffer };
  /** Server: the key for a PSK identity, undefined to refuse it (PSK mode). */
  pskKey?(identity: Buffer): Buffer | undefined;
  certificate?(der: Buffer | undefined): void;
  serverKeyExchange?(signed: Buffer, hashAlgorithm: number, signature: Buffer, certificate: Buffer | undefined): void;
  certificateVerify?(transcript: Buffer, signature: Buffer, certificate: Buffer | undefined): void;
}

/** The peer failed to prove who it is (bad certificate, signature or Finished). */
export class DtlsAuthenticationError extends Error {
  /** The fatal alert that tells the peer why (`AlertDescription`); undefined to send none. */
  readonly alert: number | undefined;

  constructor(message: string, alert: number | undefined = AlertDescription.handshakeFailure) {
    super(message);
    this.name = 'DtlsAuthenticationError';
    this.alert = alert;
  }
}

/** Alert descriptions utp-ts sends (RFC 5246 §7.2, RFC 4279 §2). */
export const AlertDescription = {
  closeNotify: 0,
  handshakeFailure: 40,
  badCertificate: 42,
  certificateExpired: 45,
  unknownCa: 48,
  decodeError: 50,
  decryptError: 51,
  unknownPskIdentity: 115,
} as const;

/** The server's Finished, checked by the client before it reports the session up. */
export function checkServerFinished(socket: WeriftSocket, finished: HandshakeFragment): void {
  const master = socket.cipher.masterSecret;
  const transcript = Buffer.concat(socket.dtls.sortedHandshakeCache.map((m) => m.serialize()));
  const expected = master && werift.prf.prfVerifyDataServer(master, transcript);
  if (!expected || !expected.equals(werift.Finished.deSerialize(finished.fragment).verifyData)) {
    throw new DtlsAuthenticationError('the server Finished does not match the handshake', AlertDescription.decryptError);
  }
}
