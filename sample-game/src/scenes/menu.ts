// The menu: drifting orbs behind the DOM form; joins a room, hands it to the plugin (`this.net.room`), and starts
// the game.
import * as Phaser from 'phaser';
import { ArenaClient } from '../net/arena-client.ts';
import { describeJoinError, joinArena, type JoinRequest, type Profile } from '../net/connect.ts';
import { UI } from '../game/palette.ts';
import { TEX } from '../game/textures.ts';
import { MenuForm } from '../ui/menu-form.ts';
import { net } from '../net/setup.ts';
import { probe } from '../test-hook.ts';

export class MenuScene extends Phaser.Scene {
  #form: MenuForm | null = null;

  constructor() { super('menu'); }

  create(data: { message?: string }): void {
    probe.scene = 'menu';
    this.cameras.main.setBackgroundColor(UI.background);
    const { width, height } = this.scale;
    for (let i = 0; i < 26; i++) {
      const gold = i % 7 === 0;
      const orb = this.add.image(Phaser.Math.Between(0, width), Phaser.Math.Between(0, height), TEX.glow)
        .setTint(gold ? UI.gold : UI.orb).setScale(Phaser.Math.FloatBetween(0.3, 0.8)).setAlpha(0.55);
      this.tweens.add({
        targets: orb, y: orb.y - Phaser.Math.Between(40, 120), x: orb.x + Phaser.Math.Between(-60, 60),
        alpha: 0.15, duration: Phaser.Math.Between(3000, 6000), yoyo: true, repeat: -1, ease: 'Sine.InOut',
      });
    }
    this.#form = new MenuForm((request, profile) => { void this.#join(request, profile); });
    if (data?.message) this.#form.error(data.message);
    this.events.once('shutdown', () => { this.#form?.destroy(); this.#form = null; });
  }

  async #join(request: JoinRequest, profile: Profile): Promise<void> {
    const form = this.#form!;
    form.busy(request.kind === 'create' ? 'Creating a private room…' : request.kind === 'code' ? `Joining ${request.code}…` : 'Finding a game…');
    try {
      const room = await joinArena(net.sdk, request, profile);
      const client = new ArenaClient(room);
      // From now on the Phaser plugin pumps the room's connection once per frame.
      this.net.room!.use(room);
      this.scene.start('game', { client });
    } catch (err) {
      if (this.#form === form) form.error(describeJoinError(err, request, net.endpoint));
    }
  }
}
