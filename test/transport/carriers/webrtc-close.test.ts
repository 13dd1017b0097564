/**
 * A WebRTC carrier that lets go of a peer closes its peer connection only once the channel has sent what it holds
 * (libdatachannel and Chromium discard queued messages on close): a burst of 60 packets handed over right before
 * `dispose` / `connectionClosed` arrives whole, on real channels (node-datachannel both sides, 127.0.0.1; closing at
 * once loses part of it); and the wait is bounded, so a peer that is gone never keeps a carrier from closing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkEndpoint, WebRtcNetworkInterface, type RtcPeerConnectionConstructor } from '../../../plugin/index.ts';
import type { PacketSink } from '../../../plugin/transport/carriers/network-interface.ts';
import { closeWhenSent, WEBRTC_CLOSE_LINGER_MS, WEBRTC_CLOSE_TIMEOUT_MS } from '../../../plugin/transport/carriers/webrtc-close.ts';
import type { RtcChannel } from '../../../plugin/transport/carriers/webrtc-library.ts';
import { WebRtcServerInterface } from '../../../plugin/transport/node.ts';
import { RelayWebRtcInterface } from '../../../plugin/relay/index.ts';
import { until } from '../../support/pump.ts';
import { nodeRtcPeerConnection } from '../../support/webrtc.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  vi.useRealTimers();
  for (const f of cleanup.splice(0).reverse()) f();
});

/** A sink that records each packet's first four bytes as a number (its index) and each close. */
function recorder(): PacketSink & { got: number[]; from: Array<[string, number]>; closes: number } {
  const r = {
    got: [] as number[], from: [] as Array<[string, number]>, closes: 0,
    receive(bytes: Uint8Array, address: string, port: number) { r.got.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)); r.from.push([address, port]); },
    error() {},
    closed() { r.closes++; },
  };
  return r;
}

/** A 1,000-byte packet (a burst of them fills the SCTP send queue) starting with its index. */
function packet(i: number): Uint8Array {
  const p = new Uint8Array(1000).fill(0x5a);
  new DataView(p.buffer).setUint32(0, i);
  return p;
}

/** The peer connections a client creates, to see when it closes them. */
async function trackedPeerConnection(): Promise<{ Ctor: RtcPeerConnectionConstructor; closed: () => number }> {
  const Base = await nodeRtcPeerConnection();
  let closed = 0;
  const Ctor = class extends (Base as unknown as new (c: RTCConfiguration) => RTCPeerConnection) {
    override close(): void { closed++; super.close(); }
  } as unknown as RtcPeerConnectionConstructor;
  return { Ctor, closed: () => closed };
}

/** A WebRTC server carrier (no driver) and a client carrier with an open channel to it. */
async function openPair(RTCPeerConnection?: RtcPeerConnectionConstructor) {
  const server = new WebRtcServerInterface({ iceAddress: '127.0.0.1' });
  const atServer = recorder();
  cleanup.push(() => server.dispose());
  await server.bind(NetworkEndpoint.loopbackIpv4.withPort(0), atServer);
  const client = new WebRtcNetworkInterface({
    signalUrl: `http://127.0.0.1:${server.localEndpoint.port}${server.path}`, fallback: null,
    RTCPeerConnection: RTCPeerConnection ?? await nodeRtcPeerConnection(),
  });
  const atClient = recorder();
  cleanup.push(() => client.dispose());
  await client.bind(NetworkEndpoint.anyIpv4, atClient);
  const to = client.serverEndpoint;
  client.connectionOpened(to);
  client.send(packet(0), 0, 1000, to);
  await until(() => atServer.got.length === 1, 'the channel to open');
  expect(client.state).toBe('open');
  const [address, port] = atServer.from[0];
  return { server, client, atServer, atClient, to, peer: NetworkEndpoint.parse(address, port) };
}

const BURST = 60;

describe('WebRTC carriers send what their channel holds before closing the peer connection', () => {
  it('client dispose: every packet handed over right before it arrives', async () => {
    const { client, atServer, to } = await openPair();
    for (let i = 1; i <= BURST; i++) client.send(packet(i), 0, 1000, to);
    client.dispose();
    await until(() => atServer.got.length === BURST + 1, `${BURST} packets at the server`, 5000);
    expect(atServer.got).toEqual(Array.from({ length: BURST + 1 }, (_, i) => i));
  });

  it('client connectionClosed: its last packets arrive, then the server hears the channel close', async () => {
    const { client, atServer, to } = await openPair();
    for (let i = 1; i <= BURST; i++) client.send(packet(i), 0, 1000, to);
    client.connectionClosed(to);
    await until(() => atServer.got.length === BURST + 1 && atServer.closes === 1, 'the packets, then the close', 5000);
    expect(atServer.got).toEqual(Array.from({ length: BURST + 1 }, (_, i) => i));
  });

  it('server connectionClosed: its last packets to the peer arrive, then the client hears the channel close', async () => {
    const { server, atClient, peer } = await openPair();
    for (let i = 1; i <= BURST; i++) server.send(packet(i), 0, 1000, peer);
    server.connectionClosed(peer);
    await until(() => atClient.got.length === BURST && atClient.closes === 1, 'the packets, then the close', 5000);
    expect(atClient.got).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
  });

  it('server dispose: its last packets to a peer arrive', async () => {
    const { server, atClient, peer } = await openPair();
    for (let i = 1; i <= BURST; i++) server.send(packet(i), 0, 1000, peer);
    server.dispose();
    // (Its release of node-datachannel then stops this process's client too: no close event to wait for here.)
    await until(() => atClient.got.length === BURST, `${BURST} packets at the client`, 5000);
    expect(atClient.got).toEqual(Array.from({ length: BURST }, (_, i) => i + 1));
  });

  it('RelayWebRtcInterface dispose: every packet handed over right before it arrives', async () => {
    const server = new WebRtcServerInterface({ iceAddress: '127.0.0.1' });
    const atServer = recorder();
    cleanup.push(() => server.dispose());
    await server.bind(NetworkEndpoint.loopbackIpv4.withPort(0), atServer);
    const relay = new RelayWebRtcInterface({ RTCPeerConnection: await nodeRtcPeerConnection(), fallback: false, signalPath: server.path });
    await relay.bind(NetworkEndpoint.anyIpv4, recorder());
    const to = NetworkEndpoint.loopbackIpv4.withPort(server.localEndpoint.port);
    relay.send(packet(0), 0, 1000, to);
    await until(() => atServer.got.length === 1, 'the channel to open');
    for (let i = 1; i <= BURST; i++) relay.send(packet(i), 0, 1000, to);
    relay.dispose();
    await until(() => atServer.got.length === BURST + 1, `${BURST} packets at the server`, 5000);
    expect(atServer.got).toEqual(Array.from({ length: BURST + 1 }, (_, i) => i));
  });

  it('client dispose with the server gone still closes its peer connection', async () => {
    const tracked = await trackedPeerConnection();
    const { server, client, to } = await openPair(tracked.Ctor);
    server.dispose();
    for (let i = 1; i <= BURST; i++) client.send(packet(i), 0, 1000, to);
    client.dispose();
    await until(() => tracked.closed() > 0, 'the peer connection to close', 5000);
  });
});

describe('closeWhenSent', () => {
  const T = WEBRTC_CLOSE_TIMEOUT_MS;
  const L = WEBRTC_CLOSE_LINGER_MS;
  /** A W3C channel holding `bytes`. */
  function w3c(bytes: number, readyState = 'open') {
    const ch = new EventTarget() as EventTarget & { readyState: string; bufferedAmount: number; bufferedAmountLowThreshold: number };
    Object.assign(ch, { readyState, bufferedAmount: bytes, bufferedAmountLowThreshold: 1024 });
    return ch;
  }
  /** node-datachannel's shape, holding `bytes`. */
  function native(bytes: number, open = true) {
    const ch = { bytes, open, threshold: -1, low: null as (() => void) | null };
    const api: Partial<RtcChannel> = {
      isOpen: () => ch.open, bufferedAmount: () => ch.bytes,
      setBufferedAmountLowThreshold: (n: number) => { ch.threshold = n; }, onBufferedAmountLow: (cb: () => void) => { ch.low = cb; },
    };
    return { ch, api: api as RtcChannel };
  }

  it('closes the peer at once without an open channel', () => {
    const closePeer = vi.fn();
    closeWhenSent(null, closePeer);
    closeWhenSent(w3c(100, 'closed') as unknown as RTCDataChannel, closePeer);
    closeWhenSent(native(100, false).api, closePeer);
    expect(closePeer).toHaveBeenCalledTimes(3);
  });

  it('an empty queue: the peer closes after the linger only', () => {
    vi.useFakeTimers();
    const closePeer = vi.fn();
    closeWhenSent(w3c(0) as unknown as RTCDataChannel, closePeer);
    closeWhenSent(native(0).api, closePeer);
    vi.advanceTimersByTime(L - 1);
    expect(closePeer).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(closePeer).toHaveBeenCalledTimes(2);
  });

  it('W3C channel: waits for bufferedamountlow at threshold 0, then the linger; closes once', () => {
    vi.useFakeTimers();
    const ch = w3c(5000);
    const closePeer = vi.fn();
    closeWhenSent(ch as unknown as RTCDataChannel, closePeer);
    expect(ch.bufferedAmountLowThreshold).toBe(0);
    vi.advanceTimersByTime(T / 2);
    expect(closePeer).not.toHaveBeenCalled();
    ch.bufferedAmount = 0;
    ch.dispatchEvent(new Event('bufferedamountlow'));
    vi.advanceTimersByTime(L - 1);
    expect(closePeer).not.toHaveBeenCalled();
    vi.advanceTimersByTime(T);
    expect(closePeer).toHaveBeenCalledTimes(1);
  });

  it('W3C channel: closes the peer at once when the channel closes meanwhile', () => {
    vi.useFakeTimers();
    const ch = w3c(5000);
    const closePeer = vi.fn();
    closeWhenSent(ch as unknown as RTCDataChannel, closePeer);
    ch.dispatchEvent(new Event('close'));
    expect(closePeer).toHaveBeenCalledTimes(1);
  });

  it('node-datachannel channel: waits for its buffered-amount-low callback at threshold 0, then the linger', () => {
    vi.useFakeTimers();
    const { ch, api } = native(5000);
    const closePeer = vi.fn();
    closeWhenSent(api, closePeer);
    expect(ch.threshold).toBe(0);
    vi.advanceTimersByTime(T / 2);
    expect(closePeer).not.toHaveBeenCalled();
    ch.bytes = 0;
    ch.low!();
    vi.advanceTimersByTime(L);
    expect(closePeer).toHaveBeenCalledTimes(1);
  });

  it('a queue that never drains (the peer is gone) has its peer closed after the timeout, not never', () => {
    vi.useFakeTimers();
    const closePeer = vi.fn();
    closeWhenSent(w3c(5000) as unknown as RTCDataChannel, closePeer);
    closeWhenSent(native(5000).api, closePeer);
    vi.advanceTimersByTime(T - 1);
    expect(closePeer).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(closePeer).toHaveBeenCalledTimes(2);
  });

  it('a channel that throws (closed under us) has its peer closed at once', () => {
    const closePeer = vi.fn();
    const api = { isOpen: () => true, bufferedAmount: () => { throw new Error('closed'); } } as unknown as RtcChannel;
    closeWhenSent(api, closePeer);
    expect(closePeer).toHaveBeenCalledTimes(1);
  });
});
