import type { NetworkEndpoint } from '../api/endpoint.ts';

/**
 * Where an interface hands incoming datagrams. Installed by the driver in `bind`.
 */
export interface PacketSink {
  /**
   * One datagram arrived from `address:port`. Ownership of `bytes` passes to the driver, which may keep a
   * reference until its connection state no longer needs it: the interface must never reuse or mutate it.
   * (Node's `dgram` and `ws` hand out a fresh Buffer per message, so this costs nothing there.)
   */
  receive(bytes: Uint8Array, address: string, port: number): void;
  /** The carrier failed; the driver records `NetworkSocketError` in `receiveErrorCode`. */
  error(err: Error): void;
  /**
   * Optional, for carriers with their own connections (WebSocket): the link to `address:port` is gone, so
   * the driver closes the connections bound to it with `reason` (a `DisconnectReason`) at its next update,
   * sending nothing — as UTP's lower layers do (spec §3.9, §6.3). Packets received before it come first.
   */
  closed?(address: string, port: number, reason: number): void;
}

/**
 * Mirrors UTP's `INetworkInterface`: the carrier at the bottom of the layer stack (`NetworkStack`). Implement it to
 * run UTP over something new — a data channel, a test harness — without touching the driver. A carrier moves
 * datagrams and never reads the bytes of the layers above; it learns about connections from the notifications below.
 *
 * ```ts
 * class MyCarrier implements NetworkInterface {
 *   localEndpoint = NetworkEndpoint.custom('me');
 *   async bind(endpoint, sink) { this.sink = sink; ... }   // deliver with sink.receive(bytes, address, port)
 *   listen() {}
 *   send(bytes, start, end, to) { channel.send(bytes.slice(start, end)); }
 *   dispose() { ... }
 * }
 * NetworkDriver.create({ networkInterface: new MyCarrier() })
 * ```
 */
export interface NetworkInterface {
  /** Mirrors `LocalEndpoint`: the bound address (with the real port once bound to port 0). */
  readonly localEndpoint: NetworkEndpoint;
  /**
   * Bytes this carrier needs in front of every packet on the wire, counted in UTP's header budget
   * (spec §2.4): 0 for UDP and in-memory, 14 for WebSocket. Defaults to 0.
   */
  readonly packetPadding?: number;
  /**
   * The carrier's own handshake proves each peer's address (TCP under WebSocket, ICE/DTLS under WebRTC): the
   * connection layer then skips its half-open rules, which exist for datagram carriers where a source can be forged.
   */
  readonly provesAddresses?: boolean;
  /** Mirrors `Bind`: open the carrier on `endpoint` and start delivering to `sink`. Rejects with `UtpSocketError`. */
  bind(endpoint: NetworkEndpoint, sink: PacketSink): Promise<void>;
  /** Mirrors `Listen`: accept packets from new peers (a no-op for connectionless carriers). */
  listen(): void;
  /**
   * Transmit `bytes[start, end)` as one datagram to `to`. The bytes are only valid during the call: copy
   * them if the carrier sends asynchronously. Must not throw; report failures through `sink.error`.
   */
  send(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void;
  /**
   * Optional, for carriers that send asynchronously (and would otherwise copy every packet in `send`): as `send`,
   * but `bytes[start, end)` is never written again by the driver, so the carrier may keep a view of it until the
   * datagram has left. When present the driver calls it instead of `send`. Must not throw.
   */
  sendOwned?(bytes: Uint8Array, start: number, end: number, to: NetworkEndpoint): void;
  /**
   * Optional: called once per driver update with the driver clock, for carriers with timers of their own
   * (Relay keep-alives and re-binds, spec §7.3). Runs before the update's datagrams are processed.
   */
  update?(now: number): void;
  /**
   * Optional, for carriers with links of their own (WebSocket, WebRTC): the connection layer starts a connection to
   * `to` — a client just before its first request, a server when it accepts one. Several connections may share a link.
   */
  connectionOpened?(to: NetworkEndpoint): void;
  /**
   * Optional: the connection layer released its connection to `to`, whatever the reason; its last packet (a
   * Disconnect, if any) has already been handed to `send`. A carrier closes a link when no connection uses it any
   * more, as UTP's WebSocket layer closes its socket with its connection (spec §6.2.6).
   */
  connectionClosed?(to: NetworkEndpoint): void;
  /**
   * Optional: what carries the packets (`'udp'`, `'websocket'`, `'webrtc'`, `'ipc'`…), reported as `carrier` in
   * connection statistics. May change while a carrier falls back to another (WebRTC → WebSocket).
   */
  readonly carrierName?: string | undefined;
  /** Mirrors `Dispose`: release the carrier. Idempotent. */
  dispose(): void;
}
