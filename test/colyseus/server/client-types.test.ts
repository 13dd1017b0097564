// `client.sendUnreliable` in a room, without a cast: checked by `npm run typecheck` (this file is part of it) and
// at run time for the guard.
import { Room, type Client } from '@colyseus/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { UtpClient, isUtpClient, type ClientConnection } from '../../../plugin/colyseus/server/client.ts';

export class TypedRoom extends Room<{ client: UtpClient }> {
  override onCreate(): void {
    // Colyseus' `Client` (what onMessage handlers get): utp-ts declares the optional method on it.
    this.onMessage('move', (client, message: { x: number }) => client.sendUnreliable?.('moved', message));
    this.onMessage('guarded', (client, message: string) => {
      if (isUtpClient(client)) client.sendUnreliable('echo', message); // narrowed: always present
    });
  }

  // `Room<{ client: UtpClient }>` types the lifecycle hooks with UtpClient.
  override onJoin(client: UtpClient): void {
    client.sendUnreliable('welcome', { carrier: client.carrier });
  }
}

describe('sendUnreliable typing', () => {
  it('is optional on Colyseus Client, required on UtpClient', () => {
    expectTypeOf<Client['sendUnreliable']>().toEqualTypeOf<((type: string | number, message?: unknown) => void) | undefined>();
    expectTypeOf<UtpClient['sendUnreliable']>().toEqualTypeOf<(type: string | number, message?: unknown) => void>();
    // @ts-expect-error: a client of another transport may not have it, so the plain call is refused
    ((client: Client) => client.sendUnreliable('x'))satisfies unknown;
    expect(UtpClient.prototype.sendUnreliable).toBeTypeOf('function'); // the type's promise holds at run time
  });

  it('isUtpClient tells UtpTransport clients from others', () => {
    const connection: ClientConnection = {
      readyState: 1, remoteAddress: '127.0.0.1', carrier: 'udp', latencyMs: 0,
      sendReliable: () => {}, sendUnreliable: () => true, close: () => {},
    };
    expect(isUtpClient(new UtpClient('s', connection))).toBe(true);
    expect(isUtpClient({ sessionId: 's', sendUnreliable: () => {} })).toBe(false);
    expect(isUtpClient(null)).toBe(false);
  });
});
