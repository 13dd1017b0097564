/**
 * The DTLS sessions of one driver, by peer address, with UTP's rules (spec §6.4): the server answers a ClientHello
 * from an unknown address with a stateless cookie and creates a session only for a valid cookie; datagrams from
 * addresses without a session are dropped; half-open sessions end after `(maxConnectAttempts + 1) ×
 * connectTimeoutMS`; a client that hears nothing for `reconnectionTimeoutMS` starts a second handshake alongside the
 * first and switches when it completes (its address may have changed). Every refusal is counted by reason.
 * Time comes from the caller (`now`), never from the clock.
 */
import { CookieJar, helloVerifyRequest, sniffClientHello } from './dtls-cookie.ts';
import { DtlsSession, RECORD_OVERHEAD_MAX, type DtlsClientConfig, type DtlsServerConfig, type DtlsSessionEvents } from './dtls-session.ts';
import { APPLICATION_DATA } from './dtls-record.ts';

export interface DtlsTableLimits {
  /** Sessions kept at once (handshaking + connected); a valid ClientHello beyond it is dropped. */
  readonly maxSessions: number;
  /** A session still handshaking after this long is removed. UTP: (maxConnectAttempts + 1) × connectTimeoutMS. */
  readonly halfOpenTimeoutMS: number;
  /** A connected session that received nothing for this long is removed (0 = never). */
  readonly idleTimeoutMS: number;
  /** Client: silence after which a second handshake starts (0 = never). */
  readonly reconnectionTimeoutMS: number;
  /** Client: packets held while the handshake runs (the connection layer resends anyway). */
  readonly pendingPackets: number;
  /** Cookie secret lifetime. */
  readonly cookieLifetimeMS: number;
}

/** Why the table ended a session, for the connection layer's DisconnectReason. */
export type DtlsCloseReason = 'timeout' | 'authentication' | 'closed';

/** A peer of the table; `tag` is the output's to keep (the DTLS layer caches the peer's endpoint there). */
export interface DtlsPeer {
  readonly address: string;
  readonly port: number;
  tag: unknown;
}

export interface DtlsTableOutput {
  /** Bytes for the peer, valid only during the call (application records are sealed into a reused buffer). */
  transmit(datagram: Uint8Array, length: number, peer: DtlsPeer): void;
  deliver(plaintext: Buffer, peer: DtlsPeer): void;
  drop(reason: string): void;
  closed(address: string, port: number, reason: DtlsCloseReason, detail: string): void;
  /** Something happened outside an update (a library callback): ask for an early one. */
  wake(): void;
}

interface Entry extends DtlsPeer {
  /** False once the entry left the table: its sessions' late callbacks are ignored. */
  live: boolean;
  session: DtlsSession;
  /** Client: the second handshake after silence. */
  next: DtlsSession | undefined;
  createdAt: number;
  lastReceive: number;
  pending: Buffer[];
}

export class DtlsSessionTable {
  /** Entries by port, then address (no string keys to build on the data path); usually one per port. */
  private readonly byPort = new Map<number, Entry[]>();
  private count = 0;
  /** Application records are sealed here, then handed to `transmit` (which copies or sends at once). */
  private record = Buffer.allocUnsafe(1500);
  private readonly cookies: CookieJar;
  private readonly config: DtlsClientConfig | DtlsServerConfig;
  private readonly limits: DtlsTableLimits;
  private readonly out: DtlsTableOutput;
  private now = 0;

  constructor(config: DtlsClientConfig | DtlsServerConfig, limits: DtlsTableLimits, out: DtlsTableOutput) {
    this.config = config;
    this.limits = limits;
    this.out = out;
    this.cookies = new CookieJar(limits.cookieLifetimeMS);
  }

  get size(): number { return this.count; }
  /** The session state with a peer, for tests and statistics. */
  stateOf(address: string, port: number): string | undefined { return this.find(address, port)?.session.state; }

  /** A datagram from the network. Never throws. */
  receive(datagram: Buffer, address: string, port: number, now: number): void {
    this.receiveBytes(datagram, 0, datagram.length, address, port, now);
  }

  /** bytes[start, end) from the network (read during the call only). Never throws. */
  receiveBytes(bytes: Uint8Array, start: number, end: number, address: string, port: number, now: number): void {
    this.now = now;
    const entry = this.find(address, port);
    if (entry !== undefined && bytes[start] === APPLICATION_DATA && end - start >= 13 && entry.session.state === 'connected') {
      // The data path: straight to the connected session (a second handshake's records are handshake records).
      entry.lastReceive = now;
      const plaintext = entry.session.open(bytes, start, end);
      if (plaintext !== undefined) this.out.deliver(plaintext, entry);
      return;
    }
    const datagram = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start);
    if (entry) {
      if (this.config.role === 'server' && entry.session.state === 'connected') {
        // A client that lost its session (restart, same port) starts over; its old association goes on until the new
        // one completes (RFC 6347 §4.2.8).
        const hello = sniffClientHello(datagram, 0, datagram.length);
        if (hello) return this.serverHello(datagram, address, port, hello);
      }
      entry.lastReceive = now;
      // During a second handshake its records go to the new session; data still decrypts with the old one.
      if (entry.next && datagram[0] !== 23) entry.next.receive(datagram);
      else entry.session.receive(datagram);
      return;
    }
    if (this.config.role === 'client') return this.out.drop('dtls-unknown-peer');
    const hello = sniffClientHello(datagram, 0, datagram.length);
    if (!hello) return this.out.drop('dtls-unknown-peer');
    this.serverHello(datagram, address, port, hello);
  }

  private serverHello(datagram: Buffer, address: string, port: number, hello: NonNullable<ReturnType<typeof sniffClientHello>>): void {
    if (!this.cookies.valid(address, port, hello)) {
      const reply = helloVerifyRequest(hello, this.cookies.cookie(address, port, hello.random));
      // Never send a stranger more than it sent (the reply is 48 bytes; a real ClientHello is well over 100).
      if (reply.length > datagram.length) return this.out.drop('dtls-hello-too-short');
      this.out.drop('dtls-cookie-sent');
      return this.out.transmit(reply, reply.length, { address, port, tag: undefined });   // stateless: no entry
    }
    const existing = this.find(address, port);
    if (existing && existing.session.state === 'handshaking') {
      existing.session.receive(datagram);   // a retransmitted ClientHello of the running handshake
      return;
    }
    if (existing?.next) return existing.next.receive(datagram);
    if (!existing && this.count >= this.limits.maxSessions) return this.out.drop('dtls-sessions-full');
    const entry = existing ?? this.newEntry(address, port);
    let session: DtlsSession | undefined;
    session = DtlsSession.accept(this.config as DtlsServerConfig, this.events(entry, () => session), datagram, Buffer.from(hello.cookie));
    if (existing) existing.next = session;
    else {
      entry.session = session;
      this.add(entry);
    }
    session.receive(datagram);
  }

  /** Client: opens (or keeps) the session with the server at address:port. */
  connect(address: string, port: number, now: number): void {
    this.now = now;
    if (this.find(address, port)) return;
    if (this.count >= this.limits.maxSessions) return this.out.drop('dtls-sessions-full');
    const entry = this.newEntry(address, port);
    this.add(entry);
    let session: DtlsSession | undefined;
    session = entry.session = DtlsSession.connect(this.config as DtlsClientConfig, this.events(entry, () => session));
  }

  /** Plaintext for the peer; held while the client handshakes, dropped when there is no session. */
  send(plaintext: Uint8Array, address: string, port: number): void {
    this.sendBytes(plaintext, 0, plaintext.length, address, port);
  }

  /** bytes[start, end) for the peer (read during the call only); see `send`. */
  sendBytes(bytes: Uint8Array, start: number, end: number, address: string, port: number): void {
    const entry = this.find(address, port);
    if (!entry) return this.out.drop('dtls-no-session');
    if (entry.session.state === 'connected') {
      if (this.record.length < end - start + RECORD_OVERHEAD_MAX) this.record = Buffer.allocUnsafe(end - start + RECORD_OVERHEAD_MAX);
      const length = entry.session.seal(bytes, start, end, this.record);
      if (length > 0) this.out.transmit(this.record, length, entry);
      return;
    }
    if (entry.session.state !== 'handshaking' || entry.pending.length >= this.limits.pendingPackets) {
      return this.out.drop('dtls-not-connected');
    }
    entry.pending.push(Buffer.from(bytes.subarray(start, end)));
  }

  /** Ends the session with a peer (its connection closed). */
  close(address: string, port: number): void {
    const entry = this.find(address, port);
    if (!entry) return;
    entry.session.close();
    entry.next?.close();
    this.remove(entry);
  }

  update(now: number): void {
    this.now = now;
    this.cookies.rotate(now);
    if (this.count === 0) return;
    for (const entry of this.entries()) {
      const { session } = entry;
      if (session.state === 'handshaking' && now - entry.createdAt > this.limits.halfOpenTimeoutMS) {
        this.end(entry, 'timeout', 'the DTLS handshake did not finish in time (no answer, or a wrong pre-shared key: DTLS peers drop what they cannot decrypt)');
      } else if (session.state === 'connected' && this.limits.idleTimeoutMS > 0 && now - entry.lastReceive > this.limits.idleTimeoutMS) {
        this.end(entry, 'timeout', 'nothing received on the DTLS session');
      } else if (this.config.role === 'client' && session.state === 'connected' && !entry.next
        && this.limits.reconnectionTimeoutMS > 0 && now - entry.lastReceive > this.limits.reconnectionTimeoutMS) {
        entry.createdAt = now;
        let next: DtlsSession | undefined;
        next = entry.next = DtlsSession.connect(this.config, this.events(entry, () => next));
      } else if (entry.next && entry.next.state === 'handshaking' && now - entry.createdAt > this.limits.halfOpenTimeoutMS) {
        entry.next.close();
        entry.next = undefined;
      }
    }
  }

  dispose(): void {
    for (const e of this.entries()) { e.session.close(); e.next?.close(); e.live = false; }
    this.byPort.clear();
    this.count = 0;
  }

  private newEntry(address: string, port: number): Entry {
    return {
      address, port, tag: undefined, live: false, session: undefined as unknown as DtlsSession, next: undefined,
      createdAt: this.now, lastReceive: this.now, pending: [],
    };
  }

  private find(address: string, port: number): Entry | undefined {
    const list = this.byPort.get(port);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) if (list[i].address === address) return list[i];
    return undefined;
  }

  private add(entry: Entry): void {
    const list = this.byPort.get(entry.port);
    if (list) list.push(entry);
    else this.byPort.set(entry.port, [entry]);
    entry.live = true;
    this.count++;
  }

  private remove(entry: Entry): void {
    const list = this.byPort.get(entry.port);
    const i = list ? list.indexOf(entry) : -1;
    if (i < 0) return;
    if (list!.length === 1) this.byPort.delete(entry.port);
    else list!.splice(i, 1);
    entry.live = false;
    this.count--;
  }

  /** A snapshot of the entries (the caller may remove some while it iterates). */
  private entries(): Entry[] {
    const all: Entry[] = [];
    for (const list of this.byPort.values()) for (const e of list) all.push(e);
    return all;
  }

  private end(entry: Entry, reason: DtlsCloseReason, detail: string): void {
    entry.session.close();
    entry.next?.close();
    this.remove(entry);
    this.out.closed(entry.address, entry.port, reason, detail);
  }

  /** Callbacks of one session of `entry`; `self` resolves the session once constructed. */
  private events(entry: Entry, self: () => DtlsSession | undefined): DtlsSessionEvents {
    const current = () => entry.live;
    return {
      send: (datagram) => { if (current()) this.out.transmit(datagram, datagram.length, entry); },
      connected: () => {
        if (!current()) return;
        if (entry.next === self()) {            // the second handshake won: it replaces the first
          entry.session.close();
          entry.session = self()!;
          entry.next = undefined;
        }
        entry.lastReceive = this.now;
        for (const p of entry.pending.splice(0)) entry.session.send(p);
        this.out.wake();
      },
      data: (plaintext) => {
        if (!current()) return;
        if (entry.next === self()) {            // the new association carries data: the old one is gone
          entry.session.close();
          entry.session = self()!;
          entry.next = undefined;
        }
        if (self() !== entry.session) return this.out.drop('dtls-stale-session');
        this.out.deliver(plaintext, entry);
      },
      failed: (error, authentication) => {
        if (!current()) return;
        if (entry.next === self()) { entry.next = undefined; return; }
        if (self() !== entry.session) return;
        this.out.drop(authentication ? 'dtls-authentication-failed' : 'dtls-handshake-failed');
        this.end(entry, authentication ? 'authentication' : 'closed', error.message);
        this.out.wake();
      },
      closed: () => {
        if (!current() || self() !== entry.session) return;
        this.end(entry, 'closed', 'the peer closed the DTLS session');
        this.out.wake();
      },
      dropped: (reason) => this.out.drop(reason),
    };
  }
}
