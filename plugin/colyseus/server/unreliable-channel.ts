// Why Colyseus logs "state has @unreliable fields, but no connected client's transport provides an unreliable
// channel … Use @colyseus/h3-transport" with UtpTransport, whose clients all have `rawUnreliable`: core's check
// (`SchemaSerializer.applyUnreliablePatches`) counts only clients in state JOINED, and a client stays JOINING for
// one round trip after its seat is consumed, until the SDK acknowledges the JOIN frame. A room whose clients are
// all in that window at an unreliable patch (its first joiner, always, on a slow link) gets the warning, although
// nothing is lost: the JOIN frame carries the full state. Core keeps a once-per-room latch on the serializer.

/** Tells the room's serializer that its clients have an unreliable channel, before a UTP client joins it. */
export function declareUnreliableChannel(room: object): void {
  const serializer = (room as { _serializer?: { warnedNoUnreliableTransport?: boolean } })._serializer;
  if (serializer && typeof serializer === 'object' && 'warnedNoUnreliableTransport' in serializer) {
    serializer.warnedNoUnreliableTransport = true;
  }
}
