// Joining with a code: the page resolves the code to a join allocation, binds to the relay over WebSocket and
// connects to the host through it (`driver.connect(relayEndpoint)`, as in UTP). It sends its keys every tick and
// draws what the host broadcasts.
import { DriverLoop } from '../../../plugin/index.ts';
import { ConnectionState, DisconnectReason, NetworkEventType, type NetworkConnection } from '../../../plugin/index.ts';
import { relayConnectionStatusName } from '../../../plugin/relay/index.ts';
import { cleanChat, cleanName } from '../../shared/chat.ts';
import type { RelayApi } from './api.ts';
import {
  openRelayLink, PING_MS, type CarrierChoice, smoothRtt, type RelayLink, type Session, type SessionEvents, type SessionPlayer, type SessionStatus,
} from './link.ts';
import { decodeHostMessage, decodePacket, encodeInput, encodeJson, encodeTime, Packet, type PlayerInfo } from './protocol.ts';
import { MAX_PLAYERS, TICK_MS } from './world.ts';

const STATE_NAMES: Record<number, string> = {
  [ConnectionState.Disconnected]: 'Disconnected', [ConnectionState.Disconnecting]: 'Disconnected',
  [ConnectionState.Connecting]: 'Connecting', [ConnectionState.Connected]: 'Connected',
};

export class GuestSession implements Session {
  readonly role = 'guest';
  readonly code: string;
  #myId = -1;
  readonly #link: RelayLink;
  readonly #events: SessionEvents;
  readonly #name: string;
  readonly #pump: DriverLoop;
  readonly #connection: NetworkConnection;
  readonly #players = new Map<number, PlayerInfo & { x: number; y: number }>();
  #keys = 0;
  #rtt: number | null = null;
  #nextTick = 0;
  #nextPing = 0;
  #ended = false;

  /** Resolves `code` through `api` and connects to its host through the relay. */
  static async start(api: RelayApi, code: string, name: string, events: SessionEvents, connectionType: 'ws' | 'wss' = 'ws', carrier: CarrierChoice = 'auto'): Promise<GuestSession> {
    const allocation = await api.join(code);
    return new GuestSession(await openRelayLink(allocation, connectionType, carrier), code, name, events);
  }

  constructor(link: RelayLink, code: string, name: string, events: SessionEvents) {
    this.#link = link;
    this.code = code;
    this.#name = cleanName(name, 'Guest');
    this.#events = events;
    this.#connection = link.driver.connect(link.endpoint);
    this.#pump = new DriverLoop(link.driver, () => this.#frame(), { intervalMS: 10 }).start();
  }

  get myId(): number { return this.#myId; }

  players(): SessionPlayer[] {
    return [...this.#players.values()].map((p) => ({ ...p, own: p.id === this.#myId, rtt: p.id === 0 ? this.#rtt : null }));
  }

  status(): SessionStatus {
    const { driver } = this.#link;
    return {
      relay: relayConnectionStatusName(driver.getRelayConnectionStatus()),
      connection: this.#ended ? 'Disconnected' : STATE_NAMES[driver.getConnectionState(this.#connection)] ?? 'Disconnected',
      players: this.#players.size,
      maxPlayers: MAX_PLAYERS,
      carrier: this.#link.carrier(),
      rtt: this.#rtt,
    };
  }

  setKeys(keys: number): void {
    this.#keys = keys;
  }

  say(text: string): void {
    const clean = cleanChat(text);
    if (clean === null || this.#ended || this.#myId < 0) return;
    this.#link.driver.send(this.#connection, this.#link.reliable, encodeJson({ t: 'chat', text: clean }));
    this.#link.driver.flush();
  }

  leave(): void {
    this.#end('You left the game.', true);
  }

  #end(reason: string, disconnect: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    const { driver } = this.#link;
    if (disconnect) { driver.disconnect(this.#connection); driver.update(); } // the Disconnect leaves at the next update
    this.#pump.stop();
    driver.dispose();
    this.#events.ended(reason);
  }

  #frame(): void {
    const { driver, reliable, unreliable } = this.#link;
    driver.update();
    for (const ev of driver.events()) {
      if (ev.type === NetworkEventType.Connect) {
        driver.send(this.#connection, reliable, encodeJson({ t: 'hello', name: this.#name }));
      } else if (ev.type === NetworkEventType.Disconnect) {
        this.#end(endReason(ev.disconnectReason), false);
        return;
      } else if (ev.type === NetworkEventType.Data && ev.pipeline.id === reliable.id) {
        this.#onReliable(ev.data);
      } else if (ev.type === NetworkEventType.Data && ev.pipeline.id === unreliable.id) {
        this.#onUnreliable(ev.data);
      }
    }
    const now = performance.now();
    if (this.#myId >= 0 && now >= this.#nextTick) {
      this.#nextTick = Math.max(this.#nextTick + TICK_MS, now - TICK_MS);
      driver.send(this.#connection, unreliable, encodeInput(this.#keys));
      if (now >= this.#nextPing) {
        this.#nextPing = now + PING_MS;
        driver.send(this.#connection, unreliable, encodeTime(Packet.Ping, now));
      }
    }
    driver.flush();
  }

  #onReliable(data: Uint8Array): void {
    const m = decodeHostMessage(data);
    if (!m) return;
    if (m.t === 'welcome') {
      this.#myId = m.you;
      this.#players.clear();
      for (const p of m.players) this.#players.set(p.id, { ...p, x: NaN, y: NaN });
      const host = this.#players.get(0);
      this.#events.log(`Joined ${host ? `${host.name}'s` : 'the'} game through the relay`);
    } else if (m.t === 'join') {
      this.#players.set(m.player.id, { ...m.player, x: NaN, y: NaN });
      this.#events.log(`${m.player.name} joined`);
    } else if (m.t === 'leave') {
      const p = this.#players.get(m.id);
      this.#players.delete(m.id);
      if (p) this.#events.log(`${p.name} left`);
    } else if (m.t === 'chat') {
      const p = this.#players.get(m.id);
      if (p) this.#events.log(m.text, p);
    }
  }

  #onUnreliable(data: Uint8Array): void {
    const p = decodePacket(data);
    if (p?.type === Packet.State) {
      for (const d of p.dots) {
        const player = this.#players.get(d.id);
        if (player) { player.x = d.x; player.y = d.y; }
      }
    } else if (p?.type === Packet.Ping) {
      this.#link.driver.send(this.#connection, this.#link.unreliable, encodeTime(Packet.Pong, p.ms));
    } else if (p?.type === Packet.Pong) {
      this.#rtt = smoothRtt(this.#rtt, performance.now() - p.ms);
    }
  }
}

function endReason(reason: number): string {
  if (reason === DisconnectReason.ClosedByRemote) return 'The host ended the game.';
  if (reason === DisconnectReason.MaxConnectionAttempts) return 'Could not reach the host through the relay (gone, or the game is full).';
  if (reason === DisconnectReason.Timeout) return 'Lost the host (timeout).';
  return 'Disconnected from the host.';
}
