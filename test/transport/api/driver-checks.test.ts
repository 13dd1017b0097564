// Every API-misuse rule of driver-checks.ts, through the driver: a UtpError whose message says what to do, with the
// closest status code where one applies. Runtime conditions (stale handles, closed connections) return codes instead.
import { describe, expect, it } from 'vitest';
import {
  ConnectionState, IPCNetwork, IPCNetworkInterface, MultiNetworkDriver, NetworkConnection, NetworkDriver, NetworkEndpoint, NetworkEvent,
  NetworkEventType, NetworkSettings, ReliableSequencedPipelineStage, StatusCode, UtpError,
} from '../../../plugin/index.ts';
import { makeDriver } from '../../support/driver.ts';

function caught(f: () => unknown): UtpError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UtpError);
    return err as UtpError;
  }
  throw new Error('expected a UtpError');
}

async function connected(): Promise<{ client: NetworkDriver; server: NetworkDriver; connection: NetworkConnection }> {
  const net = new IPCNetwork();
  const server = await makeDriver(net, 9000);
  const client = await makeDriver(net, 0, new NetworkSettings(), false);
  for (const d of [client, server]) d.createPipeline(ReliableSequencedPipelineStage);
  const connection = client.connect(server.localEndpoint());
  const ev = new NetworkEvent();
  for (let t = 0; t < 10 && client.getConnectionState(connection) !== ConnectionState.Connected; t++) {
    client.update(t * 10); server.update(t * 10);
    while (server.accept()) { /* accept */ }
    while (server.popEvent(ev) !== NetworkEventType.Empty) { /* drain */ }
  }
  expect(client.getConnectionState(connection)).toBe(ConnectionState.Connected);
  return { client, server, connection };
}

describe('NetworkDriver API misuse', () => {
  it('a disposed driver refuses every call that needs it, with what to do', async () => {
    const d = NetworkDriver.create(new IPCNetworkInterface(new IPCNetwork()));
    d.dispose();
    expect(d.isCreated).toBe(false);
    for (const call of [() => d.update(0), () => d.listen(), () => d.accept(), () => d.createPipeline(), () => d.connect(NetworkEndpoint.loopbackIpv4.withPort(1))]) {
      expect(caught(call).message).toBe('this NetworkDriver was disposed: create a new one');
    }
    await expect(d.bind(NetworkEndpoint.loopbackIpv4)).rejects.toThrow('this NetworkDriver was disposed: create a new one');
  });

  it('bind twice and listen before bind are refused', async () => {
    const d = NetworkDriver.create(new IPCNetworkInterface(new IPCNetwork()));
    expect(caught(() => d.listen()).message).toBe('listen() needs a bound driver: await driver.bind(endpoint) first');
    const first = d.bind(NetworkEndpoint.loopbackIpv4.withPort(7000));
    await expect(d.bind(NetworkEndpoint.loopbackIpv4.withPort(7001))).rejects.toThrow('driver is already bound: create another driver to bind elsewhere');
    await first;
    expect(d.bound).toBe(true);
    await expect(d.bind(NetworkEndpoint.loopbackIpv4.withPort(7001))).rejects.toThrow('driver is already bound');
    d.listen();
    expect(d.listening).toBe(true);
  });

  it('a handshake payload larger than one packet allows is refused with NetworkPacketOverflow', async () => {
    const d = await makeDriver(new IPCNetwork(), 7000);
    const max = d.settings.networkConfig.maxMessageSize - 25; // 1375 on UDP-sized packets (§3.2)
    const big = caught(() => d.setAcceptPayload(new Uint8Array(max + 1)));
    expect(big.message).toBe(`accept payload of ${max + 1} bytes exceeds the ${max}-byte limit (spec §3.2) (NetworkPacketOverflow -4)`);
    expect(big.code).toBe(StatusCode.NetworkPacketOverflow);
    expect(caught(() => d.connect(NetworkEndpoint.loopbackIpv4.withPort(9), new Uint8Array(max + 1))).message).toMatch(/^connect payload of/);
    expect(() => d.setAcceptPayload(new Uint8Array(max))).not.toThrow();
  });

  it('send: a range outside the array, or a send while beginSend is open, is refused', async () => {
    const { client, connection } = await connected();
    const bytes = new Uint8Array(8);
    expect(caught(() => client.send(connection, 1, bytes, 4, 5)).message).toBe('send: offset 4 and length 5 are outside the 8-byte array');
    expect(caught(() => client.send(connection, 1, bytes, -1, 2)).message).toMatch(/outside the 8-byte array/);
    const open = client.beginSend(1, connection);
    expect(open.status).toBe(StatusCode.Success);
    expect(caught(() => client.send(connection, 1, bytes)).message).toBe('send() called while a beginSend is open: call endSend or abortSend first');
    expect(caught(() => client.beginSend(1, connection)).message).toBe('beginSend called while another send is open: call endSend or abortSend first');
    client.abortSend(open.writer);
    expect(client.send(connection, 1, bytes)).toBe(8);
  });

  it('endSend / abortSend need the open send and its writer', async () => {
    const { client, connection } = await connected();
    const { writer } = client.beginSend(1, connection);
    client.abortSend(writer);
    const stale = caught(() => client.endSend(writer));
    expect(stale.message).toBe('endSend/abortSend needs the writer returned by beginSend (NetworkSendHandleInvalid -8)');
    expect(stale.code).toBe(StatusCode.NetworkSendHandleInvalid);
    expect(client.beginSend(1, connection).writer).toBe(writer); // the driver's one writer, reused
    writer.writeByte(1);
    expect(client.endSend(writer)).toBe(1);
  });

  it('getPipelineBuffers needs a live connection and a pipeline with stages; stale handles elsewhere return codes', async () => {
    const { client, connection } = await connected();
    expect(client.getPipelineBuffers(1, 'ReliableSequenced', connection)).toBeTruthy();
    expect(caught(() => client.getPipelineBuffers(0, 0, connection)).message).toBe('pipeline 0 has no stages');
    const ghost = new NetworkConnection(connection.id, connection.version + 1);
    const noLive = caught(() => client.getPipelineBuffers(1, 0, ghost));
    expect(noLive.code).toBe(StatusCode.NetworkIdMismatch);
    expect(noLive.message).toMatch(/^no live connection /);
    expect(client.disconnect(ghost)).toBe(StatusCode.NetworkVersionMismatch);
    expect(client.disconnect(new NetworkConnection(99, 1))).toBe(StatusCode.NetworkIdMismatch);
    expect(client.send(ghost, 1, new Uint8Array(1))).toBe(StatusCode.NetworkVersionMismatch);
    expect(client.disconnect(connection)).toBe(StatusCode.Success);
    expect(client.getConnectionState(connection)).toBe(ConnectionState.Disconnected);
    expect(client.send(connection, 1, new Uint8Array(1))).toBe(StatusCode.NetworkStateMismatch);
  });

  it('MultiNetworkDriver applies the same send rules, with the same messages', async () => {
    const net = new IPCNetwork();
    const server = await makeDriver(net, 9000);
    const client = await makeDriver(net, 0, new NetworkSettings(), false);
    const multi = MultiNetworkDriver.create();
    multi.addDriver(server);
    multi.createPipeline();
    client.createPipeline();
    client.connect(server.localEndpoint());
    let accepted = null;
    for (let t = 0; t < 10 && !accepted; t++) { client.update(t * 10); multi.update(t * 10); accepted = multi.accept(); }
    expect(accepted).not.toBeNull();
    const open = multi.beginSend(1, accepted!);
    expect(open.status).toBe(StatusCode.Success);
    expect(caught(() => multi.beginSend(1, accepted!)).message).toBe('beginSend called while another send is open: call endSend or abortSend first');
    multi.abortSend(open.writer);
    expect(caught(() => multi.abortSend(open.writer)).message).toBe('endSend/abortSend needs the writer returned by beginSend (NetworkSendHandleInvalid -8)');
    expect(caught(() => multi.endSend(open.writer)).code).toBe(StatusCode.NetworkSendHandleInvalid);
  });

  it('createPipeline takes an options object first, or stages only', async () => {
    const d = await makeDriver(new IPCNetwork(), 7000);
    expect(d.createPipeline().id).toBe(1);
    expect(d.createPipeline({}, ReliableSequencedPipelineStage).id).toBe(2);
    expect(d.createPipeline(ReliableSequencedPipelineStage).id).toBe(3);
    expect(caught(() => d.maxHeaderSize(4)).message).toMatch(/^unknown pipeline 4: create it with createPipeline/);
  });
});
