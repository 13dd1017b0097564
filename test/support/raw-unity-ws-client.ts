import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sleep } from './pump.ts';

/**
 * A WebSocket client built the way UTP's native layer builds one (spec §6.2), written from the spec only and
 * without our codec: a plain TCP socket, the exact §6.2.1 request (numeric Host, no Origin, no subprotocol),
 * the §6.2.3 checks on the reply, and frames masked by hand.
 */
export class RawUnityWsClient {
  readonly socket: Socket;
  readonly frames: Array<{ fin: boolean; opcode: number; masked: boolean; payload: Buffer }> = [];
  /** The reply head, as text. */
  response = '';
  ended = false;
  #buf = Buffer.alloc(0);
  #upgraded = false;
  #onHead: ((head: string) => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => this.#data(d));
    socket.on('close', () => { this.ended = true; });
    socket.on('error', () => { this.ended = true; });
  }

  /** Connects and sends the upgrade request; resolves with the reply head (validated by `checkReply`). */
  static async open(port: number, path = '/utp', extraHeaders = ''): Promise<{ client: RawUnityWsClient; key: string; head: string }> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawUnityWsClient(socket);
    // §6.2.1: four random u32 words, most-significant byte first → 16 bytes → 24 base64 characters.
    const key = randomBytes(16).toString('base64');
    const head = new Promise<string>((r) => { client.#onHead = r; });
    socket.write(
      `GET ${path} HTTP/1.1\r\n` +
      'Upgrade: websocket\r\n' +
      'Connection: Upgrade\r\n' +
      'Sec-WebSocket-Version: 13\r\n' +
      `Sec-WebSocket-Key: ${key}\r\n` +
      `Host: 127.0.0.1:${port}\r\n` +
      extraHeaders +
      '\r\n',
    );
    return { client, key, head: await head };
  }

  /** §6.2.3: the reasons UTP's client would refuse this reply (empty = accepted). */
  static checkReply(head: string, key: string): string[] {
    const lines = head.split('\r\n');
    const h = new Map<string, string>();
    for (const l of lines.slice(1)) if (l) h.set(l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim());
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    const problems: string[] = [];
    if (!lines[0].startsWith('HTTP/1.1 101 ')) problems.push(`status ${lines[0]}`);
    if (!(h.get('connection') ?? '').toLowerCase().split(',').map((s) => s.trim()).includes('upgrade')) problems.push('connection');
    if ((h.get('upgrade') ?? '').toLowerCase() !== 'websocket') problems.push('upgrade');
    if (h.has('sec-websocket-protocol')) problems.push('subprotocol');
    if (h.has('sec-websocket-extensions')) problems.push('extensions');
    if (h.get('sec-websocket-accept') !== accept) problems.push('accept');
    return problems;
  }

  /** Sends one frame, masked with a fresh random key unless `mask` is false (§6.2.4). */
  sendFrame(opcode: number, payload: Uint8Array = new Uint8Array(0), options: { fin?: boolean; mask?: boolean } = {}): void {
    const n = payload.length;
    const masked = options.mask ?? true;
    const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | opcode];
    if (n < 126) head.push((masked ? 0x80 : 0) | n);
    else head.push((masked ? 0x80 : 0) | 126, n >> 8, n & 0xff);
    const key = randomBytes(4);
    if (masked) head.push(...key);
    const body = Buffer.from(payload);
    if (masked) for (let i = 0; i < n; i++) body[i] ^= key[i % 4];
    this.socket.write(Buffer.concat([Buffer.from(head), body]));
  }

  /** One SCL packet (hex, spaces allowed) as one binary frame. */
  sendPacket(hex: string): void {
    this.sendFrame(2, Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
  }

  /** Removes and returns the first received frame matching `pred`, waiting up to `ms`. */
  async take(pred: (f: RawUnityWsClient['frames'][number]) => boolean, ms = 5000, pump?: () => void): Promise<RawUnityWsClient['frames'][number]> {
    const end = Date.now() + ms;
    for (;;) {
      pump?.();
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      if (Date.now() > end) throw new Error(`no matching frame; have opcodes [${this.frames.map((f) => f.opcode)}]`);
      await sleep(2);
    }
  }

  /** The close frame's status code (u16 BE, §6.2.4), waiting for it. */
  async closeCode(pump?: () => void): Promise<number> {
    const f = await this.take((f) => f.opcode === 8, 5000, pump);
    return f.payload.readUInt16BE(0);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #data(d: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, d]);
    if (!this.#upgraded) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.response = this.#buf.subarray(0, end + 4).toString('latin1');
      this.#buf = this.#buf.subarray(end + 4);
      this.#upgraded = true;
      this.#onHead?.(this.response);
    }
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) return;
      let n = b[1] & 0x7f, at = 2;
      if (n === 126) { if (b.length < 4) return; n = b.readUInt16BE(2); at = 4; }
      else if (n === 127) { if (b.length < 10) return; n = Number(b.readBigUInt64BE(2)); at = 10; }
      const masked = (b[1] & 0x80) !== 0;
      if (masked) at += 4;
      if (b.length < at + n) return;
      this.frames.push({ fin: (b[0] & 0x80) !== 0, opcode: b[0] & 0x0f, masked, payload: Buffer.from(b.subarray(at, at + n)) });
      this.#buf = b.subarray(at + n);
    }
  }
}
