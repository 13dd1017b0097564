// The arena (world space): own player predicted, others interpolated, orbs, effects, a smooth following camera.
// The HUD and the scoreboard are separate scenes on top, so that camera zoom never scales them.
import * as Phaser from 'phaser';
import { ARENA_HEIGHT, ARENA_WIDTH, COLORS } from '../../shared/constants.ts';
import type { PickupEvent, RoundEvent, TagEvent } from '../../shared/messages.ts';
import { drawArena } from '../game/arena-view.ts';
import { KeyboardControls } from '../game/controls.ts';
import { Effects } from '../game/effects.ts';
import { OrbsView } from '../game/orbs-view.ts';
import { UI } from '../game/palette.ts';
import { LABEL_RISE, PlayerView, type PlayerLook } from '../game/player-view.ts';
import { cameraZoom, LABEL_FONT_PX, labelScale, placeLabels, type LabelBox } from '../game/screen.ts';
import { LeaveConfirm } from '../ui/leave-confirm.ts';
import type { ArenaClient } from '../net/arena-client.ts';
import { probe, type ProbePlayer } from '../test-hook.ts';

export class GameScene extends Phaser.Scene {
  client!: ArenaClient;
  readonly #views = new Map<string, PlayerView>();
  readonly #target = { x: ARENA_WIDTH / 2, y: ARENA_HEIGHT / 2 };
  #orbs!: OrbsView;
  #effects!: Effects;
  #keys!: KeyboardControls;
  #pingQueued = false;
  #confirm!: LeaveConfirm;
  #frame = 0;
  #lastUpdate = 0;

  constructor() { super('game'); }

  create(data: { client: ArenaClient }): void {
    this.client = data.client;
    this.#views.clear();
    this.#frame = 0;
    probe.scene = 'game';
    probe.code = this.client.room.roomId;
    probe.sessionId = this.client.sessionId;
    const camera = this.cameras.main.setBackgroundColor(UI.background);
    drawArena(this);
    this.#orbs = new OrbsView(this);
    this.#effects = new Effects(this);
    this.#keys = new KeyboardControls(this);
    // Room above the arena for the HUD's panels, so a player at the top edge is not drawn under them.
    camera.setBounds(-160, -260, ARENA_WIDTH + 320, ARENA_HEIGHT + 420);
    camera.startFollow(this.#target, false, 0.12, 0.12);
    camera.centerOn(this.#target.x, this.#target.y);
    this.#fit();
    this.scale.on('resize', this.#fit, this);

    const c = this.client;
    c.on('pickup', this.#onPickup, this);
    c.on('tag', this.#onTag, this);
    c.on('round', this.#onRound, this);
    c.on('leave', this.#onLeave, this);
    // Esc asks first (a second Esc, or the Leave button, leaves); see LeaveConfirm.
    this.#confirm = new LeaveConfirm(() => { void this.#quit(); });
    this.input.keyboard!.on('keydown-ESC', () => this.#confirm.open());
    this.game.events.on(Phaser.Core.Events.POST_RENDER, this.#afterRender, this);
    this.scene.launch('hud', { client: c });
    if (c.state.phase === 'intermission') this.scene.launch('score', { client: c });
    this.events.once('shutdown', () => {
      this.game.events.off(Phaser.Core.Events.POST_RENDER, this.#afterRender, this);
      this.scale.off('resize', this.#fit, this);
      c.off('pickup', this.#onPickup, this);
      c.off('tag', this.#onTag, this);
      c.off('round', this.#onRound, this);
      c.off('leave', this.#onLeave, this);
      this.scene.stop('hud');
      this.scene.stop('score');
      this.#confirm.destroy();
    });
  }

  /**
   * The RTT ping (see `ArenaClient.pingIfDue`) leaves in the first task after the frame, once the browser has also
   * painted it, and is flushed at once: its acknowledgement then finds the page idle.
   */
  #afterRender(): void {
    if (this.#pingQueued) return;
    this.#pingQueued = true;
    setTimeout(() => {
      this.#pingQueued = false;
      if (this.sys.isActive() && this.client.pingIfDue(performance.now())) this.net.session.flush();
    }, 0);
  }

  /** Zoom so that about 1000 × 700 world pixels' worth of area is visible, whatever the screen's shape. */
  #fit(): void {
    const { width, height } = this.scale;
    this.cameras.main.setZoom(cameraZoom(width, height));
  }

  override update(time: number): void {
    const c = this.client;
    c.advance(performance.now(), () => this.#keys.read());
    const state = c.state;
    const seen = new Set<string>();
    const players: ProbePlayer[] = [];
    state.players?.forEach((p, id) => {
      seen.add(id);
      const own = id === c.sessionId;
      const color = COLORS[p.color] ?? 0xffffff;
      let view = this.#views.get(id);
      if (!view) this.#views.set(id, (view = new PlayerView(this, color, own)));
      let look: PlayerLook;
      if (own) {
        if (!c.ready) { view.setVisible(false); return; }
        const b = c.predictor.body;
        look = { ...c.ownPosition(), fx: b.fx, fy: b.fy, dash: b.dash, stun: b.stun, connected: c.connected };
        this.#target.x = look.x;
        this.#target.y = look.y;
      } else {
        const s = c.other(p.slot);
        if (!s) { view.setVisible(false); return; }
        look = { ...s, connected: p.connected };
      }
      view.setVisible(true).show(look, time, own ? c.predictor.body.cooldown : 0);
      view.setLabel(p.name, p.score);
      if (look.dash > 0 && this.#frame % 2 === 0) this.#effects.trail(look.x, look.y, color);
      players.push({ sessionId: id, name: p.name, slot: p.slot, score: p.score, x: look.x, y: look.y, own });
    });
    for (const [id, view] of this.#views) {
      if (seen.has(id)) continue;
      view.destroy();
      this.#views.delete(id);
    }
    this.#orbs.sync(state.orbs, time);
    const scale = this.#placeLabels(time - this.#lastUpdate);
    this.#lastUpdate = time;
    this.#frame++;
    Object.assign(probe, {
      frames: probe.frames + 1, phase: state.phase, players, snapshots: c.snapshots, ticks: c.ticks,
      corrections: c.predictor.corrections, ping: this.net.stats.rtt, carrier: this.net.stats.carrier, resends: this.net.stats.resends, labelPx: LABEL_FONT_PX * scale * this.cameras.main.zoom,
    });
  }

  /** Name tags above their players, at a size legible at this zoom, moved up where they would overlap. */
  #placeLabels(deltaMs: number): number {
    const scale = labelScale(this.cameras.main.zoom);
    const views = [...this.#views.values()].filter((v) => v.visible).sort((a, b) => Number(b.own) - Number(a.own));
    const boxes: LabelBox[] = views.map((v) => ({ x: v.x, y: v.y - LABEL_RISE * scale, ...v.labelSize(scale) }));
    const ys = placeLabels(boxes, views[0]?.own ? 1 : 0);
    views.forEach((v, i) => v.placeLabel(v.y - ys[i], scale, deltaMs));
    return scale;
  }

  #slotColor(slot: number): number {
    let color = 0xffffff;
    this.client.state.players?.forEach((p) => { if (p.slot === slot) color = COLORS[p.color] ?? color; });
    return color;
  }

  #onPickup(e: PickupEvent): void {
    this.#effects.pickup(e.x, e.y, e.value);
  }

  #onTag(e: TagEvent): void {
    this.#effects.tag(e.x, e.y, this.#slotColor(e.by), e.points);
    const mine = this.client.me?.slot;
    if (e.by === mine || e.victim === mine) this.cameras.main.shake(180, e.victim === mine ? 0.012 : 0.006);
  }

  #onRound(e: RoundEvent): void {
    if (e.phase === 'intermission') this.scene.launch('score', { client: this.client, board: e.board, round: e.round });
    else this.scene.stop('score');
  }

  #onLeave(code: number): void {
    if (this.client.left && code === 4000) return;
    const why = code === 4001 ? 'The server shut down.'
      : code === 1006 ? 'Lost the connection to the server and could not reconnect. Is it still running?'
        : `Disconnected from the game (code ${code}).`;
    this.net.room?.use(null);
    this.scene.start('menu', { message: why });
  }

  async #quit(): Promise<void> {
    const c = this.client;
    this.net.room?.use(null);
    this.scene.start('menu');
    await c.leave();
  }
}
