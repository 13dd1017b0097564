import { NetworkEndpoint } from '../../transport/api/endpoint.ts';
import { UtpError } from '../../transport/api/errors.ts';
import { ALLOCATION_ID_SIZE, CONNECTION_DATA_SIZE, HMAC_KEY_SIZE, padConnectionData } from '../wire/messages.ts';

/** Relay connection types UTP accepts (spec §7.3, `RelayServerData.cs:88-106`). */
export type RelayConnectionType = 'udp' | 'dtls' | 'ws' | 'wss';
const connectionTypes: readonly string[] = ['udp', 'dtls', 'ws', 'wss'];

/** One entry of an allocation's `serverEndpoints`, with the field names of Unity's allocation service. */
export interface RelayServerEndpointJson {
  /** `'udp'`, `'dtls'`, `'ws'` or `'wss'`. */
  connectionType: string;
  /** The relay server's host name or IP address. */
  host: string;
  /** The relay server's port for this connection type. */
  port: number;
  /** Whether the connection type is encrypted (dtls, wss); informational, `connectionType` decides. */
  secure?: boolean;
  /** The service's transport label (`'udp'` or `'tcp'`); informational. */
  network?: string;
  /** Whether the transport is reliable (ws, wss); informational. */
  reliable?: boolean;
}

/**
 * An allocation as Unity's Relay allocation service returns it (`data.allocation` of `POST /v1/allocate`
 * or `POST /v1/join`), and as our `AllocationApi` returns it. Byte fields are base64.
 */
export interface RelayAllocationJson {
  /** The allocation id as a UUID string. */
  allocationId: string;
  /** The id's 16 bytes in protocol order (base64); preferred over `allocationId` when present. */
  allocationIdBytes?: string;
  /** The 64-byte HMAC key of the BIND message (base64). */
  key: string;
  /** This allocation's connection data (base64). */
  connectionData: string;
  /** Join allocations only: the host's connection data (base64). */
  hostConnectionData?: string;
  /** The relay server's endpoints, one per connection type. */
  serverEndpoints: RelayServerEndpointJson[];
  /** Deprecated by Unity in favour of `serverEndpoints`: the UDP endpoint. */
  relayServer?: {
    /** The relay server's IPv4 address. */
    ipV4: string;
    /** Its UDP port. */
    port: number;
  };
  /** The region the allocation lives in (`'local'` from our `AllocationApi` by default); informational. */
  region?: string;
}

/** Fields of the low-level constructor. Byte arrays shorter than their wire size are zero-padded. */
export interface RelayServerDataInit {
  /** The relay server: numeric for udp/dtls; for ws/wss the `Custom` endpoint whose address is the URL. */
  endpoint: NetworkEndpoint;
  /** Our allocation id (16 bytes). UTP's `AllocationId`. */
  allocationId: Uint8Array;
  /** Our connection data (at most 255 bytes). UTP's `ConnectionData`. */
  connectionData: Uint8Array;
  /** The host's connection data; a host passes its own (the default). */
  hostConnectionData?: Uint8Array;
  /** The HMAC key, at most 64 bytes. */
  key: Uint8Array;
  /** How the relay server is reached. Default `'udp'`. */
  connectionType?: RelayConnectionType;
  /** Starting BIND nonce; 0 as in every UTP constructor but the low-level one (`RelayServerData.cs:59`). */
  nonce?: number;
}

/**
 * Mirrors UTP's `RelayServerData`: how to reach the Relay server and who we are there. Build it from an
 * allocation with `fromAllocation`, or from raw values with `create` (UTP's byte-array constructor) or the
 * constructor (UTP's low-level one).
 *
 * ```ts
 * const res = await fetch(`${api}/v1/join`, { method: 'POST', body: JSON.stringify({ joinCode }) });
 * const data = RelayServerData.fromAllocation((await res.json()).data.allocation, 'udp');
 * ```
 */
export class RelayServerData {
  /** Mirrors `Endpoint`. */
  readonly endpoint: NetworkEndpoint;
  /** Mirrors `Nonce`: the first BIND's nonce. */
  readonly nonce: number;
  /** Mirrors `AllocationId` (16 bytes). */
  readonly allocationId: Uint8Array;
  /** Mirrors `ConnectionData` (zero-padded to 255 bytes). */
  readonly connectionData: Uint8Array;
  /** Mirrors `HostConnectionData` (zero-padded to 255 bytes). */
  readonly hostConnectionData: Uint8Array;
  /** Mirrors `HMACKey` (64 bytes; a shorter key is zero-padded, which leaves HMAC-SHA256 unchanged). */
  readonly hmacKey: Uint8Array;
  /** How the relay server is reached: `'udp'`, `'dtls'`, `'ws'` or `'wss'` (UTP's connection type string). */
  readonly connectionType: RelayConnectionType;
  /** Mirrors `IsSecure`: DTLS or WSS (`RelayServerData.cs:88-106`). */
  readonly isSecure: boolean;
  /** Mirrors `IsWebSocket`. */
  readonly isWebSocket: boolean;

  /** UTP's low-level constructor: checks the sizes, zero-pads connection data and key. Throws `UtpError` on a bad field. */
  constructor(init: RelayServerDataInit) {
    const type = init.connectionType ?? 'udp';
    if (!connectionTypes.includes(type)) throw new UtpError(`Relay connection type must be one of ${connectionTypes.join(', ')}, got '${type}'`);
    if (init.allocationId.length !== ALLOCATION_ID_SIZE) throw new UtpError(`Relay allocation id must be ${ALLOCATION_ID_SIZE} bytes, got ${init.allocationId.length}`);
    if (init.key.length > HMAC_KEY_SIZE) throw new UtpError(`Relay HMAC key is at most ${HMAC_KEY_SIZE} bytes, got ${init.key.length}`);
    for (const [name, d] of [['connection data', init.connectionData], ['host connection data', init.hostConnectionData]] as const) {
      if (d && d.length > CONNECTION_DATA_SIZE) throw new UtpError(`Relay ${name} is at most ${CONNECTION_DATA_SIZE} bytes, got ${d.length}`);
    }
    const nonce = init.nonce ?? 0;
    if (!Number.isInteger(nonce) || nonce < 0 || nonce > 0xffff) throw new UtpError(`Relay nonce must be an integer in 0..65535, got ${nonce}`);
    this.endpoint = init.endpoint;
    this.nonce = nonce;
    this.allocationId = init.allocationId.slice();
    this.connectionData = padConnectionData(init.connectionData);
    this.hostConnectionData = padConnectionData(init.hostConnectionData ?? init.connectionData);
    this.hmacKey = new Uint8Array(HMAC_KEY_SIZE);
    this.hmacKey.set(init.key);
    this.connectionType = type;
    this.isSecure = type === 'dtls' || type === 'wss';
    this.isWebSocket = type === 'ws' || type === 'wss';
  }

  /**
   * Mirrors the constructor `RelayServerData(host, port, allocationId, connectionData, hostConnectionData,
   * key, isSecure, isWebSocket)`. For UDP the host must be a numeric address (resolve names first); for
   * WebSocket it may be a host name, and the endpoint becomes the URL `ws[s]://host:port/`.
   */
  static create(
    host: string, port: number, allocationId: Uint8Array, connectionData: Uint8Array, hostConnectionData: Uint8Array,
    key: Uint8Array, isSecure: boolean, isWebSocket = false,
  ): RelayServerData {
    const connectionType: RelayConnectionType = isWebSocket ? (isSecure ? 'wss' : 'ws') : isSecure ? 'dtls' : 'udp';
    return new RelayServerData({
      endpoint: relayEndpoint(host, port, connectionType), allocationId, connectionData, hostConnectionData, key, connectionType,
    });
  }

  /**
   * From an allocation object of Unity's allocation service (host or join allocation, field names as the
   * service returns them) and the wanted connection type, like the Relay SDK's
   * `new RelayServerData(allocation, "udp")`. Throws `UtpError` if the allocation has no endpoint of that type.
   */
  static fromAllocation(allocation: RelayAllocationJson, connectionType: RelayConnectionType = 'udp'): RelayServerData {
    const ep = allocation.serverEndpoints?.find((e) => e.connectionType === connectionType) ??
      (connectionType === 'udp' && allocation.relayServer ? { connectionType, host: allocation.relayServer.ipV4, port: allocation.relayServer.port } : undefined);
    if (!ep) {
      const have = (allocation.serverEndpoints ?? []).map((e) => e.connectionType).join(', ') || 'none';
      throw new UtpError(`the allocation has no '${connectionType}' server endpoint (it has: ${have})`);
    }
    const allocationId = allocation.allocationIdBytes ? fromBase64(allocation.allocationIdBytes, 'allocationIdBytes') : uuidBytes(allocation.allocationId);
    const connectionData = fromBase64(allocation.connectionData, 'connectionData');
    return new RelayServerData({
      endpoint: relayEndpoint(ep.host, ep.port, connectionType),
      allocationId,
      connectionData,
      hostConnectionData: allocation.hostConnectionData ? fromBase64(allocation.hostConnectionData, 'hostConnectionData') : connectionData,
      key: fromBase64(allocation.key, 'key'),
      connectionType,
    });
  }

  /** A copy with another starting nonce (UTP's low-level constructor takes one, e.g. to reuse an allocation). */
  withNonce(nonce: number): RelayServerData {
    return new RelayServerData({ ...this, key: this.hmacKey, nonce });
  }
}

/** The endpoint of a Relay server: numeric for udp/dtls, the `ws[s]://host:port/` URL for WebSocket. */
export function relayEndpoint(host: string, port: number, connectionType: RelayConnectionType): NetworkEndpoint {
  if (connectionType === 'ws' || connectionType === 'wss') {
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return NetworkEndpoint.custom(`${connectionType}://${h}:${port}/`, port);
  }
  const ep = NetworkEndpoint.tryParse(host, port);
  if (!ep) throw new UtpError(`a '${connectionType}' Relay endpoint needs a numeric address, got '${host}' (resolve the host name first)`);
  return ep;
}

/** Base64 (standard or URL alphabet) to bytes, with `atob` so that it also runs in browsers. */
export function fromBase64(text: string, what = 'value'): Uint8Array {
  if (typeof text !== 'string') throw new UtpError(`allocation field '${what}' must be a base64 string`);
  let bin: string;
  try {
    bin = atob(text.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, ''));
  } catch {
    throw new UtpError(`allocation field '${what}' is not valid base64`);
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Bytes to standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** A UUID string's 16 bytes in written order. */
export function uuidBytes(uuid: string): Uint8Array {
  const hex = typeof uuid === 'string' ? uuid.replace(/-/g, '') : '';
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new UtpError(`allocationId must be a UUID, got '${uuid}'`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** 16 bytes as a UUID string (`8-4-4-4-12`). */
export function bytesToUuid(b: Uint8Array): string {
  const h = Array.from(b.subarray(0, 16), (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
