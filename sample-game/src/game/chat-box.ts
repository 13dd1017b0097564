// The chat: a DOM overlay (real text input, works with IMEs and phones). Enter opens it, Enter sends, Esc closes.
import { CHAT_MAX_LENGTH, COLORS } from '../../shared/constants.ts';
import type { ChatEvent } from '../../shared/messages.ts';
import { css } from './palette.ts';

const MAX_LINES = 6;

export class ChatBox {
  readonly #root = document.getElementById('chat')!;
  readonly #log = document.getElementById('chat-log')!;
  readonly #input = document.getElementById('chat-input') as HTMLInputElement;
  readonly #send: (text: string) => void;
  readonly #onKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Enter' || document.activeElement === this.#input) return;
    e.preventDefault();
    this.#input.focus();
  };
  readonly #onInputKey = (e: KeyboardEvent): void => {
    e.stopPropagation();
    if (e.key === 'Escape') { this.#input.value = ''; this.#input.blur(); }
    if (e.key !== 'Enter') return;
    const text = this.#input.value.trim();
    if (text) this.#send(text);
    this.#input.value = '';
    this.#input.blur();
  };

  constructor(send: (text: string) => void) {
    this.#send = send;
    this.#input.maxLength = CHAT_MAX_LENGTH;
    this.#log.textContent = '';
    this.#root.classList.remove('hidden');
    window.addEventListener('keydown', this.#onKey);
    this.#input.addEventListener('keydown', this.#onInputKey);
  }

  add(e: ChatEvent): void {
    this.line(e.name, e.text, css(COLORS[e.color] ?? 0xffffff));
  }

  /** A line in the log; `who` in `color`, or a system line when `who` is empty. */
  line(who: string, text: string, color = '#8f9bb8'): void {
    const row = document.createElement('div');
    row.className = who ? 'line' : 'line system';
    if (who) {
      const name = document.createElement('b');
      name.textContent = `${who}: `;
      name.style.color = color;
      row.append(name);
    }
    row.append(document.createTextNode(text));
    this.#log.append(row);
    while (this.#log.childElementCount > MAX_LINES) this.#log.firstElementChild!.remove();
    setTimeout(() => row.classList.add('old'), 12_000);
  }

  destroy(): void {
    window.removeEventListener('keydown', this.#onKey);
    this.#input.removeEventListener('keydown', this.#onInputKey);
    this.#input.blur();
    this.#root.classList.add('hidden');
  }
}
