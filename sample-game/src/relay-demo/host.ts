// "Host in this tab": the page gets an allocation, binds to the relay over WebSocket and listens through it;
// joiners arrive as ordinary connections. The tab simulates the dots (world.ts) and sends their positions to
// everyone 30 times a second on the unreliable pipeline; hello, welcome, join, leave and chat go on the reliable one.
import { DriverLoop } from '../../../plugin/index.ts';
import { NetworkEventType, type NetworkConnection } from '../../../plugin/index.ts';
import { RelayConnectionStatus, relayConnectionStatusName } from '../../../plugin/relay/index.ts';
import { cleanChat, cleanName, ChatLimiter } from '../../shared/chat.ts';
import type { RelayApi } from './api.ts';
import {
  openRelayLink, PING_MS, type CarrierChoice, smoothRtt, type RelayLink, type Session, type SessionEvents, type SessionPlayer, type SessionStatus,
} from './link.ts';
import {
  decodeGuestMessage, decodePacket, encodeJson, encodeState, encodeTime, Packet, type HostMessage, type PlayerInfo,
} from './protocol.ts';
import { MAX_PLAYERS, spawnDot, step, TICK_MS, type Dot } from './world.ts';

interface Peer {
  readonly connection: NetworkConnection;
  readonly id: number;
  /** Null until its hello arrives. */
  dot: Dot | null;
  rtt: number | null;
  readonly chat: ChatLimiter;
}

export class HostSession implements Session {
  readonly role = 'host';
  readonly code: string;
  readonly myId = 0;
  readonly #link: RelayLink;
  readonly #events: SessionEvents;
  readonly #pump: DriverLoop;
  readonly #dots: Dot[] = [];
  readonly #peers = new Map<string, Peer>();
  #tick = 0;
  #nextTick = 0;
  #nextPing = 0;
  #ended = false;

  /** Allocates through `api`, binds and listens through the relay, and starts the game. */
  static async start(api: RelayApi, name: string, events: SessionEvents, connectionType: 'ws' | 'wss' = 'ws', carrier: CarrierChoice = 'auto'): Promise<HostSession> {
    const allocation = await api.allocate(MAX_PLAYERS - 1);
    const link = await openRelayLink(allocation, connectionType, carrier);
    try {
      link.driver.listen();
      const code = await api.joinCode(allocation.allocationId);
      return new HostSession(link, code, name, events);
    } catch (err) {
      link.driver.dispose();
      throw err;
    }
  }

  constructor(link: RelayLink, code: string, name: string, events: SessionEvents) {
    this.#link = link;
    this.code = code;
    this.#events = events;
    this.#dots.push(spawnDot(0, cleanName(name, 'Host')));
    this.#nextTick = performance.now();
    this.#pump = new DriverLoop(link.driver, () => this.#frame(), { intervalMS: 10 }).start();
  }

  players(): SessionPlayer[] {
    const rtt = new Map<number, number | null>([...this.#peers.values()].map((p) => [p.id, p.rtt]));
    return this.#dots.map((d) => ({ id: d.id, name: d.name, color: d.color, x: d.x, y: d.y, own: d.id === 0, rtt: rtt.get(d.id) ?? null }));
  }

  status(): SessionStatus {
    const rtts = [...this.#peers.values()].flatMap((p) => (p.rtt === null ? [] : [p.rtt]));
    return {
      relay: relayConnectionStatusName(this.#link.driver.getRelayConnectionStatus()),
      connection: this.#ended ? 'Closed' : 'Listening',
      players: this.#dots.length,
      maxPlayers: MAX_PLAYERS,
      carrier: this.#link.carrier(),
      rtt: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null,
    };
  }

  setKeys(keys: number): void {
    this.#dots[0].keys = keys;
  }

  say(text: string): void {
    const clean = cleanChat(text);
    if (clean === null || this.#ended) return;
    this.#events.log(clean, info(this.#dots[0]));
    this.#broadcast({ t: 'chat', id: 0, text: clean });
    this.#link.driver.flush();
  }

  leave(): void {
    this.#end('You ended the game.');
  }

  #end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const { driver } = this.#link;
    for (const p of this.#peers.values()) driver.disconnect(p.connection);
    driver.update(); // Disconnects leave at the next update
    this.#pump.stop();
    driver.dispose();
    this.#events.ended(reason);
  }

  #frame(): void {
    const { driver, reliable, unreliable } = this.#link;
    driver.update();
    if (driver.getRelayConnectionStatus() === RelayConnectionStatus.AllocationInvalid) {
      this.#end('The relay dropped this game (allocation expired or invalid).');
      return;
    }
    for (let c; (c = driver.accept()); ) this.#accept(c);
    for (const ev of driver.events()) {
      const peer = this.#peers.get(ev.connection.toString());
      if (!peer) continue;
      if (ev.type === NetworkEventType.Disconnect) this.#drop(peer);
      else if (ev.type === NetworkEventType.Data && ev.pipeline.id === reliable.id) this.#onReliable(peer, ev.data);
      else if (ev.type === NetworkEventType.Data && ev.pipeline.id === unreliable.id) this.#onUnreliable(peer, ev.data);
    }
    const now = performance.now();
    if (now >= this.#nextTick) {
      // Catch up at most a few ticks (a throttled tab); further behind, skip ahead.
      for (let n = 0; now >= this.#nextTick && n < 4; n++, this.#tick++) {
        step(this.#dots);
        this.#nextTick += TICK_MS;
      }
      if (now >= this.#nextTick) this.#nextTick = now + TICK_MS;
      const state = encodeState(this.#tick, this.#dots);
      for (const p of this.#peers.values()) if (p.dot) driver.send(p.connection, unreliable, state);
    }
    if (now >= this.#nextPing) {
      this.#nextPing = now + PING_MS;
      const ping = encodeTime(Packet.Ping, now);
      for (const p of this.#peers.values()) if (p.dot) driver.send(p.connection, unreliable, ping);
    }
    driver.flush();
  }

  #accept(connection: NetworkConnection): void {
    const used = new Set([...this.#peers.values()].map((p) => p.id));
    let id = 1;
    while (used.has(id)) id++;
    if (id >= MAX_PLAYERS) { this.#link.driver.disconnect(connection); return; } // the relay caps joiners already
    this.#peers.set(connection.toString(), { connection, id, dot: null, rtt: null, chat: new ChatLimiter() });
  }

  #onReliable(peer: Peer, data: Uint8Array): void {
    const m = decodeGuestMessage(data);
    if (m?.t === 'hello' && !peer.dot) {
      const dot = spawnDot(peer.id, uniqueName(m.name, this.#dots));
      peer.dot = dot;
      this.#dots.push(dot);
      this.#send(peer, { t: 'welcome', you: peer.id, players: this.#dots.map(info) });
      this.#broadcast({ t: 'join', player: info(dot) }, peer);
      this.#events.log(`${dot.name} joined through the relay`);
    } else if (m?.t === 'chat' && peer.dot && peer.chat.allow(performance.now())) {
      this.#events.log(m.text, info(peer.dot));
      this.#broadcast({ t: 'chat', id: peer.id, text: m.text });
    }
  }

  #onUnreliable(peer: Peer, data: Uint8Array): void {
    const p = decodePacket(data);
    if (!p || !peer.dot) return;
    if (p.type === Packet.Input) peer.dot.keys = p.keys;
    else if (p.type === Packet.Ping) this.#link.driver.send(peer.connection, this.#link.unreliable, encodeTime(Packet.Pong, p.ms));
    else if (p.type === Packet.Pong) peer.rtt = smoothRtt(peer.rtt, performance.now() - p.ms);
  }

  #drop(peer: Peer): void {
    this.#peers.delete(peer.connection.toString());
    if (!peer.dot) return;
    this.#dots.splice(this.#dots.indexOf(peer.dot), 1);
    this.#broadcast({ t: 'leave', id: peer.id });
    this.#events.log(`${peer.dot.name} left`);
  }

  #send(peer: Peer, message: HostMessage): void {
    this.#link.driver.send(peer.connection, this.#link.reliable, encodeJson(message));
  }

  /** To every welcomed joiner but `except`. */
  #broadcast(message: HostMessage, except?: Peer): void {
    const bytes = encodeJson(message);
    for (const p of this.#peers.values()) if (p.dot && p !== except) this.#link.driver.send(p.connection, this.#link.reliable, bytes);
  }
}

/** `name`, or `name 2`, `name 3`… when a player already has it. */
export function uniqueName(name: string, dots: readonly Dot[]): string {
  const taken = new Set(dots.map((d) => d.name));
  let unique = name;
  for (let n = 2; taken.has(unique); n++) unique = `${name} ${n}`;
  return unique;
}

function info(d: Dot): PlayerInfo {
  return { id: d.id, name: d.name, color: d.color };
}
