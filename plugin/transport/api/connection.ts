/**
 * Mirrors UTP's `NetworkConnection`: a handle (id + version) to a connection of one driver. A handle kept
 * after its connection closed is stale: the driver refuses it with `NetworkVersionMismatch` (-2) even when
 * the id has been reused, because the version differs.
 */
export class NetworkConnection {
  /** Index in the driver's connection list (UTP's `InternalId`). */
  readonly id: number;
  /** Incremented each time the id is reused (UTP's `Version`). */
  readonly version: number;

  /** A handle to connection slot `id` at `version`. Drivers create these; applications get them from `connect`, `accept` and events. */
  constructor(id: number, version: number) {
    this.id = id;
    this.version = version;
  }

  /** Mirrors `NetworkConnection.Null` / `default`: never valid. */
  static readonly Null = new NetworkConnection(-1, 0);

  /** Mirrors `IsCreated`: false only for `NetworkConnection.Null`. */
  get isCreated(): boolean {
    return this.id >= 0;
  }

  /** Same id and version (UTP: `==` on `NetworkConnection`). */
  equals(other: NetworkConnection): boolean {
    return this.id === other.id && this.version === other.version;
  }

  /** `NetworkConnection[idN,vM]`, as UTP prints it. */
  toString(): string {
    return `NetworkConnection[id${this.id},v${this.version}]`;
  }
}
