// The screen-space layer over the arena: HUD, net graph (` or F3), touch controls, chat, connection banners.
import * as Phaser from 'phaser';
import { NetGraph } from '../../../plugin/phaser/index.ts';
import type { ChatEvent } from '../../shared/messages.ts';
import { ChatBox } from '../game/chat-box.ts';
import { Hud } from '../game/hud.ts';
import { TouchControls } from '../game/touch.ts';
import type { ArenaClient } from '../net/arena-client.ts';
import { describeNetParams } from '../net/params.ts';
import { net } from '../net/setup.ts';

export class HudScene extends Phaser.Scene {
  #client!: ArenaClient;
  #hud!: Hud;
  #chat!: ChatBox;
  #dropped = false;
  #netLine = '';
  #nextNetLine = 0;

  constructor() { super('hud'); }

  create(data: { client: ArenaClient }): void {
    const c = (this.#client = data.client);
    this.#dropped = false;
    this.#hud = new Hud(this);
    this.add.existing(new NetGraph(this, 14, 108));   // hidden until ` or F3
    new TouchControls(this);
    this.#chat = new ChatBox((text) => c.sendChat(text));
    this.#chat.line('', `Room ${c.room.roomId}: share the code to play together. Enter to chat, Esc to leave.`);
    if (net.params) this.#chat.line('', describeNetParams(net.params));
    const onChat = (e: ChatEvent) => this.#chat.add(e);
    const onDrop = () => { this.#dropped = true; this.#chat.line('', 'Connection lost: reconnecting…'); };
    const onReconnect = () => { this.#dropped = false; this.#chat.line('', 'Reconnected. Your score is safe.'); };
    c.on('chat', onChat);
    c.on('drop', onDrop);
    c.on('reconnect', onReconnect);
    this.events.once('shutdown', () => {
      c.off('chat', onChat);
      c.off('drop', onDrop);
      c.off('reconnect', onReconnect);
      this.#chat.destroy();
    });
  }

  override update(time: number): void {
    const c = this.#client;
    if (time >= this.#nextNetLine) {
      this.#nextNetLine = time + 250;
      const sim = net.params ? ` · ${describeNetParams(net.params)}` : '';
      this.#netLine = `ping ${Math.round(c.pingMs)} ms · snapshots lost ${c.snapshotLoss.toFixed(0)} %${sim}`
        + '\nUTP over WebSocket · ` or F3: net graph';
    }
    this.#hud.update(c.state, c.sessionId, this.#netLine);
    this.#hud.banner(this.#dropped ? 'Connection lost — reconnecting…'
      : !c.ready ? 'Joining…' : null);
  }
}
