// "Leave the match?" (DOM, see index.html): Esc in the game opens it; a second Esc or *Leave* leaves, Enter or
// *Stay* closes it. While it is open it takes Esc and Enter before the game and the chat see them.

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export class LeaveConfirm {
  readonly #root = $<HTMLDivElement>('leave');
  readonly #yes = $<HTMLButtonElement>('leave-yes');
  readonly #no = $<HTMLButtonElement>('leave-no');
  readonly #onLeave: () => void;
  readonly #onKey = (e: KeyboardEvent): void => {
    if (!this.isOpen || (e.key !== 'Escape' && e.key !== 'Enter')) return;
    e.preventDefault();
    e.stopPropagation();                      // capture phase: Phaser and the chat never see it
    if (e.key === 'Escape') this.#leave();
    else this.close();
  };
  readonly #onYes = (): void => this.#leave();
  readonly #onNo = (): void => this.close();

  constructor(onLeave: () => void) {
    this.#onLeave = onLeave;
    window.addEventListener('keydown', this.#onKey, true);
    this.#yes.addEventListener('click', this.#onYes);
    this.#no.addEventListener('click', this.#onNo);
  }

  get isOpen(): boolean {
    return !this.#root.classList.contains('hidden');
  }

  open(): void {
    this.#root.classList.remove('hidden');
  }

  close(): void {
    this.#root.classList.add('hidden');
    if (document.activeElement instanceof HTMLButtonElement) document.activeElement.blur();
  }

  #leave(): void {
    this.close();
    this.#onLeave();
  }

  destroy(): void {
    this.close();
    window.removeEventListener('keydown', this.#onKey, true);
    this.#yes.removeEventListener('click', this.#onYes);
    this.#no.removeEventListener('click', this.#onNo);
  }
}
