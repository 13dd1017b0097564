import { UtpSocketError } from '../api/errors.ts';

// The one place that knows the WebRTC library of the Node side (node-datachannel, libdatachannel bindings):
// the server carrier sees only these few calls, so another library can replace it here.

/** A data channel as the server carrier uses it. */
export interface RtcChannel {
  getLabel(): string;
  sendMessageBinary(bytes: Uint8Array): boolean;
  bufferedAmount(): number;
  setBufferedAmountLowThreshold(bytes: number): void;
  onBufferedAmountLow(cb: () => void): void;
  isOpen(): boolean;
  close(): void;
  onOpen(cb: () => void): void;
  onClosed(cb: () => void): void;
  onError(cb: (err: string) => void): void;
  onMessage(cb: (msg: string | Buffer | ArrayBuffer) => void): void;
}

/** A peer connection as the server carrier uses it. */
export interface RtcPeer {
  setRemoteDescription(sdp: string, type: 'offer'): void;
  localDescription(): { type: string; sdp: string } | null;
  gatheringState(): string;
  onGatheringStateChange(cb: (state: string) => void): void;
  onStateChange(cb: (state: string) => void): void;
  onDataChannel(cb: (channel: RtcChannel) => void): void;
  close(): void;
}

/** The peer configuration we pass (a subset of node-datachannel's `RtcConfig`). */
export interface RtcPeerConfig {
  iceServers: string[];
  bindAddress?: string;
  enableIceUdpMux?: boolean;
  portRangeBegin?: number;
  portRangeEnd?: number;
  maxMessageSize?: number;
}

interface NodeDataChannel {
  PeerConnection: new (name: string, config: RtcPeerConfig) => RtcPeer;
  cleanup(): void;
}

let library: Promise<NodeDataChannel> | null = null;
let users = 0;

/**
 * Loads node-datachannel (an optional dependency; its prebuilt binary comes as a platform package) and counts
 * the caller as a user until `releaseRtcLibrary`. Rejects with a `UtpSocketError` that says how to install it.
 */
export async function acquireRtcLibrary(): Promise<{ createPeer(name: string, config: RtcPeerConfig): RtcPeer }> {
  const name = ['node', 'datachannel'].join('-'); // computed: browser bundles never include it
  library ??= import(/* @vite-ignore */ name).then(
    (m: { default?: NodeDataChannel } & NodeDataChannel) => m.default ?? m,
    (err: unknown) => {
      library = null;
      throw new UtpSocketError('UTP over WebRTC needs the node-datachannel package (npm install node-datachannel)', err);
    },
  );
  const lib = await library;
  users++;
  return { createPeer: (peerName, config) => new lib.PeerConnection(peerName, config) };
}

/**
 * The caller closed its last peer: when nobody uses the library any more, its threads are stopped (they would
 * keep the process alive after every peer closed).
 */
export function releaseRtcLibrary(): void {
  if (users === 0 || --users > 0) return;
  void library?.then((lib) => { if (users === 0) lib.cleanup(); });
}
