/**
 * The DTLS sessions of one driver, by peer address, with UTP's rules (spec §6.4): the server answers a ClientHello
 * from an unknown address with a stateless cookie and creates a session only for a valid cookie; datagrams from
 * addresses without a session are dropped; half-open sessions end after `(maxConnectAttempts + 1) ×
 * connectTimeoutMS`; a client that hears nothing for `reconnectionTimeoutMS` starts a second handshake alongside the
 * first and switches when it completes (its address may have changed). Every refusal is counted by reason.
 * Time comes from the caller (`now`), never from the clock.
 */
import { CookieJar, helloVerifyRequest, sniffClientHello } from './dtls-cookie.ts';
import { DtlsSession, type DtlsClientConfig, type DtlsServerConfig, type DtlsSessionEvents } from './dtls-session.ts';

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

export interface DtlsTableOutput {
  transmit(datagram: Buffer, address: string, port: number): void;
  deliver(plaintext: Buffer, address: string, port: number): void;
  drop(reason: string): void;
  closed(address: string, port: number, reason: DtlsCloseReason, detail: string): void;
  /** Something happened outside an update (a library callback): ask for an early one. */
  wake(): void;
}

interface Entry {
  readonly address: string;
  readonly port: number;
  session: DtlsSession;
  /** Client: the second handshake after silence. */
  next: DtlsSession | undefined;
  createdAt: number;
  lastReceive: number;
  pending: Buffer[];
}

export class DtlsSessionTable {
  private readonly entries = new Map<string, Entry>();
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

  get size(): number { return this.entries.size; }
  /** The session state with a peer, for tests and statistics. */
  stateOf(address: string, port: number): string | undefined { return this.entries.get(key(address, port))?.session.state; }

  /** A datagram from the network. Never throws. */
  receive(datagram: Buffer, address: string, port: number, now: number): void {
    this.now = now;
    const entry = this.entries.get(key(address, port));
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
      return this.out.transmit(reply, address, port);
    }
    const existing = this.entries.get(key(address, port));
    if (existing && existing.session.state === 'handshaking') {
      existing.session.receive(datagram);   // a retransmitted ClientHello of the running handshake
      return;
    }
    if (existing?.next) return existing.next.receive(datagram);
    if (!existing && this.entries.size >= this.limits.maxSessions) return this.out.drop('dtls-sessions-full');
    const entry = existing ?? this.newEntry(address, port);
    let session: DtlsSession | undefined;
    session = DtlsSession.accept(this.config as DtlsServerConfig, this.events(entry, () => session), datagram, Buffer.from(hello.cookie));
    if (existing) existing.next = session;
    else {
      entry.session = session;
      this.entries.set(key(address, port), entry);
    }
    session.receive(datagram);
  }

  /** Client: opens (or keeps) the session with the server at address:port. */
  connect(address: string, port: number, now: number): void {
    this.now = now;
    const k = key(address, port);
    if (this.entries.has(k)) return;
    if (this.entries.size >= this.limits.maxSessions) return this.out.drop('dtls-sessions-full');
    const entry = this.newEntry(address, port);
    this.entries.set(k, entry);
    let session: DtlsSession | undefined;
    session = entry.session = DtlsSession.connect(this.config as DtlsClientConfig, this.events(entry, () => session));
  }

  /** Plaintext for the peer; held while the client handshakes, dropped when there is no session. */
  send(plaintext: Uint8Array, address: string, port: number): void {
    const entry = this.entries.get(key(address, port));
    if (!entry) return this.out.drop('dtls-no-session');
    if (entry.session.state === 'connected') {
      entry.session.send(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength));   // a view: sealing copies
      return;
    }
    if (entry.session.state !== 'handshaking' || entry.pending.length >= this.limits.pendingPackets) {
      return this.out.drop('dtls-not-connected');
    }
    entry.pending.push(Buffer.from(plaintext));
  }

  /** Ends the session with a peer (its connection closed). */
  close(address: string, port: number): void {
    const entry = this.entries.get(key(address, port));
    if (!entry) return;
    entry.session.close();
    entry.next?.close();
    this.entries.delete(key(address, port));
  }

  update(now: number): void {
    this.now = now;
    this.cookies.rotate(now);
    for (const entry of [...this.entries.values()]) {
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
    for (const e of this.entries.values()) { e.session.close(); e.next?.close(); }
    this.entries.clear();
  }

  private newEntry(address: string, port: number): Entry {
    return { address, port, session: undefined as unknown as DtlsSession, next: undefined, createdAt: this.now, lastReceive: this.now, pending: [] };
  }

  private end(entry: Entry, reason: DtlsCloseReason, detail: string): void {
    entry.session.close();
    entry.next?.close();
    this.entries.delete(key(entry.address, entry.port));
    this.out.closed(entry.address, entry.port, reason, detail);
  }

  /** Callbacks of one session of `entry`; `self` resolves the session once constructed. */
  private events(entry: Entry, self: () => DtlsSession | undefined): DtlsSessionEvents {
    const current = () => this.entries.get(key(entry.address, entry.port)) === entry;
    return {
      send: (datagram) => { if (current()) this.out.transmit(datagram, entry.address, entry.port); },
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
        this.out.deliver(plaintext, entry.address, entry.port);
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

function key(address: string, port: number): string {
  return `${address}|${port}`;
}
