import {
  NetworkDriver, NetworkEndpoint, NetworkSettings, WebRtcNetworkInterface, type RtcPeerConnectionConstructor,
  type WebRtcNetworkInterfaceOptions,
} from '../../plugin/index.ts';
import { WebRtcServerInterface, type WebRtcServerInterfaceOptions } from '../../plugin/transport/node.ts';
import { cleanup } from './websocket.ts';

/** A WebRTC server driver on 127.0.0.1 (signalling on its own HTTP port, ICE on loopback only). */
export async function rtcServer(
  options: WebRtcServerInterfaceOptions = {}, settings = new NetworkSettings(),
): Promise<{ driver: NetworkDriver; iface: WebRtcServerInterface; signalUrl: string }> {
  const iface = new WebRtcServerInterface({ iceAddress: '127.0.0.1', ...options });
  const driver = NetworkDriver.create({ networkInterface: iface, settings });
  cleanup.push(() => driver.dispose());
  await driver.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
  driver.listen();
  return { driver, iface, signalUrl: `http://127.0.0.1:${driver.localEndpoint().port}${iface.path}` };
}

/** node-datachannel's W3C `RTCPeerConnection`: the browser carrier runs in Node with it. */
export async function nodeRtcPeerConnection(): Promise<RtcPeerConnectionConstructor> {
  const { RTCPeerConnection } = await import('node-datachannel/polyfill');
  return RTCPeerConnection as unknown as RtcPeerConnectionConstructor;
}

/** A client driver over `WebRtcNetworkInterface` (in Node, through the polyfill). */
export async function rtcClient(
  options: WebRtcNetworkInterfaceOptions, settings = new NetworkSettings(),
): Promise<{ driver: NetworkDriver; iface: WebRtcNetworkInterface }> {
  const iface = new WebRtcNetworkInterface({ RTCPeerConnection: await nodeRtcPeerConnection(), ...options });
  const driver = NetworkDriver.create({ networkInterface: iface, settings });
  cleanup.push(() => driver.dispose());
  await driver.bind(NetworkEndpoint.anyIpv4);
  return { driver, iface };
}

/** A bare WebRTC peer (no UTP) that opens one channel with `label` to the server, for hostile-input tests. */
export async function rawPeer(signalUrl: string, label: string): Promise<{ pc: RTCPeerConnection; channel: RTCDataChannel }> {
  const Ctor = await nodeRtcPeerConnection();
  const pc = new Ctor({ iceServers: [] });
  cleanup.push(() => pc.close());
  const channel = pc.createDataChannel(label, { ordered: false, maxRetransmits: 0 });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve(); });
  });
  const res = await fetch(signalUrl, { method: 'POST', body: pc.localDescription!.sdp, headers: { 'Content-Type': 'application/sdp' } });
  if (!res.ok) throw new Error(`signalling answered ${res.status}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return { pc, channel };
}
