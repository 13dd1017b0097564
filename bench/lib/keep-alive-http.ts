// The smallest HTTP/1.1 client a load generator needs: POST with a JSON body over kept-alive TCP connections to
// 127.0.0.1, one request at a time per connection (as a browser's or undici's pool does), responses read by
// Content-Length or chunks. node:http costs several times more per request in the client, which a benchmark of servers
// would count against them. Not for general use: no trailers, no redirects, no TLS.
import { connect, type Socket } from 'node:net';

/** A response: status code and body text. */
export interface HttpReply {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One kept-alive connection and the request it is serving. */
class HttpConnection {
  readonly socket: Socket;
  #buffer: Buffer | null = null;
  #pending: { resolve: (r: HttpReply) => void; reject: (e: Error) => void } | null = null;
  #onIdle: (c: HttpConnection) => void;
  closed = false;

  constructor(port: number, onIdle: (c: HttpConnection) => void) {
    this.#onIdle = onIdle;
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.#data(chunk));
    const fail = (err?: Error): void => {
      this.closed = true;
      const p = this.#pending;
      this.#pending = null;
      p?.reject(err ?? new Error('HTTP connection closed'));
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail());
  }

  request(bytes: Buffer): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.socket.write(bytes);
    });
  }

  #data(chunk: Buffer): void {
    const buf = this.#buffer ? Buffer.concat([this.#buffer, chunk]) : chunk;
    this.#buffer = buf;
    const end = buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = buf.toString('latin1', 0, end);
    const body = /\r\ntransfer-encoding:\s*chunked/i.test(head)
      ? dechunk(buf, end + 4)
      : bodyOfLength(buf, end + 4, Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0));
    if (body === null) return; // not all of it yet
    this.#buffer = null;
    const p = this.#pending;
    this.#pending = null;
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.closed = true;
      this.socket.destroy();
    } else {
      this.#onIdle(this);
    }
    p?.resolve({ status: Number(head.slice(9, 12)), body });
  }
}

function bodyOfLength(buf: Buffer, at: number, length: number): string | null {
  return buf.length < at + length ? null : buf.toString('utf8', at, at + length);
}

/** The body of a chunked response from `at` (RFC 9112 §7.1, no trailers), or null while incomplete. */
function dechunk(buf: Buffer, at: number): string | null {
  const parts: Buffer[] = [];
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return null;
    const size = parseInt(buf.toString('latin1', at, eol), 16);
    if (buf.length < eol + 2 + size + 2) return null;
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Kept-alive connections per port; a request takes an idle one or opens another. */
export class KeepAliveHttp {
  readonly #idle = new Map<number, HttpConnection[]>();
  readonly #all = new Set<HttpConnection>();
  /** Encoded requests: a load generator sends the same few again and again. */
  readonly #requests = new Map<string, Buffer>();
  /** Connections opened so far. */
  opened = 0;

  /** `POST path` with a JSON `body` to 127.0.0.1:`port`. */
  post(port: number, path: string, body: string): Promise<HttpReply> {
    const idle = this.#idle.get(port) ?? [];
    this.#idle.set(port, idle);
    let c = idle.pop();
    while (c?.closed) c = idle.pop();
    if (!c) {
      this.opened++;
      c = new HttpConnection(port, (done) => { if (!done.closed) idle.push(done); });
      this.#all.add(c);
      c.socket.once('close', () => this.#all.delete(c!));
    }
    const key = `${port} ${path} ${body}`;
    let bytes = this.#requests.get(key);
    if (!bytes) {
      bytes = Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      if (this.#requests.size < 64) this.#requests.set(key, bytes);
    }
    return c.request(bytes);
  }

  /** Closes every connection. */
  close(): void {
    for (const c of this.#all) c.socket.destroy();
    this.#all.clear();
    this.#idle.clear();
  }
}
