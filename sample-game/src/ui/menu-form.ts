// The menu's form (DOM, see index.html): name, colour, quick play, private room, join by code. Remembers the
// profile in localStorage.
import { cleanName } from '../../shared/chat.ts';
import { normalizeCode } from '../../shared/codes.ts';
import { COLORS } from '../../shared/constants.ts';
import type { JoinRequest, Profile } from '../net/connect.ts';
import { css } from '../game/palette.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const STORE = 'utp-arena-profile';

export class MenuForm {
  readonly #root = $<HTMLDivElement>('menu');
  readonly #name = $<HTMLInputElement>('name');
  readonly #code = $<HTMLInputElement>('code');
  readonly #status = $<HTMLParagraphElement>('status');
  readonly #buttons = [$<HTMLButtonElement>('quick'), $<HTMLButtonElement>('create'), $<HTMLButtonElement>('join')];
  readonly #colors = $<HTMLDivElement>('colors');
  readonly #onJoin: (request: JoinRequest, profile: Profile) => void;
  readonly #cleanups: Array<() => void> = [];
  #color = 0;

  constructor(onJoin: (request: JoinRequest, profile: Profile) => void) {
    this.#onJoin = onJoin;
    const saved = this.#load();
    this.#name.value = saved.name;
    this.#color = saved.color;
    this.#code.value = new URLSearchParams(location.search).get('room')?.toUpperCase() ?? '';
    this.#colors.textContent = '';
    COLORS.forEach((c, i) => {
      const b = document.createElement('button');
      b.className = 'swatch';
      b.style.background = css(c);
      b.title = `colour ${i + 1}`;
      b.setAttribute('aria-label', `colour ${i + 1}`);
      b.dataset.color = String(i);
      this.#colors.append(b);
    });
    this.#markColor();
    this.#on(this.#colors, 'click', (e) => {
      const i = (e.target as HTMLElement).dataset.color;
      if (i !== undefined) { this.#color = Number(i); this.#markColor(); }
    });
    this.#on(this.#buttons[0], 'click', () => this.#submit({ kind: 'quick' }));
    this.#on(this.#buttons[1], 'click', () => this.#submit({ kind: 'create' }));
    this.#on(this.#buttons[2], 'click', () => this.#joinCode());
    this.#on(this.#code, 'keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter') this.#joinCode(); });
    this.#on(this.#name, 'keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter') this.#submit({ kind: 'quick' }); });
    this.#root.classList.remove('hidden');
  }

  #on(el: HTMLElement, type: string, fn: (e: Event) => void): void {
    el.addEventListener(type, fn);
    this.#cleanups.push(() => el.removeEventListener(type, fn));
  }

  #markColor(): void {
    this.#colors.querySelectorAll<HTMLButtonElement>('.swatch').forEach((b) => {
      b.classList.toggle('selected', Number(b.dataset.color) === this.#color);
    });
  }

  #joinCode(): void {
    const code = normalizeCode(this.#code.value);
    if (!code) {
      this.error('A room code is four letters, like KQTZ.');
      this.#code.focus();
      return;
    }
    this.#submit({ kind: 'code', code });
  }

  #submit(request: JoinRequest): void {
    const profile = { name: cleanName(this.#name.value, `Player${Math.floor(Math.random() * 900 + 100)}`), color: this.#color };
    this.#name.value = profile.name;
    try { localStorage.setItem(STORE, JSON.stringify(profile)); } catch { /* private mode */ }
    this.#onJoin(request, profile);
  }

  #load(): Profile {
    try {
      const p = JSON.parse(localStorage.getItem(STORE) ?? 'null') as Partial<Profile> | null;
      if (p && typeof p.name === 'string') return { name: p.name, color: Number(p.color) % COLORS.length || 0 };
    } catch { /* nothing saved */ }
    return { name: '', color: Math.floor(Math.random() * COLORS.length) };
  }

  busy(message: string): void {
    for (const b of this.#buttons) b.disabled = true;
    this.#status.className = 'status';
    this.#status.textContent = message;
  }

  error(message: string): void {
    for (const b of this.#buttons) b.disabled = false;
    this.#status.className = 'status error';
    this.#status.textContent = message;
  }

  destroy(): void {
    for (const c of this.#cleanups.splice(0)) c();
    for (const b of this.#buttons) b.disabled = false;
    this.#status.textContent = '';
    this.#root.classList.add('hidden');
  }
}
