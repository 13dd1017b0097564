/**
 * UTP over DTLS end to end: two NetworkDrivers on 127.0.0.1 over UDP whose settings carry secure parameters, so
 * their stacks hold a DtlsLayer (UTP's NetworkDriver.Create with WithSecure…Parameters).
 * Checks UTP's header budget with DTLS (spec §2.4: padding 39, 1361 bytes on pipeline 0), reliable data both
 * ways, and that a failed handshake surfaces as a Disconnect with AuthenticationFailure.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionState, DisconnectReason, NetworkDriver, NetworkEndpoint, NetworkEventType, NetworkSettings,
  ReliableSequencedPipelineStage, type NetworkConnection,
} from '../../../plugin/index.ts';
import { makeTestPki, type TestPki } from '../../support/openssl.ts';
import { drain } from '../../support/driver.ts';
import { pump } from '../../support/pump.ts';

let pki: TestPki;
beforeAll(() => { pki = makeTestPki(); });
afterAll(() => pki?.dispose());
const drivers: NetworkDriver[] = [];
afterEach(() => { for (const d of drivers.splice(0)) d.dispose(); });

function secureDriver(settings: NetworkSettings): NetworkDriver {
  const d = NetworkDriver.create(settings);
  drivers.push(d);
  return d;
}

async function secureServer(): Promise<NetworkDriver> {
  const server = secureDriver(new NetworkSettings().withSecureServerParameters(pki.pem('server.pem'), pki.pem('server.key')));
  await server.bind(NetworkEndpoint.loopbackIpv4.withPort(0));
  server.listen();
  return server;
}

describe('UTP over DTLS (withSecure…Parameters)', () => {
  it('connects with certificates, keeps UTP\'s header budget and carries reliable data both ways', async () => {
    const server = await secureServer();
    const client = secureDriver(new NetworkSettings().withSecureClientParameters(pki.pem('ca.pem'), 'game.test'));
    const reliableC = client.createPipeline(ReliableSequencedPipelineStage);
    const reliableS = server.createPipeline(ReliableSequencedPipelineStage);
    expect(client.packetPadding).toBe(39);                         // spec §2.4: UDP + DTLS
    expect(client.maxHeaderSize(reliableC)).toBe(39 + 12);
    const c = client.connect(server.localEndpoint(), new TextEncoder().encode('token'));
    let s: NetworkConnection | null = null;
    await pump([client, server], () => { s ??= server.accept(); return s !== null && client.getConnectionState(c) === ConnectionState.Connected; });

    const got: string[] = [];
    client.send(c, reliableC, new TextEncoder().encode('ping'));
    await pump([client, server], () => {
      for (const e of drain(server)) if (e.type === NetworkEventType.Data) { got.push(e.data); server.send(s!, reliableS, new TextEncoder().encode('pong')); }
      for (const e of drain(client)) if (e.type === NetworkEventType.Data) got.push(`client:${e.data}`);
      return got.length === 2;
    });
    expect(got).toEqual([Buffer.from('ping').toString('hex'), `client:${Buffer.from('pong').toString('hex')}`]);
  });

  it('reports a server it cannot trust as a Disconnect with AuthenticationFailure', async () => {
    const server = await secureServer();
    const client = secureDriver(new NetworkSettings().withSecureClientParameters(pki.pem('other-ca.pem'), 'game.test'));
    const c = client.connect(server.localEndpoint());
    const events: { type: number; data: string }[] = [];
    await pump([client, server], () => { events.push(...drain(client)); return events.some((e) => e.type === NetworkEventType.Disconnect); });
    expect(events.find((e) => e.type === NetworkEventType.Disconnect)!.data).toBe(`0${DisconnectReason.AuthenticationFailure}`);
    expect(client.getConnectionState(c)).toBe(ConnectionState.Disconnected);
    expect(server.accept()).toBeNull();
  });
});
