/** The one clock of a fake-clock test: drivers, servers and games read `now` (ms), the test moves it. */
export class FakeClock {
  now = 0;
  /** `now` as a function, for options that take a clock (`RelayServer({ clock })`, the Phaser plugin). */
  readonly read = (): number => this.now;
}
