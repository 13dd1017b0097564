// Shared by the Colyseus tests: a room exercising every feature, and a server on UtpTransport at a free port.
import { Room, Server, type Client, type ServerOptions } from '@colyseus/core';
import { Encoder, schema, t, type SchemaType } from '@colyseus/schema';
import type { Room as SDKRoom } from '@colyseus/sdk';
import { ColyseusTestServer } from '@colyseus/testing';
import { UtpSDK, type UtpClientOptions } from '../../plugin/colyseus/index.ts';
import { UtpTransport, type UtpTransportOptions } from '../../plugin/colyseus/server/index.ts';

// Full states of the large-message test are ~80 KB: room for them without schema's overflow warning.
Encoder.BUFFER_SIZE = 256 * 1024;

export const Player = schema({
  name: t.string(),
  x: t.number().default(0),
  /** Changes every tick, through rawUnreliable only. */
  tick: t.uint32().default(0).unreliable(),
}, 'Player');
export type Player = SchemaType<typeof Player>;

export const GameState = schema({
  players: t.map(Player),
  counter: t.number().default(0),
  /** Incremented at 20 Hz; an `.unreliable()` field, so it reaches clients through rawUnreliable. */
  fast: t.uint32().default(0).unreliable(),
  /** Set by the `blob` message: a large string in the state (full state > 64 KB). */
  blob: t.string().default(''),
}, 'GameState');
export type GameState = SchemaType<typeof GameState>;

/** What the room saw, for assertions. */
export interface RoomLog {
  joins: string[];
  drops: Array<{ sessionId: string; code: number | undefined }>;
  reconnects: string[];
  leaves: Array<{ sessionId: string; code: number | undefined }>;
  auth: Array<{ token: string | undefined; ip: string | undefined }>;
  unreliableFrom: string[];
}

export const logs = new Map<string, RoomLog>();

export class GameRoom extends Room<{ state: GameState }> {
  override state = new GameState();
  override maxClients = 64;
  log: RoomLog = { joins: [], drops: [], reconnects: [], leaves: [], auth: [], unreliableFrom: [] };

  override onCreate(): void {
    logs.set(this.roomId, this.log);
    this.clock.setInterval(() => {
      this.state.fast++;
      for (const p of this.state.players.values()) p.tick++;
    }, 50);
    this.onMessage('echo', (client, message) => client.send('echo', message));
    this.onMessage('echo-unreliable', (client, message) => {
      this.log.unreliableFrom.push(client.sessionId);
      client.sendUnreliable?.('echo-unreliable', message);
    });
    this.onMessage('unreliable-big', (client, n: number) => {
      client.sendUnreliable?.('echo-unreliable', 'u'.repeat(n));
    });
    this.onMessage('count', (_client, n: number) => { this.state.counter += n; });
    this.onMessage('move', (client, x: number) => {
      const p = this.state.players.get(client.sessionId);
      if (p) p.x = x;
    });
    this.onMessage('big', (client, bytes: Uint8Array) => {
      client.send('big-ack', { length: bytes.length, sum: checksum(bytes) });
    });
    this.onMessage('send-big', (client, n: number) => {
      client.sendBytes('big', pattern(n));
    });
    this.onMessage('blob', (_client, n: number) => { this.state.blob = 'x'.repeat(n); });
    this.onMessage('leave-me', (client, code: number) => client.leave(code));
  }

  override onAuth(_client: Client, _options: unknown, context: { token?: string; ip?: string }): boolean {
    this.log.auth.push({ token: context.token, ip: context.ip });
    return true;
  }

  override onJoin(client: Client, options: { name?: string }): void {
    this.log.joins.push(client.sessionId);
    this.state.players.set(client.sessionId, new Player({ name: options?.name ?? '' }));
  }

  override async onDrop(client: Client, code?: number): Promise<void> {
    this.log.drops.push({ sessionId: client.sessionId, code });
    await this.allowReconnection(client, 20);
  }

  override onReconnect(client: Client): void {
    this.log.reconnects.push(client.sessionId);
  }

  override onLeave(client: Client, code?: number): void {
    this.log.leaves.push({ sessionId: client.sessionId, code });
    this.state.players.delete(client.sessionId);
  }
}

/** n bytes of a fixed pattern (i * 31 + 7 mod 256). */
export function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

export function checksum(bytes: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i++) s = (s * 33 + bytes[i]) >>> 0;
  return s;
}

/** A booted test server: @colyseus/testing's helpers, with its SDK swapped for ours. */
export interface UtpTestServer {
  colyseus: ColyseusTestServer;
  transport: UtpTransport;
  port: number;
  endpoint: string;
  sdk(options?: UtpClientOptions): UtpSDK;
  shutdown(): Promise<void>;
}

/**
 * `@colyseus/testing`'s `boot(server)` always listens on 2568 whatever port it is given, which collides between
 * test files running in parallel: listen on a free port ourselves and build the same `ColyseusTestServer` on it.
 */
export async function bootUtp(options: UtpTransportOptions = {}, serverOptions: ServerOptions = {}): Promise<UtpTestServer> {
  const transport = new UtpTransport(options);
  const server = new Server({ ...serverOptions, transport, greet: false, gracefullyShutdown: false });
  server.define('game', GameRoom);
  await server.listen(0, '127.0.0.1');
  const port = transport.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const colyseus = new ColyseusTestServer(server);
  colyseus.sdk = new UtpSDK(endpoint);
  return {
    colyseus,
    transport,
    port,
    endpoint,
    sdk: (utp) => new UtpSDK(endpoint, { utp }),
    async shutdown() {
      await colyseus.shutdown();
      await transport.closed;
    },
  };
}

/**
 * Resolves when `check()` is true, polling every 10 ms; a check that throws (a state not there yet) counts as false.
 * Rejects after `timeout` ms with `what` and the last error.
 */
export async function until(check: () => boolean, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown = null;
  for (;;) {
    try {
      if (check()) return;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The next message of `type` on `room`. */
export function nextMessage<T = any>(room: SDKRoom, type: string, timeout = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no '${type}' message within ${timeout} ms`)); }, timeout);
    const off = room.onMessage(type, (message: T) => { clearTimeout(timer); off(); resolve(message); });
  });
}
