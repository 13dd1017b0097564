// HTTP as an attacker speaks it, on real sockets: raw request bytes (bodies announced and never sent, headers
// trickled a byte at a time) from a chosen loopback source address, and what the server did about it.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawReply {
  /** Status of the first response, or null if none came. */
  status: number | null;
  /** Everything the server sent (latin1). */
  text: string;
  /** The server closed (or reset) the connection before we gave up. */
  closedByServer: boolean;
  /** Bytes the client managed to write before the connection ended. */
  bytesWritten: number;
  /** Whether every `feed` chunk was written (false: the server cut the client off first). */
  fedAll: boolean;
}

export interface RawOptions {
  /** Source address (any of 127.0.0.0/8 reaches a server on 127.0.0.1). Default 127.0.0.1. */
  localAddress?: string;
  /** After `head`, write `chunk` every `everyMS` ms, `count` times (a trickled header or body). */
  feed?: { chunk: string | Buffer; everyMS: number; count: number };
  /** How long to wait for the server after the last byte before giving up. Default 3000 ms. */
  waitMS?: number;
}

/** Sends `head` on a new TCP connection to 127.0.0.1:`port`, then the feed; resolves once the server closes or we give up. */
export function rawHttp(port: number, head: string | Buffer, options: RawOptions = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: options.localAddress });
    const chunks: Buffer[] = [];
    let fed = 0;
    let timer: NodeJS.Timeout | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    let settled = false;
    const feed = options.feed;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, closedByServer, bytesWritten: socket.bytesWritten, fedAll: !feed || fed === feed.count });
      socket.destroy();
    };
    const armGiveUp = () => { giveUp = setTimeout(() => finish(false), options.waitMS ?? 3000); };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => finish(true)); // ECONNRESET / EPIPE: the server cut us off
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(head);
      if (!feed) { armGiveUp(); return; }
      timer = setInterval(() => {
        if (socket.destroyed || !socket.writable) return;
        socket.write(feed.chunk, () => {});
        if (++fed === feed.count) { clearInterval(timer); armGiveUp(); }
      }, feed.everyMS);
    });
  });
}

/** A POST with a complete body from `localAddress`; the status and the parsed JSON body (null if not JSON). */
export function post(port: number, path: string, body: string, localAddress = '127.0.0.1'): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'POST', localAddress, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: any = null;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Collects unhandled rejections and uncaught exceptions while a suite runs; `stop()` detaches. */
export function watchProcessErrors(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (err: unknown) => { errors.push(err); };
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}
