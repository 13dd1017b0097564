// Orb Arena, the utp-ts sample game: Phaser 4 + Colyseus over Unity Transport (UTP over WebSocket in browsers).
// The Phaser plugin owns the room's network pump (`this.net.room`, see utp-ts/colyseus/phaser).
import './style.css';
import * as Phaser from 'phaser';
import { ColyseusNetRoom } from '../../plugin/colyseus/phaser.ts';
import { withUtpPlugin } from '../../plugin/phaser/index.ts';
import { BootScene } from './scenes/boot.ts';
import { GameScene } from './scenes/game.ts';
import { HudScene } from './scenes/hud.ts';
import { MenuScene } from './scenes/menu.ts';
import { ScoreScene } from './scenes/score.ts';
import { installTestHook } from './test-hook.ts';

const game = new Phaser.Game(withUtpPlugin({
  type: Phaser.AUTO,
  parent: 'game',
  backgroundColor: '#10131c',
  banner: false,
  scale: { mode: Phaser.Scale.RESIZE, width: window.innerWidth, height: window.innerHeight },
  render: { antialias: true },
  // `?fps=N` caps the frame rate, to feel (and test) the game on a slow device; the network does not wait for frames.
  ...fpsLimit(new URLSearchParams(location.search).get('fps')),
  scene: [BootScene, MenuScene, GameScene, HudScene, ScoreScene],
}, { room: new ColyseusNetRoom() }));

installTestHook(game);

function fpsLimit(value: string | null): Pick<Phaser.Types.Core.GameConfig, 'fps'> {
  const n = Number(value);
  return Number.isFinite(n) && n >= 1 && n <= 240 ? { fps: { limit: Math.round(n) } } : {};
}
