/**
 * `utp-ts/colyseus/phaser`: a Colyseus room as the Phaser plugin's `this.net.room`. Importing this module also
 * types `this.net.room` as `ColyseusNetRoom` in every scene (NetRoomRegistry).
 *
 * ```ts
 * new Phaser.Game(withUtpPlugin(config, { room: new ColyseusNetRoom() }));    // no connection of its own
 * // in a scene:
 * const room = await this.net.room!.join(sdk.joinOrCreate('arena'));        // the plugin pumps it from now on
 * room.send('hello', {});                                                    // leaves at the end of this frame
 * ```
 *
 * @module utp-ts/colyseus/phaser
 */
export { ColyseusNetRoom } from './client/net-room.ts';
