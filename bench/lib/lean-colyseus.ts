// A load generator for Colyseus over UTP that costs little per join, so that a benchmark measures the servers, not
// itself. To a server its clients are UtpSDK's: the same matchmaking request over HTTP, the same UTP connect payload
// (`/<processId>/<roomId>?sessionId=…`), pipelines, JOIN_ROOM acknowledgement, initial state and consented leave.
// What it saves is client-side only: one UDP socket and one NetworkDriver carry every client (a UTP client
// connection is told apart by its token, not its port), one timer drives them all, matchmaking reuses keep-alive
// HTTP connections (keep-alive-http.ts), and frames are only classified by their first byte: the initial state and the patches are
// received and counted but not decoded (the SDK decodes them with @colyseus/schema).
import {
  CODE_MASK, ERROR, JOIN_ACK, JOIN_ROOM, LEAVE_ROOM, ROOM_STATE, ROOM_STATE_PATCH, joinOrCreateSeat, type Seat,
} from './colyseus-protocol.ts';
import { KeepAliveHttp } from './keep-alive-http.ts';
import { udpDrops } from './udp.ts';
import {
  DriverLoop, NetworkDriver, NetworkEndpoint, NetworkEvent, NetworkEventType, UDPNetworkInterface,
  type NetworkConnection,
} from '../../plugin/transport/index.ts';
import {
  CloseCodes, RELIABLE_PIPELINE, createColyseusPipelines, decodeCloseFrame, defaultClientSettings,
} from '../../plugin/colyseus/index.ts';

const CONTROL_FRAME = 0xff;
const LEAVE = new Uint8Array([LEAVE_ROOM]);
const encoder = new TextEncoder();

/** One joined client: counts what the server sends it until it leaves. */
export class LeanRoom {
  readonly sessionId: string;
  readonly roomId: string;
  /** Size of the initial state frame (ROOM_STATE) in bytes. */
  stateBytes = 0;
  /** State patches received (reliable and unreliable). */
  patches = 0;
  /** @internal */
  connection: NetworkConnection | null = null;
  #joined: { resolve: (r: LeanRoom) => void; reject: (e: Error) => void } | null;
  #left: ((code: number) => void) | null = null;
  readonly #owner: LeanColyseusClients;

  constructor(owner: LeanColyseusClients, seat: Seat, joined: { resolve: (r: LeanRoom) => void; reject: (e: Error) => void }) {
    this.#owner = owner;
    this.sessionId = seat.sessionId;
    this.roomId = seat.roomId;
    this.#joined = joined;
  }

  /** Consented leave, as `room.leave()`: LEAVE_ROOM, then the server's close frame (4000), then UTP Disconnect. */
  leave(): Promise<number> {
    return new Promise((resolve) => {
      if (!this.connection) { resolve(CloseCodes.CONSENTED); return; }
      this.#left = resolve;
      this.#owner.send(this.connection, LEAVE);
    });
  }

  /** @internal A reliable-pipeline frame from the server. */
  frame(bytes: Uint8Array, at: number, length: number): void {
    const code = bytes[at] & CODE_MASK;
    if (bytes[at] === CONTROL_FRAME) {
      const close = decodeCloseFrame(bytes.subarray(at, at + length));
      if (close) this.closed(close.code, close.reason);
    } else if (code === ROOM_STATE_PATCH) {
      this.patches++;
    } else if (code === JOIN_ROOM) {
      this.#owner.send(this.connection!, JOIN_ACK);
    } else if (code === ROOM_STATE) {
      this.stateBytes = length;
      const joined = this.#joined;
      this.#joined = null;
      joined?.resolve(this);
    } else if (code === ERROR) {
      this.closed(CloseCodes.WITH_ERROR, 'server error frame');
    }
  }

  /** @internal The connection ended (close frame, Disconnect or timeout): settles whatever waits. */
  closed(code: number, reason: string): void {
    if (this.connection) this.#owner.release(this.connection);
    this.connection = null;
    const joined = this.#joined;
    this.#joined = null;
    joined?.reject(new Error(`join failed: ${code} ${reason}`));
    const left = this.#left;
    this.#left = null;
    left?.(code);
  }
}

/** Many Colyseus clients on one UDP socket and one driver (see the file comment). */
export class LeanColyseusClients {
  readonly #driver: NetworkDriver;
  readonly #loop: DriverLoop;
  readonly #rooms = new Map<number, LeanRoom>();
  readonly #event = new NetworkEvent();
  readonly #http = new KeepAliveHttp();
  #flushScheduled = false;

  private constructor(driver: NetworkDriver) {
    this.#driver = driver;
    this.#loop = new DriverLoop(driver, this.#tick);
  }

  /**
   * Binds one UDP socket on 127.0.0.1 with UtpSDK's default settings and pipelines. Its receive buffer is 4 MiB
   * (as far as net.core.rmem_max allows): every server writes to this one socket, where each SDK client had its own.
   */
  static async create(): Promise<LeanColyseusClients> {
    const settings = defaultClientSettings();
    const iface = new UDPNetworkInterface({ receiveBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    const driver = NetworkDriver.create({ networkInterface: iface, settings });
    await driver.bind(NetworkEndpoint.parse('127.0.0.1', 0));
    createColyseusPipelines(driver, settings);
    const clients = new LeanColyseusClients(driver);
    clients.#loop.start();
    return clients;
  }

  /** Connections open now. */
  get open(): number {
    return this.#rooms.size;
  }

  /** Datagrams sent and received so far, those the kernel dropped for the socket, and HTTP connections opened. */
  statistics(): { packetsSent: number; packetsReceived: number; udpDrops: number; httpConnections: number } {
    const s = this.#driver.getStatistics();
    return {
      packetsSent: s.packetsSent, packetsReceived: s.packetsReceived,
      udpDrops: udpDrops(this.#driver.localEndpoint().port), httpConnections: this.#http.opened,
    };
  }

  /** `POST /matchmake/joinOrCreate/<name>` on `httpPort`, then the UTP connection to the seat's process, until the initial state arrived. */
  async joinOrCreate(httpPort: number, name: string, options: object): Promise<LeanRoom> {
    const seat = await joinOrCreateSeat(this.#http, httpPort, name, options);
    const [host, port] = (seat.publicAddress ?? `127.0.0.1:${httpPort}`).split(':');
    return new Promise<LeanRoom>((resolve, reject) => {
      const room = new LeanRoom(this, seat, { resolve, reject });
      const payload = encoder.encode(`/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
      room.connection = this.#driver.connect(NetworkEndpoint.parse(host, Number(port)), payload);
      this.#rooms.set(room.connection.id, room);
      this.#loop.schedule();
    });
  }

  /** Stops the timer and closes the socket. */
  dispose(): void {
    this.#loop.stop();
    this.#http.close();
    this.#driver.dispose();
  }

  /** @internal One frame on the reliable pipeline; the datagram leaves with the next flush of this turn. */
  send(connection: NetworkConnection, frame: Uint8Array): void {
    if (this.#driver.send(connection, RELIABLE_PIPELINE, frame) < 0) return;
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flush);
  }

  /** @internal UTP Disconnect for a connection that ended, and forget it. */
  release(connection: NetworkConnection): void {
    this.#rooms.delete(connection.id);
    this.#driver.disconnect(connection);
    this.#loop.schedule();
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#driver.isCreated) this.#driver.flush();
  };

  readonly #tick = (): void => {
    const driver = this.#driver;
    driver.update();
    const ev = this.#event;
    while (driver.popEvent(ev) !== NetworkEventType.Empty) {
      const room = this.#rooms.get(ev.connection.id);
      if (!room || room.connection?.version !== ev.connection.version) continue;
      if (ev.type === NetworkEventType.Data) {
        if (ev.length > 0) {
          if (ev.pipeline.id === RELIABLE_PIPELINE) room.frame(ev.bytes, ev.offset, ev.length);
          else if ((ev.bytes[ev.offset] & CODE_MASK) === ROOM_STATE_PATCH) room.patches++;
        }
      } else if (ev.type === NetworkEventType.Disconnect) {
        room.connection = null; // closed by the driver already
        this.#rooms.delete(ev.connection.id);
        room.closed(CloseCodes.ABNORMAL_CLOSURE, 'UTP disconnect');
      }
    }
    driver.flush();
  };
}
