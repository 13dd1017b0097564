/**
 * A tiny UTP peer written only from the protocol reference (spec/utp-protocol.md §3, §4, §5.2–5.4, §9) with
 * `node:dgram` and hand-assembled bytes. It deliberately imports nothing from `plugin/`: it checks our CLI against
 * the spec, not against our own codecs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { sleep } from '../support/pump.ts';

/** `01 02 0A` → "01 02 0A" (upper case, space separated, like the spec's vectors). */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
}

/** "01 02 0a" → bytes. */
export function fromHex(text: string): Uint8Array {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  return Uint8Array.from(parts, (h) => parseInt(h, 16));
}

export function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The spec's token T (§9 common assumptions). */
export const T = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);

/** A token of 8 bytes derived from `n`, distinct from T and from each other. */
export function token(n: number): Uint8Array {
  return Uint8Array.of(0xa0, n & 0xff, (n >>> 8) & 0xff, 0x5a, 0x11, 0x22, 0x33, n & 0xff);
}

/** u16 little-endian (§1: every UTP-native integer is LE). */
export const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
export const readU16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);

// ---------------------------------------------------------------- §3.2 handshake packets

/** `55 54 50 01 | type | token[8] | [len u16 LE | payload]`; type 1 = ConnectionRequest, 2 = ConnectionAccept. */
export function handshake(type: 1 | 2, tok: Uint8Array, payload?: Uint8Array, version = 1): Uint8Array {
  const head = concat([0x55, 0x54, 0x50, version, type], tok);
  return payload && payload.length ? concat(head, u16(payload.length), payload) : head;
}
export const connectionRequest = (tok: Uint8Array, payload?: Uint8Array): Uint8Array => handshake(1, tok, payload);
export const connectionAccept = (tok: Uint8Array, payload?: Uint8Array): Uint8Array => handshake(2, tok, payload);

// ---------------------------------------------------------------- §3.4 message packets

/** Message types (§3.4). */
export const Msg = { Data: 1, Disconnect: 2, Heartbeat: 3, MtuCheck: 4, MtuAck: 5 } as const;

/** `type | token[8] | body`. */
export function message(type: number, tok: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([type], tok, body);
}

/** `01 | token | pipelineId | stage headers + payload` (§4.1). */
export function data(tok: Uint8Array, pipelineId: number, rest: Uint8Array): Uint8Array {
  return concat([Msg.Data], tok, [pipelineId], rest);
}

export const heartbeat = (tok: Uint8Array): Uint8Array => message(Msg.Heartbeat, tok);
export const disconnect = (tok: Uint8Array): Uint8Array => message(Msg.Disconnect, tok);

/** True when `b` is a (non-handshake) message of `type` carrying `tok` (§3.1, §3.4). */
export function isMessage(b: Uint8Array, type: number, tok: Uint8Array): boolean {
  if (b.length < 9 || b[0] !== type) return false;
  for (let i = 0; i < 8; i++) if (b[1 + i] !== tok[i]) return false;
  return true;
}

/** True when `b` is a handshake of `type` (1 request, 2 accept) with `tok` (§3.2). */
export function isHandshake(b: Uint8Array, type: 1 | 2, tok?: Uint8Array): boolean {
  if (b.length < 13 || b[0] !== 0x55 || b[1] !== 0x54 || b[2] !== 0x50 || b[3] !== 1 || b[4] !== type) return false;
  if (tok) for (let i = 0; i < 8; i++) if (b[5 + i] !== tok[i]) return false;
  return true;
}

// ---------------------------------------------------------------- §5.3.1 reliable header (window 32 ⇒ 12 bytes)

export interface ReliableHeader {
  /** 0 payload, 1 ack-only. */
  type: number;
  maskLength: number;
  processingTime: number;
  sequence: number;
  ackedSequence: number;
  /** The 4 mask bytes as a u32 (bit d ⇔ ackedSequence − d received). */
  mask: number;
}

/** `type u8 | maskLen u8 | procTime u16 | seq u16 | ackedSeq u16 | mask[4]`, all LE. */
export function reliableHeader(h: Partial<ReliableHeader>): Uint8Array {
  const mask = h.mask ?? 0xffffffff;
  return concat(
    [h.type ?? 0, h.maskLength ?? 0], u16(h.processingTime ?? 0), u16(h.sequence ?? 0), u16(h.ackedSequence ?? 0xffff),
    [mask & 0xff, (mask >>> 8) & 0xff, (mask >>> 16) & 0xff, (mask >>> 24) & 0xff],
  );
}

export function readReliableHeader(b: Uint8Array, at: number): ReliableHeader {
  return {
    type: b[at], maskLength: b[at + 1], processingTime: readU16(b, at + 2), sequence: readU16(b, at + 4),
    ackedSequence: readU16(b, at + 6), mask: (b[at + 8] | (b[at + 9] << 8) | (b[at + 10] << 16) | (b[at + 11] << 24)) >>> 0,
  };
}

// ---------------------------------------------------------------- the socket

export interface Datagram {
  bytes: Uint8Array;
  address: string;
  port: number;
  /** `performance.now()` at arrival. */
  at: number;
}

const openPeers = new Set<RawUdpPeer>();

/** Closes every peer `RawUdpPeer.open()` made that is still open (call in afterEach). */
export function closeRawPeers(): void {
  for (const p of openPeers) p.close();
}

/**
 * One UDP socket on 127.0.0.1 with an inbox. `next(match)` takes the first matching datagram (waiting for
 * it if needed); non-matching datagrams stay in the inbox. `onDatagram` lets a test act as a server.
 */
export class RawUdpPeer {
  readonly #socket: Socket;
  readonly inbox: Datagram[] = [];
  /** Every datagram ever received, in order (the inbox loses the ones taken by `next`). */
  readonly log: Datagram[] = [];
  onDatagram: ((d: Datagram) => void) | null = null;
  #waiters: Array<() => void> = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => {
      const d: Datagram = { bytes: new Uint8Array(msg), address: rinfo.address, port: rinfo.port, at: performance.now() };
      this.log.push(d);
      if (this.onDatagram) { this.onDatagram(d); return; }
      this.inbox.push(d);
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    });
  }

  static async open(): Promise<RawUdpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => { socket.off('error', reject); resolve(); });
    });
    const peer = new RawUdpPeer(socket);
    openPeers.add(peer);
    return peer;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  send(bytes: Uint8Array, port: number, address = '127.0.0.1'): void {
    this.#socket.send(bytes, port, address);
  }

  /** The first datagram matching `match` (removed from the inbox); rejects after `timeoutMs`. */
  async next(match: (b: Uint8Array) => boolean = () => true, timeoutMs = 5000, what = 'a datagram'): Promise<Datagram> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((d) => match(d.bytes));
      if (i >= 0) return this.inbox.splice(i, 1)[0];
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; inbox: [${this.inbox.map((d) => hex(d.bytes)).join('], [')}]`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Waits `ms` and returns (and removes) every datagram matching `match` that is in the inbox by then. */
  async collect(ms: number, match: (b: Uint8Array) => boolean = () => true): Promise<Datagram[]> {
    await sleep(ms);
    const got: Datagram[] = [];
    for (let i = 0; i < this.inbox.length; ) {
      if (match(this.inbox[i].bytes)) got.push(...this.inbox.splice(i, 1));
      else i++;
    }
    return got;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    openPeers.delete(this);
    try { this.#socket.close(); } catch { /* closed */ }
  }
}

/**
 * Client handshake (§3.5): sends a ConnectionRequest with `tok` and waits for the matching
 * ConnectionAccept, which it returns.
 */
export async function rawConnect(peer: RawUdpPeer, port: number, tok: Uint8Array, payload?: Uint8Array): Promise<Datagram> {
  peer.send(connectionRequest(tok, payload), port);
  const accept = await peer.next((b) => isHandshake(b, 2, tok), 5000, `the ConnectionAccept for token ${hex(tok)}`);
  // One heartbeat, as a Unity client sends within its heartbeat timeout: it proves our address to the server,
  // which until then answers requests only (a half-open connection gets no heartbeats or data).
  peer.send(concat([Msg.Heartbeat], tok), port);
  return accept;
}
