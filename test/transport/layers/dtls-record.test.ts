/**
 * The application-data fast path (dtls-record.ts) against werift's own record layer, on sessions handshaken in
 * memory: the records utp-ts seals are byte for byte the ones werift's `send` builds for the same sequence number,
 * each side opens the other's records, and werift's receive path opens ours. Both suites utp-ts negotiates:
 * ChaCha20-Poly1305 (certificates; libsodium and node:crypto seal it alike) and werift's AES-128-GCM (pre-shared
 * keys, the generic cipher path). The
 * anti-replay window is checked against a plain model of RFC 6347 §4.1.2.6. (OpenSSL reads and writes the same
 * records in dtls-session.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCaCertificates, loadCredential } from '../../../plugin/transport/layers/dtls-certificates.ts';
import { CookieJar, helloVerifyRequest, sniffClientHello } from '../../../plugin/transport/layers/dtls-cookie.ts';
import {
  applyPatches, chaChaImplementation, CipherSuite, werift, type SealingCipher, type WeriftSocket,
} from '../../../plugin/transport/layers/dtls-library.ts';
import { ReplayWindow } from '../../../plugin/transport/layers/dtls-record.ts';
import { DtlsSession, type DtlsClientConfig, type DtlsServerConfig, type DtlsSessionEvents } from '../../../plugin/transport/layers/dtls-session.ts';
import { makeTestPki, type TestPki } from '../../support/openssl.ts';
import { sleep } from '../../support/pump.ts';

let pki: TestPki;
beforeAll(() => { pki = makeTestPki(); });
afterAll(() => pki?.dispose());

interface Side {
  session: DtlsSession;
  socket: WeriftSocket;
  sent: Buffer[];
  data: Buffer[];
  drops: string[];
}

/** A client and a server session joined in memory, handshaken through a cookie. */
async function pair(client: DtlsClientConfig, server: DtlsServerConfig): Promise<{ client: Side; server: Side }> {
  const side = (): Side => ({ session: undefined as unknown as DtlsSession, socket: undefined as unknown as WeriftSocket, sent: [], data: [], drops: [] });
  const c = side();
  const s = side();
  const events = (x: Side): DtlsSessionEvents => ({
    send: (d) => x.sent.push(Buffer.from(d)), connected: () => {}, data: (p) => x.data.push(p),
    failed: (e) => { throw e; }, closed: () => {}, dropped: (r) => x.drops.push(r),
  });
  const jar = new CookieJar(60_000);
  c.session = DtlsSession.connect(client, events(c));
  for (let i = 0; i < 2000 && !(c.session.state === 'connected' && s.session?.state === 'connected'); i++) {
    for (const d of c.sent.splice(0)) {
      if (!s.session) {
        const hello = sniffClientHello(d, 0, d.length)!;
        if (!jar.valid('client', 1, hello)) { c.session.receive(helloVerifyRequest(hello, jar.cookie('client', 1, hello.random))); continue; }
        s.session = DtlsSession.accept(server, events(s), d, Buffer.from(hello.cookie));
      }
      s.session.receive(d);
    }
    for (const d of s.sent.splice(0)) c.session.receive(d);
    await sleep(2);
  }
  expect([c.session.state, s.session?.state]).toEqual(['connected', 'connected']);
  for (const x of [c, s]) x.socket = (x.session as unknown as { socket: WeriftSocket }).socket;
  return { client: c, server: s };
}

/** werift's application-data send (its record builder and cipher context) for the next sequence number. */
function weriftRecord(x: Side, plaintext: Buffer): Buffer {
  x.sent.length = 0;
  void x.socket.send(plaintext);    // builds and encrypts synchronously, then hands the bytes to the transport
  expect(x.sent).toHaveLength(1);
  return x.sent.pop()!;
}

/** werift's receive path: its record parser and decryptPacket, surfacing through onData. */
async function weriftOpens(x: Side, record: Buffer): Promise<Buffer | undefined> {
  let got: Buffer | undefined;
  const { unSubscribe } = x.socket.onData.subscribe((d) => { got = d; }) as { unSubscribe(): void };
  (x.session as unknown as { transport: { onData(d: Buffer): void } }).transport.onData(record);
  await sleep(0);
  unSubscribe();
  return got;
}

async function compare(p: { client: Side; server: Side }, suite: number): Promise<void> {
  expect(p.client.session.cipherSuite).toBe(suite);
  for (const [from, to] of [[p.client, p.server], [p.server, p.client]]) {
    for (const size of [0, 1, 64, 1371]) {
      from.socket.dtls.recordSequenceNumber += 2 ** 32;   // sequence numbers that need all 48 bits
      const plaintext = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff));
      const dtls = from.socket.dtls;
      const before = dtls.recordSequenceNumber;
      from.sent.length = 0;
      expect(from.session.send(plaintext)).toBe(true);
      const ours = from.sent.pop()!;
      expect(dtls.recordSequenceNumber).toBe(before + 1);
      dtls.recordSequenceNumber = before;    // the same sequence number again, through werift
      const theirs = weriftRecord(from, plaintext);
      expect(ours.toString('hex')).toBe(theirs.toString('hex'));

      // Each path opens the record: ours (fast path) once, werift's too.
      expect(to.session.open(theirs, 0, theirs.length)?.toString('hex')).toBe(plaintext.toString('hex'));
      expect((await weriftOpens(to, ours))?.toString('hex')).toBe(plaintext.toString('hex'));
      // Inside a larger array, at an offset (the layer's receive hands ranges).
      const framed = Buffer.concat([Buffer.alloc(5, 0xee), weriftRecord(from, plaintext), Buffer.alloc(3, 0xee)]);
      expect(to.session.open(framed, 5, framed.length - 3)?.toString('hex')).toBe(plaintext.toString('hex'));
    }
    // A replayed record and a tampered one are dropped by the fast path, and counted.
    const record = weriftRecord(from, Buffer.from('once'));
    expect(to.session.open(record, 0, record.length)?.toString()).toBe('once');
    expect(to.session.open(record, 0, record.length)).toBeUndefined();
    const tampered = weriftRecord(from, Buffer.from('twice'));
    tampered[tampered.length - 1] ^= 1;
    expect(to.session.open(tampered, 0, tampered.length)).toBeUndefined();
    expect(to.drops.slice(-2)).toEqual(['dtls-replayed', 'dtls-bad-record']);
  }
}

describe('application records: utp-ts fast path = werift record layer', () => {
  for (const implementation of ['sodium', 'node'] as const) {
    it(`ChaCha20-Poly1305 (certificates, ${implementation}): same bytes sealed, each opens the other's`, async () => {
      const was = chaChaImplementation();
      try {
        expect(chaChaImplementation(implementation)).toBe(implementation);   // sodium-native is installed here
        const p = await pair(
          { role: 'client', peer: { cas: loadCaCertificates(pki.pem('ca.pem'), 'test'), name: 'game.test' } },
          { role: 'server', credential: loadCredential(pki.pem('server.pem'), pki.pem('server.key'), 'test') },
        );
        await compare(p, CipherSuite.ECDHE_ECDSA_CHACHA20_POLY1305);
      } finally {
        chaChaImplementation(was);
      }
    });
  }

  it('AES-128-GCM with explicit nonce (pre-shared key): same bytes sealed, each opens the other\'s', async () => {
    const key = Buffer.alloc(64, 7);
    const p = await pair(
      { role: 'client', psk: { identity: Buffer.from('allocation-0001'), key } },
      { role: 'server', pskKey: () => key },
    );
    await compare(p, CipherSuite.PSK_AES_128_GCM);
  });
});

describe('encrypted alerts', () => {
  it('are opened by utp-ts for every sequence number (werift takes the ciphertext for a plaintext alert when its first bytes name one)', async () => {
    const p = await pair(
      { role: 'client', peer: { cas: loadCaCertificates(pki.pem('ca.pem'), 'test'), name: 'game.test' } },
      { role: 'server', credential: loadCredential(pki.pem('server.pem'), pki.pem('server.key'), 'test') },
    );
    applyPatches();
    for (const [from, to] of [[p.client, p.server], [p.server, p.client]]) {
      for (let i = 0; i < 300; i++) {
        const dtls = from.socket.dtls;   // werift's builder and cipher context make the record, as DtlsSession.close does
        const plain = werift.createPlaintext(dtls)([{ type: 21, fragment: new werift.Alert(1, 0).serialize() }], ++dtls.recordSequenceNumber)[0];
        const record = from.socket.cipher.encryptPacket(plain).serialize();
        expect(to.session.openAlert(record, 0, record.length)).toEqual([1, 0]);
      }
    }
    // close_notify as DtlsSession.close sends it ends the peer's session.
    const closing = p.client.sent.length;
    p.client.session.close();
    const notify = p.client.sent[closing];
    expect([notify[0], notify.length]).toEqual([21, 13 + 2 + 16]);
    p.server.session.receive(notify);
    expect(p.server.session.state).toBe('closed');
  });
});

describe('ChaCha20-Poly1305 implementations', () => {
  it('libsodium and node:crypto seal the same bytes from the same keys and open each other\'s records', () => {
    applyPatches();
    const keyed = (implementation: 'sodium' | 'node') => {
      chaChaImplementation(implementation);
      const c = werift.createCipher(CipherSuite.ECDHE_ECDSA_CHACHA20_POLY1305) as SealingCipher & { init(m: Buffer, s: Buffer, c: Buffer): void };
      c.init(Buffer.alloc(48, 1), Buffer.alloc(32, 2), Buffer.alloc(32, 3));
      return c;
    };
    const was = chaChaImplementation();
    const [sodium, node] = [keyed('sodium'), keyed('node')];
    chaChaImplementation(was);
    for (const size of [0, 1, 80, 1400]) {
      const data = Buffer.from(Array.from({ length: size + 6 }, (_, i) => i & 0xff));
      for (const [sessionType, sequence] of [[1, 0], [2, 7], [1, 2 ** 47 + 3]]) {
        const a = Buffer.alloc(size + 16);
        const b = Buffer.alloc(size + 16);
        expect(sodium.seal(sessionType, 23, 0xfefd, 1, sequence, data, 3, 3 + size, a, 0)).toBe(size + 16);
        expect(node.seal(sessionType, 23, 0xfefd, 1, sequence, data, 3, 3 + size, b, 0)).toBe(size + 16);
        expect(a.toString('hex')).toBe(b.toString('hex'));
        const peer = 3 - sessionType;   // the other side opens what this side sealed
        expect(node.open(peer, 23, 0xfefd, 1, sequence, a, 0, a.length).equals(data.subarray(3, 3 + size))).toBe(true);
        expect(sodium.open(peer, 23, 0xfefd, 1, sequence, b, 0, b.length).equals(data.subarray(3, 3 + size))).toBe(true);
        b[0] ^= 1;
        expect(() => sodium.open(peer, 23, 0xfefd, 1, sequence, b, 0, b.length)).toThrow();
        expect(() => node.open(peer, 23, 0xfefd, 1, sequence, b, 0, b.length)).toThrow();
        expect(() => sodium.open(peer, 23, 0xfefd, 1, sequence + 1, a, 0, a.length)).toThrow();   // another nonce
      }
    }
  });
});

/** RFC 6347 §4.1.2.6 written the plain way (BigInt bitmap), to check the two-word window against. */
class ModelWindow {
  highest = -1n;
  bits = 0n;
  mayReceive(seq: bigint): boolean {
    if (seq > this.highest) return true;
    const offset = this.highest - seq;
    return offset < 64n && ((this.bits >> offset) & 1n) === 0n;
  }
  received(seq: bigint): void {
    if (seq > this.highest) {
      const shift = seq - this.highest;
      this.bits = shift >= 64n ? 1n : ((this.bits << shift) | 1n) & 0xffffffffffffffffn;
      this.highest = seq;
    } else this.bits |= 1n << (this.highest - seq);
  }
}

describe('ReplayWindow', () => {
  it('decides as the RFC 6347 model over random arrivals (duplicates, reordering, jumps past the window, 48-bit numbers)', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (const base of [0, 2 ** 32 - 40, 2 ** 48 - 5000]) {
      const ours = new ReplayWindow();
      const model = new ModelWindow();
      let top = base;
      for (let i = 0; i < 20_000; i++) {
        const r = random();
        const seq = r < 0.5 ? top + 1 + Math.floor(random() * 3)          // mostly in order
          : r < 0.9 ? Math.max(base, top - Math.floor(random() * 80))      // late or repeated, in and past the window
            : top + 1 + Math.floor(random() * 100);                        // a jump (losses)
        top = Math.max(top, seq);
        const may = ours.mayReceive(seq);
        expect(may).toBe(model.mayReceive(BigInt(seq)));
        if (may && random() < 0.95) { ours.received(seq); model.received(BigInt(seq)); }  // some fail to authenticate
      }
    }
  });
});
