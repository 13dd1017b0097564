// The side panel while playing: join code and share link, relay, connection and carrier status, players, chat log.
import { css } from '../game/palette.ts';
import type { PlayerInfo } from './protocol.ts';
import type { Session } from './link.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const MAX_LOG = 40;
const CARRIER_NAMES: Record<string, string> = { webrtc: 'WebRTC', websocket: 'WebSocket' };

export class Panel {
  readonly #code = $<HTMLElement>('join-code');
  readonly #link = $<HTMLInputElement>('share-link');
  readonly #copy = $<HTMLButtonElement>('copy');
  readonly #stats = {
    relay: $<HTMLElement>('st-relay'), connection: $<HTMLElement>('st-connection'),
    players: $<HTMLElement>('st-players'), rtt: $<HTMLElement>('st-rtt'), carrier: $<HTMLElement>('st-carrier'),
  };
  readonly #players = $<HTMLUListElement>('players');
  readonly #log = $<HTMLDivElement>('log');
  #playersKey = '';

  constructor() {
    this.#copy.addEventListener('click', () => { void this.#copyLink(); });
  }

  /** Shows a new session's code and share link, and clears the rest. */
  reset(session: Session): void {
    const url = new URL(location.href);
    url.search = `?join=${session.code}`;
    url.hash = '';
    this.#code.textContent = session.code;
    this.#link.value = url.href;
    this.#copy.textContent = 'Copy';
    this.#log.textContent = '';
    this.#playersKey = '';
  }

  update(session: Session): void {
    const s = session.status();
    this.#stat('relay', s.relay, mood(s.relay, ['Established'], ['NotEstablished']));
    this.#stat('connection', s.connection, mood(s.connection, ['Connected', 'Listening'], ['Connecting']));
    this.#stat('players', `${s.players} / ${s.maxPlayers}`);
    this.#stat('rtt', s.rtt === null ? '—' : `${Math.round(s.rtt)} ms`);
    // WebRTC gives the unreliable pipeline UDP's delivery; over the WebSocket one lost segment holds back the rest.
    this.#stat('carrier', CARRIER_NAMES[s.carrier] ?? s.carrier, s.carrier === 'webrtc' ? 'good' : 'wait');
    const players = session.players();
    const key = JSON.stringify(players.map((p) => [p.id, p.name, p.own, p.rtt === null ? null : Math.round(p.rtt)]));
    if (key === this.#playersKey) return;
    this.#playersKey = key;
    this.#players.replaceChildren(...players.map((p) => {
      const li = document.createElement('li');
      const dot = document.createElement('i');
      dot.style.background = css(p.color);
      const name = document.createElement('span');
      name.textContent = p.name + (p.id === 0 ? ' ★' : '') + (p.own ? ' (you)' : '');
      const rtt = document.createElement('small');
      rtt.textContent = p.rtt === null ? '' : `${Math.round(p.rtt)} ms`;
      li.append(dot, name, rtt);
      return li;
    }));
  }

  /** A chat line (`from` set) or a system line. */
  log(text: string, from?: PlayerInfo): void {
    const row = document.createElement('div');
    row.className = from ? 'line' : 'line system';
    if (from) {
      const who = document.createElement('b');
      who.textContent = `${from.name}: `;
      who.style.color = css(from.color);
      row.append(who);
    }
    row.append(text);
    this.#log.append(row);
    while (this.#log.childElementCount > MAX_LOG) this.#log.firstElementChild!.remove();
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #stat(name: 'relay' | 'connection' | 'players' | 'rtt' | 'carrier', text: string, mood?: 'good' | 'wait' | 'bad'): void {
    const el = this.#stats[name];
    if (el.textContent !== text) el.textContent = text;
    if (mood && el.dataset.mood !== mood) el.dataset.mood = mood;
  }

  async #copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.#link.value);
      this.#copy.textContent = 'Copied';
    } catch {
      this.#link.select(); // no clipboard access (plain HTTP off localhost): let the player copy it
    }
  }
}

/** Green for `good` states, amber for `waiting` ones, red otherwise. */
function mood(state: string, good: string[], waiting: string[]): 'good' | 'wait' | 'bad' {
  return good.includes(state) ? 'good' : waiting.includes(state) ? 'wait' : 'bad';
}
