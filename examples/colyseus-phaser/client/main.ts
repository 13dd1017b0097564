// One scene: arrow keys move your square (sent unreliably, 20 times a second), other squares follow what the server
// relays; the input box sends chat on the reliable channel.
import * as Phaser from 'phaser';
import { UtpSDK } from 'utp-ts/colyseus';
import { ColyseusNetRoom } from 'utp-ts/colyseus/phaser';
import { NetGraph, withUtpPlugin } from 'utp-ts/phaser';

class Play extends Phaser.Scene {
  #squares = new Map<string, Phaser.GameObjects.Rectangle>();
  #me: Phaser.GameObjects.Rectangle | null = null;
  #keys!: Phaser.Types.Input.Keyboard.CursorKeys;
  #lines: string[] = [];
  #chat!: Phaser.GameObjects.Text;
  #sentAt = 0;

  constructor() { super('play'); }

  async create(): Promise<void> {
    this.#keys = this.input.keyboard!.createCursorKeys();
    this.#chat = this.add.text(8, 8, 'joining…');
    this.add.existing(new NetGraph(this, 600, 8));
    const room = await this.net.room!.join(new UtpSDK(location.origin).joinOrCreate('game'));
    this.#me = this.add.rectangle(400, 300, 24, 24, 0x44dd88);
    room.onMessage('welcome', ({ players }: { players: Record<string, { x: number; y: number }> }) => {
      for (const [id, p] of Object.entries(players)) this.#square(id).setPosition(p.x, p.y);
    });
    room.onMessage('moved', ({ id, x, y }: { id: string; x: number; y: number }) => this.#square(id).setPosition(x, y));
    room.onMessage('left', ({ id }: { id: string }) => { this.#squares.get(id)?.destroy(); this.#squares.delete(id); });
    room.onMessage('chat', ({ id, text }: { id: string; text: string }) => {
      this.#lines = [...this.#lines, `${id === room.sessionId ? 'you' : id}: ${text}`].slice(-8);
      this.#chat.setText(this.#lines);
    });
    this.#chat.setText('arrow keys move; type below to chat');
    const input = document.querySelector<HTMLInputElement>('#chat')!;
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || !input.value.trim()) return;
      room.send('chat', input.value);
      input.value = '';
    });
  }

  override update(time: number, delta: number): void {
    const me = this.#me;
    const room = this.net.room?.room;
    if (!me || !room) return;
    const speed = 0.25 * delta;
    me.x = Phaser.Math.Clamp(me.x + (Number(this.#keys.right.isDown) - Number(this.#keys.left.isDown)) * speed, 12, 788);
    me.y = Phaser.Math.Clamp(me.y + (Number(this.#keys.down.isDown) - Number(this.#keys.up.isDown)) * speed, 12, 588);
    if (time - this.#sentAt >= 50) {
      this.#sentAt = time;
      room.sendUnreliable('move', { x: Math.round(me.x), y: Math.round(me.y) });
    }
  }

  #square(id: string): Phaser.GameObjects.Rectangle {
    let s = this.#squares.get(id);
    if (!s) this.#squares.set(id, (s = this.add.rectangle(0, 0, 24, 24, 0xdd8844)));
    return s;
  }
}

new Phaser.Game(withUtpPlugin({ type: Phaser.AUTO, width: 800, height: 600, parent: document.body, scene: [Play] }, { room: new ColyseusNetRoom() }));
