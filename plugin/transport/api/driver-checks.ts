// The checks behind the `UtpError`s `NetworkDriver` throws for API misuse: pure functions, one per rule, so the
// driver reads as a facade over the stack. Each message says what to do instead.
import type { NetworkConnection } from './connection.ts';
import { UtpError } from './errors.ts';
import type { NetworkSettings } from './settings.ts';
import { StatusCode } from './status-codes.ts';
import type { ConnectionRecord } from '../layers/connection-list.ts';
import { HANDSHAKE_HEADER_SIZE } from '../layers/simple-connection.ts';
import type { PipelineOptions } from '../stages/pipeline.ts';
import type { PipelineStage } from '../stages/pipeline-stage.ts';

export function checkCreated(created: boolean): void {
  if (!created) throw new UtpError('this NetworkDriver was disposed: create a new one');
}

export function checkBindable(bound: boolean, binding: boolean): void {
  if (bound || binding) throw new UtpError('driver is already bound: create another driver to bind elsewhere');
}

export function checkListenable(bound: boolean): void {
  if (!bound) throw new UtpError('listen() needs a bound driver: await driver.bind(endpoint) first');
}

/** A connect or accept payload must fit one handshake packet (spec §3.2): `maxMessageSize − 25` bytes on UDP. */
export function checkHandshakePayload(what: string, payload: Uint8Array | null | undefined, settings: NetworkSettings, packetPadding: number): void {
  const max = settings.networkConfig.maxMessageSize - packetPadding - HANDSHAKE_HEADER_SIZE - 2;
  if (payload && payload.length > max) {
    throw new UtpError(`${what} payload of ${payload.length} bytes exceeds the ${max}-byte limit (spec §3.2)`, StatusCode.NetworkPacketOverflow);
  }
}

export function checkRange(bytes: Uint8Array, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > bytes.length) {
    throw new UtpError(`send: offset ${offset} and length ${length} are outside the ${bytes.length}-byte array`);
  }
}

/** One `beginSend` at a time, and no `send` while it is open (the driver and `MultiNetworkDriver`). */
export function checkNoOpenSend(open: boolean, call: 'beginSend' | 'send' = 'beginSend'): void {
  if (!open) return;
  throw new UtpError(call === 'send'
    ? 'send() called while a beginSend is open: call endSend or abortSend first'
    : 'beginSend called while another send is open: call endSend or abortSend first');
}

/** `endSend` / `abortSend` need an open send, and the writer `beginSend` returned (`writerMatches`). */
export function checkOpenSend(open: boolean, writerMatches = true): void {
  if (!open || !writerMatches) throw new UtpError('endSend/abortSend needs the writer returned by beginSend', StatusCode.NetworkSendHandleInvalid);
}

export function checkLive(rec: ConnectionRecord | undefined, connection: NetworkConnection): asserts rec is ConnectionRecord {
  if (!rec) throw new UtpError(`no live connection ${connection}`, StatusCode.NetworkIdMismatch);
}

/** `createPipeline`'s arguments: an optional options object, then the stages. */
export function pipelineArguments(args: Array<PipelineStage<any> | PipelineOptions>): [PipelineOptions, PipelineStage[]] {
  return args.length && !isStage(args[0]) ? [args[0] as PipelineOptions, args.slice(1) as PipelineStage[]] : [{}, args as PipelineStage[]];
}

function isStage(x: unknown): x is PipelineStage {
  return typeof x === 'object' && x !== null && typeof (x as PipelineStage).send === 'function';
}
