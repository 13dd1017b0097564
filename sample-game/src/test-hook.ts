// A window hook for end-to-end tests and curious players: `window.__game.probe` says what the page shows.
import type * as Phaser from 'phaser';

export interface ProbePlayer {
  sessionId: string;
  name: string;
  slot: number;
  score: number;
  /** Where the player is drawn on this page. */
  x: number;
  y: number;
  own: boolean;
}

export const probe = {
  scene: 'boot',
  sessionId: '',
  code: '',
  phase: '',
  frames: 0,
  snapshots: 0,
  ticks: 0,
  corrections: 0,
  /** The HUD's ping: the transport's smoothed RTT (reliable pipeline, frame waits excluded), ms. */
  ping: 0,
  /** What carries this page's connection: 'webrtc' or 'websocket' (as the HUD says). */
  carrier: '',
  /** Reliable resends of this page's connection so far. */
  resends: 0,
  players: [] as ProbePlayer[],
  /** On-screen font size of name labels, px. */
  labelPx: 0,
  /** The banner shown now (e.g. "Connection problem…"), and every one shown so far. */
  notice: null as string | null,
  notices: [] as string[],
  /** Screen box of the HUD's network line (the page's CSS pixels). */
  netBox: { x: 0, y: 0, width: 0, height: 0 },
};

export function installTestHook(game: Phaser.Game): void {
  (window as unknown as { __game: unknown }).__game = { game, probe };
}
