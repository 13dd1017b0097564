// UtpTransport with DTLS on its UDP port (`udp: { dtls }`) and a Node UtpSDK client with `utp.dtls`: the room's
// messages travel encrypted, and a client that does not trust the server's certificate cannot join.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Room, type Client } from '@colyseus/core';
import { UtpSDK } from '../../../plugin/colyseus/index.ts';
import { UtpTransport } from '../../../plugin/colyseus/server/index.ts';
import { startColyseusServer, type StartedColyseusServer } from '../../../plugin/colyseus/testing/index.ts';
import { makeTestPki, type TestPki } from '../../support/openssl.ts';

class EchoRoom extends Room {
  override onCreate(): void {
    this.onMessage('echo', (client: Client, text: string) => client.send('echo', text));
  }
}

let pki: TestPki;
let server: StartedColyseusServer;
beforeAll(async () => {
  pki = makeTestPki();
  const transport = new UtpTransport({ webRtc: false, udp: { dtls: { certificate: pki.pem('server.pem'), privateKey: pki.pem('server.key') } } });
  server = await startColyseusServer({ transport, rooms: { echo: EchoRoom } });
});
afterAll(async () => { await server?.shutdown(); pki?.dispose(); });

describe('UtpTransport over DTLS', () => {
  it('a client that trusts the CA joins and exchanges messages', async () => {
    const sdk = new UtpSDK(server.endpoint, { utp: { carrier: 'udp', dtls: { caCertificate: pki.pem('ca.pem'), serverName: 'game.test' } } });
    const room = await sdk.joinOrCreate('echo');
    const reply = new Promise<string>((resolve) => room.onMessage('echo', resolve));
    room.send('echo', 'secret');
    expect(await reply).toBe('secret');
    await room.leave();
  }, 30_000);

  it('a client that trusts another CA cannot join', async () => {
    const sdk = new UtpSDK(server.endpoint, { utp: { carrier: 'udp', dtls: { caCertificate: pki.pem('other-ca.pem'), serverName: 'game.test' } } });
    await expect(sdk.joinOrCreate('echo')).rejects.toThrow(/AuthenticationFailure/);
  }, 30_000);
});
