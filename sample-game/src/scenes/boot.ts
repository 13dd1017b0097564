// Draws the textures, then opens the menu.
import * as Phaser from 'phaser';
import { makeTextures } from '../game/textures.ts';

export class BootScene extends Phaser.Scene {
  constructor() { super('boot'); }

  create(): void {
    makeTextures(this);
    this.scene.start('menu');
  }
}
