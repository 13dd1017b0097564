/**
 * Certificates for the DTLS layer: loading our own (PEM) and checking the peer's with node:crypto — issued by one of
 * the CA certificates, valid now, for the expected name — plus the handshake signatures made with its key.
 */
import { createPrivateKey, verify, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { AlertDescription, DtlsAuthenticationError } from './dtls-library.ts';
import { UtpSettingsError } from '../api/errors.ts';

/** Our certificate and key as werift wants them: the leaf PEM, a PKCS#8 key and TLS signature ids (hash 4 = SHA-256). */
export interface LocalCredential {
  readonly certPem: string;
  readonly keyPem: string;
  readonly signatureHash: { hash: 4; signature: 1 | 3 };
  readonly ecdsa: boolean;
}

export function loadCredential(certificate: string, privateKey: string, what: string): LocalCredential {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch (e) {
    throw new UtpSettingsError(`${what}: the certificate is not a PEM X.509 certificate (${(e as Error).message})`);
  }
  let key;
  try {
    key = createPrivateKey(privateKey);
  } catch (e) {
    throw new UtpSettingsError(`${what}: the private key is not a PEM private key (${(e as Error).message})`);
  }
  if (!cert.checkPrivateKey(key)) throw new UtpSettingsError(`${what}: the private key does not belong to the certificate`);
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa') throw new UtpSettingsError(`${what}: use an ECDSA P-256 or an RSA key (found ${type})`);
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new UtpSettingsError(`${what}: ECDSA keys must be on P-256 (prime256v1), found ${key.asymmetricKeyDetails?.namedCurve}`);
  }
  return {
    certPem: cert.toString(),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signatureHash: { hash: 4, signature: type === 'ec' ? 3 : 1 },
    ecdsa: type === 'ec',
  };
}

/** Parses one or more PEM CA certificates. */
export function loadCaCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UtpSettingsError(`${what}: no PEM certificate found in the CA certificate`);
  return blocks.map((b) => new X509Certificate(b));
}

let systemRoots: X509Certificate[] | undefined;
/** Node's bundled root CAs, for servers with a public certificate (UTP's `WithSecureClientParameters(serverName)`). */
export function systemCaCertificates(): X509Certificate[] {
  return (systemRoots ??= rootCertificates.map((pem) => new X509Certificate(pem)));
}

/** How the peer's certificate is judged. `cas: undefined` accepts any certificate (`--insecure`; still encrypted). */
export interface PeerCheck {
  readonly cas: readonly X509Certificate[] | undefined;
  /** Name the certificate must carry (subjectAltName DNS/IP, else the common name). */
  readonly name?: string;
  /** Wall-clock time in ms for validity dates. */
  readonly wallClock?: () => number;
}

/** Throws `DtlsAuthenticationError` unless `der` is valid now, issued by one of the CAs and names `name`. */
export function checkPeerCertificate(der: Buffer | undefined, check: PeerCheck): X509Certificate {
  if (!der) throw new DtlsAuthenticationError('the peer sent no certificate', AlertDescription.handshakeFailure);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw new DtlsAuthenticationError('the peer certificate cannot be parsed', AlertDescription.badCertificate);
  }
  if (check.cas === undefined) return cert;
  const now = (check.wallClock ?? Date.now)();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    throw new DtlsAuthenticationError(`the peer certificate is not valid now (${cert.validFrom} – ${cert.validTo})`, AlertDescription.certificateExpired);
  }
  const issuer = check.cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) throw new DtlsAuthenticationError(`the peer certificate (${cert.subject.replace(/\n/g, ', ')}) is not issued by a trusted CA`, AlertDescription.unknownCa);
  if (check.name !== undefined && !matchesName(cert, check.name)) {
    throw new DtlsAuthenticationError(`the peer certificate is not for "${check.name}" (${cert.subject.replace(/\n/g, ', ')})`, AlertDescription.badCertificate);
  }
  return cert;
}

function matchesName(cert: X509Certificate, name: string): boolean {
  if (/^[\d.]+$|:/.test(name)) return cert.checkIP(name) !== undefined;
  return cert.checkHost(name) !== undefined;
}

/** Verifies a handshake signature (SHA-256; ECDSA in DER or RSA PKCS#1 v1.5, as TLS 1.2 sends them). */
export function checkSignature(der: Buffer | undefined, data: Buffer, signature: Buffer, what: string): void {
  if (!der) throw new DtlsAuthenticationError(`${what} arrived without a certificate`, AlertDescription.handshakeFailure);
  const ok = (() => {
    try {
      return verify('sha256', data, new X509Certificate(der).publicKey, signature);
    } catch {
      return false;
    }
  })();
  if (!ok) throw new DtlsAuthenticationError(`${what} signature does not match the peer certificate`, AlertDescription.decryptError);
}
