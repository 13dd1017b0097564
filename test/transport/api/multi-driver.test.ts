import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionState, MultiNetworkConnection, MultiNetworkDriver, NetworkConnection, NetworkDriver, NetworkEndpoint,
  NetworkEvent, NetworkEventType, NullPipelineStage, UDPNetworkInterface,
} from '../../../plugin/index.ts';
import { cleanup, disposeAll, drain, wsClient, wsServer } from '../../support/websocket.ts';
import { str, text } from '../../support/hex.ts';
import { pump } from '../../support/pump.ts';

afterEach(disposeAll);

/** One server process: a UDP driver and a WebSocket driver behind a MultiNetworkDriver. */
async function multiServer() {
  const udp = NetworkDriver.create({ networkInterface: new UDPNetworkInterface() });
  await udp.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
  udp.listen();
  const { driver: ws } = await wsServer();
  const multi = MultiNetworkDriver.create();
  cleanup.push(() => multi.dispose());
  const udpId = multi.addDriver(udp);
  const wsId = multi.addDriver(ws);
  return { multi, udp, ws, udpId, wsId };
}

describe('MultiNetworkDriver: one server for UDP and WebSocket clients', () => {
  it('accepts a UDP and a WebSocket client at once and routes every message to the right one', async () => {
    const { multi, udp, ws, udpId, wsId } = await multiServer();
    expect([udpId, wsId]).toEqual([1, 2]);
    expect(multi.driverCount).toBe(2);
    const pipe = multi.createPipeline(NullPipelineStage);
    const udpClient = NetworkDriver.create();
    cleanup.push(() => udpClient.dispose());
    await udpClient.bind(NetworkEndpoint.loopbackIpv4);
    const wsc = wsClient();
    expect(udpClient.createPipeline(NullPipelineStage).id).toBe(pipe.id);
    expect(wsc.createPipeline(NullPipelineStage).id).toBe(pipe.id);

    const cu = udpClient.connect(udp.localEndpoint());
    const cw = wsc.connect(ws.localEndpoint());
    const accepted: MultiNetworkConnection[] = [];
    await pump([multi, udpClient, wsc], () => {
      for (let c; (c = multi.accept()); ) accepted.push(c);
      drain(udpClient); drain(wsc);
      return accepted.length === 2 && udpClient.getConnectionState(cu) === ConnectionState.Connected &&
        wsc.getConnectionState(cw) === ConnectionState.Connected;
    });
    const [a, b] = accepted;
    expect(accepted.map((c) => c.driverId).sort()).toEqual([udpId, wsId]);
    // Same id/version inside their drivers, yet distinguishable handles.
    expect(a.id === b.id && a.version === b.version).toBe(true);
    expect(a.equals(b)).toBe(false);
    expect(multi.getDriverForConnection(a)).toBe(a.driverId === udpId ? udp : ws);
    expect(multi.getConnectionState(a)).toBe(ConnectionState.Connected);

    udpClient.send(cu, pipe, text('from udp'));
    wsc.send(cw, pipe, text('from ws'));
    const seen: string[] = [];
    const ev = new NetworkEvent();
    const toUdp: string[] = [], toWs: string[] = [];
    await pump([multi, udpClient, wsc], () => {
      while (multi.popEvent(ev) !== NetworkEventType.Empty) {
        if (ev.type !== NetworkEventType.Data) continue;
        const c = ev.connection as MultiNetworkConnection;
        seen.push(`${c.driverId}:${str(ev.data)}`);
        expect(multi.send(c, ev.pipeline, text(`echo ${str(ev.data)} via ${c.driverId}`))).toBeGreaterThan(0);
      }
      for (const e of drain(udpClient)) if (e.type === NetworkEventType.Data) toUdp.push(str(e.data));
      for (const e of drain(wsc)) if (e.type === NetworkEventType.Data) toWs.push(str(e.data));
      return toUdp.length + toWs.length === 2;
    });
    expect(seen.sort()).toEqual([`${udpId}:from udp`, `${wsId}:from ws`]);
    expect(toUdp).toEqual([`echo from udp via ${udpId}`]);
    expect(toWs).toEqual([`echo from ws via ${wsId}`]);

    // beginSend/endSend and disconnect route too.
    const w = multi.beginSend(pipe, b, 4);
    expect(w.status).toBe(0);
    w.writer.writeBytes(text('last'));
    expect(multi.endSend(w.writer)).toBe(4);
    expect(multi.disconnect(a)).toBe(0);
    expect(multi.getConnectionState(a)).toBe(ConnectionState.Disconnected);
  });

  it('connects as a client through one of its drivers and tags events with that driver', async () => {
    const { driver: server } = await wsServer();
    const multi = MultiNetworkDriver.create();
    cleanup.push(() => multi.dispose());
    const udpId = multi.addDriver(NetworkDriver.create());
    const wsId = multi.addDriver(wsClient());
    const c = multi.connect(wsId, server.localEndpoint());
    expect(c.driverId).toBe(wsId);
    let s: NetworkConnection | null = null;
    const types: number[] = [];
    await pump([multi, server], () => {
      s ??= server.accept();
      const ev = new NetworkEvent();
      while (multi.popEventForConnection(c, ev) !== NetworkEventType.Empty) { types.push(ev.type); expect(ev.connection).toBe(c); }
      return s !== null && types.includes(NetworkEventType.Connect);
    });
    expect(multi.getDriver(udpId).getStatistics().connections).toBe(0);
  });

  it('refuses foreign handles and drivers with a different pipeline count', async () => {
    const multi = MultiNetworkDriver.create();
    cleanup.push(() => multi.dispose());
    const one = NetworkDriver.create();
    one.createPipeline(NullPipelineStage);
    multi.addDriver(one);
    expect(() => multi.addDriver(NetworkDriver.create())).toThrow(/pipelines/);
    expect(() => multi.addDriver(one)).toThrow(/already/);
    const plain = new NetworkConnection(0, 1); // a handle that did not come from the multi-driver
    expect(multi.send(plain, 0, text('x'))).toBe(-1);
    expect(() => multi.getDriverForConnection(plain)).toThrow(/not obtained/);
  });
});
