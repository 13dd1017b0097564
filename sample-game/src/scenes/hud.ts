// The screen-space layer over the arena: HUD, net graph (` or F3), touch controls, chat, connection banners. A
// stall is shown within two seconds: "Connection problem…" once no snapshot (one per server tick) has arrived for
// STALL_MS, gone when they flow again; the SDK's own drop detection takes many seconds longer.
import * as Phaser from 'phaser';
import { NetGraph } from '../../../plugin/phaser/index.ts';
import type { ChatEvent } from '../../shared/messages.ts';
import { ChatBox } from '../game/chat-box.ts';
import { Hud, type NetLine } from '../game/hud.ts';
import { TouchControls } from '../game/touch.ts';
import type { ArenaClient } from '../net/arena-client.ts';
import { describeNetParams } from '../net/params.ts';
import { net } from '../net/setup.ts';
import { probe } from '../test-hook.ts';

/** No snapshot for this long (ms) means trouble: the server sends 30 a second. */
export const STALL_MS = 1500;

export class HudScene extends Phaser.Scene {
  #client!: ArenaClient;
  #hud!: Hud;
  #chat!: ChatBox;
  #dropped = false;
  readonly #netLine: NetLine = { ping: 0, snapshotLoss: 0, carrier: '', simulated: null };
  #nextNetLine = 0;

  constructor() { super('hud'); }

  create(data: { client: ArenaClient }): void {
    const c = (this.#client = data.client);
    this.#dropped = false;
    probe.notice = null;
    this.#hud = new Hud(this, this.add.existing(new NetGraph(this, 14, 116)));  // the graph: hidden until ` or F3
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
      Object.assign(this.#netLine, {
        ping: this.net.stats.rtt, snapshotLoss: c.snapshotLoss, carrier: this.net.stats.carrier, simulated: net.params ? describeNetParams(net.params) : null,
      });
    }
    this.#hud.update(c.state, c.sessionId, this.#netLine);
    const stalled = c.ready && c.snapshotAgeMs(performance.now()) > STALL_MS;
    const notice = this.#dropped ? 'Connection lost — reconnecting…'
      : !c.ready ? 'Joining…'
        : stalled ? 'Connection problem… waiting for the server' : null;
    this.#hud.banner(notice);
    if (notice !== probe.notice) {
      probe.notice = notice;
      if (notice) probe.notices.push(notice);
    }
    const b = this.#hud.netBounds;
    probe.netBox = { x: b.x, y: b.y, width: b.width, height: b.height };
  }
}
