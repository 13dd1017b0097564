/**
 * Mirrors Unity.Collections' `DataStreamWriter` / `DataStreamReader` as UTP uses them: plain writes are
 * little-endian (spec §1), the `*NetworkByteOrder` variants big-endian. A write that does not fit sets
 * `hasFailedWrites` and writes nothing, so an overflow can never corrupt a neighbouring packet.
 */

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Mirrors UTP's `DataStreamWriter`: writes into a fixed window `[offset, offset + capacity)` of a byte array. */
export class DataStreamWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #start: number;
  #capacity: number;
  #length = 0;
  #failed = false;

  /** A writer over `capacity` fresh bytes, or over an existing array (optionally a window of it). */
  constructor(capacityOrBytes: number | Uint8Array, offset = 0, capacity?: number) {
    const bytes = typeof capacityOrBytes === 'number' ? new Uint8Array(capacityOrBytes) : capacityOrBytes;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#start = offset;
    this.#capacity = capacity ?? bytes.length - offset;
  }

  /** Repoints the writer at another window (used by the driver to reuse one writer; no allocation). */
  reset(bytes: Uint8Array, offset: number, capacity: number): void {
    if (bytes !== this.#bytes) {
      this.#bytes = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.#start = offset;
    this.#capacity = capacity;
    this.#length = 0;
    this.#failed = false;
  }

  /** Bytes written so far (UTP's `Length`). */
  get length(): number { return this.#length; }
  /** Bytes this writer may hold (UTP's `Capacity`). */
  get capacity(): number { return this.#capacity; }
  /** True once any write did not fit (UTP's `HasFailedWrites`). */
  get hasFailedWrites(): boolean { return this.#failed; }
  /** The underlying array and where this writer's window starts: for zero-copy hand-off. */
  get buffer(): Uint8Array { return this.#bytes; }
  /** Where the writer's window starts in `buffer`. */
  get byteOffset(): number { return this.#start; }

  /** A view of the bytes written (no copy). */
  asUint8Array(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#start + this.#length);
  }

  /** Mirrors `Clear()`. */
  clear(): void {
    this.#length = 0;
    this.#failed = false;
  }

  #reserve(n: number): number {
    if (this.#failed || this.#length + n > this.#capacity) {
      this.#failed = true;
      return -1;
    }
    const at = this.#start + this.#length;
    this.#length += n;
    return at;
  }

  /** Writes one byte; false (and `hasFailedWrites`) if it does not fit. Mirrors UTP's `DataStreamWriter.WriteByte`. */
  writeByte(v: number): boolean { const at = this.#reserve(1); if (at < 0) return false; this.#bytes[at] = v; return true; }
  /** Writes `src` as it is; false if it does not fit (nothing is written then). Mirrors UTP's `WriteBytes`. */
  writeBytes(src: Uint8Array): boolean { const at = this.#reserve(src.length); if (at < 0) return false; this.#bytes.set(src, at); return true; }
  /** Writes a signed 16-bit integer, little-endian (UTP: `WriteShort`); false if it does not fit. */
  writeShort(v: number): boolean { const at = this.#reserve(2); if (at < 0) return false; this.#view.setInt16(at, v, true); return true; }
  /** Writes an unsigned 16-bit integer, little-endian (UTP: `WriteUShort`); false if it does not fit. */
  writeUShort(v: number): boolean { const at = this.#reserve(2); if (at < 0) return false; this.#view.setUint16(at, v, true); return true; }
  /** Writes a signed 32-bit integer, little-endian (UTP: `WriteInt`); false if it does not fit. */
  writeInt(v: number): boolean { const at = this.#reserve(4); if (at < 0) return false; this.#view.setInt32(at, v, true); return true; }
  /** Writes an unsigned 32-bit integer, little-endian (UTP: `WriteUInt`); false if it does not fit. */
  writeUInt(v: number): boolean { const at = this.#reserve(4); if (at < 0) return false; this.#view.setUint32(at, v, true); return true; }
  /** Writes a signed 64-bit integer (bigint), little-endian (UTP: `WriteLong`); false if it does not fit. */
  writeLong(v: bigint): boolean { const at = this.#reserve(8); if (at < 0) return false; this.#view.setBigInt64(at, v, true); return true; }
  /** Writes an unsigned 64-bit integer (bigint), little-endian (UTP: `WriteULong`); false if it does not fit. */
  writeULong(v: bigint): boolean { const at = this.#reserve(8); if (at < 0) return false; this.#view.setBigUint64(at, v, true); return true; }
  /** Writes a 32-bit float, little-endian (UTP: `WriteFloat`); false if it does not fit. */
  writeFloat(v: number): boolean { const at = this.#reserve(4); if (at < 0) return false; this.#view.setFloat32(at, v, true); return true; }
  /** Writes a 64-bit float, little-endian (UTP: `WriteDouble`); false if it does not fit. */
  writeDouble(v: number): boolean { const at = this.#reserve(8); if (at < 0) return false; this.#view.setFloat64(at, v, true); return true; }
  /** Writes a signed 16-bit integer, big-endian (UTP: `WriteShortNetworkByteOrder`); false if it does not fit. */
  writeShortNetworkByteOrder(v: number): boolean { const at = this.#reserve(2); if (at < 0) return false; this.#view.setInt16(at, v, false); return true; }
  /** Writes an unsigned 16-bit integer, big-endian (UTP: `WriteUShortNetworkByteOrder`); false if it does not fit. */
  writeUShortNetworkByteOrder(v: number): boolean { const at = this.#reserve(2); if (at < 0) return false; this.#view.setUint16(at, v, false); return true; }
  /** Writes a signed 32-bit integer, big-endian (UTP: `WriteIntNetworkByteOrder`); false if it does not fit. */
  writeIntNetworkByteOrder(v: number): boolean { const at = this.#reserve(4); if (at < 0) return false; this.#view.setInt32(at, v, false); return true; }
  /** Writes an unsigned 32-bit integer, big-endian (UTP: `WriteUIntNetworkByteOrder`); false if it does not fit. */
  writeUIntNetworkByteOrder(v: number): boolean { const at = this.#reserve(4); if (at < 0) return false; this.#view.setUint32(at, v, false); return true; }

  /**
   * Mirrors `WriteFixedString32/64/128/512/4096`: u16 LE byte length, then UTF-8. `maxBytes` is the fixed
   * string's content capacity (29 for FixedString32); longer strings fail rather than truncate.
   */
  writeFixedString(text: string, maxBytes = 4093): boolean {
    const encoded = textEncoder.encode(text);
    if (encoded.length > maxBytes || this.#length + 2 + encoded.length > this.#capacity) {
      this.#failed = true;
      return false;
    }
    return this.writeUShort(encoded.length) && this.writeBytes(encoded);
  }
}

/** Shared scratch for float and 64-bit reads: readers allocate nothing per buffer they are pointed at. */
const scratch = new DataView(new ArrayBuffer(8));

/**
 * Mirrors UTP's `DataStreamReader`: reads a window of a byte array. A read past the end sets `hasFailedReads` and
 * returns 0.
 */
export class DataStreamReader {
  #b: Uint8Array;
  #start: number;
  #length: number;
  #pos = 0;
  #failed = false;

  /** Reads `length` bytes of `bytes` from `offset` (default: all of it), without copying. */
  constructor(bytes: Uint8Array = new Uint8Array(0), offset = 0, length?: number) {
    this.#b = bytes;
    this.#start = offset;
    this.#length = length ?? bytes.length - offset;
  }

  /** Repoints the reader (no allocation). */
  reset(bytes: Uint8Array, offset: number, length: number): void {
    this.#b = bytes;
    this.#start = offset;
    this.#length = length;
    this.#pos = 0;
    this.#failed = false;
  }

  /** Total readable bytes (UTP's `Length`). */
  get length(): number { return this.#length; }
  /** Mirrors `GetBytesRead()`. */
  getBytesRead(): number { return this.#pos; }
  /** Bytes left to read. */
  get remaining(): number { return this.#length - this.#pos; }
  /** Mirrors `HasFailedReads`. */
  get hasFailedReads(): boolean { return this.#failed; }
  /** Mirrors `SeekSet(pos)`. */
  seekSet(pos: number): void {
    if (pos < 0 || pos > this.#length) { this.#failed = true; return; }
    this.#pos = pos;
  }

  /** A view of the whole window (no copy). Valid until the driver's next `update()`. */
  asUint8Array(): Uint8Array {
    return this.#b.subarray(this.#start, this.#start + this.#length);
  }

  #take(n: number): number {
    if (this.#failed || this.#pos + n > this.#length) {
      this.#failed = true;
      return -1;
    }
    const at = this.#start + this.#pos;
    this.#pos += n;
    return at;
  }

  /** Copies n bytes at `at` into the shared scratch, reversed when big-endian, for DataView decoding. */
  #scratch(at: number, n: number): DataView {
    for (let i = 0; i < n; i++) scratch.setUint8(i, this.#b[at + i]);
    return scratch;
  }

  #u16(at: number, le: boolean): number {
    const b = this.#b;
    return le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
  }

  #u32(at: number, le: boolean): number {
    const b = this.#b;
    return le
      ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
      : ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  }

  /** Reads one byte; 0 (and `hasFailedReads`) past the end. Mirrors UTP's `DataStreamReader.ReadByte`. */
  readByte(): number { const at = this.#take(1); return at < 0 ? 0 : this.#b[at]; }
  /** Copies `dest.length` bytes into `dest` (UTP's `ReadBytes(NativeArray)`), or fills nothing on underflow. */
  readBytes(dest: Uint8Array): void { const at = this.#take(dest.length); if (at >= 0) dest.set(this.#b.subarray(at, at + dest.length)); }
  /** Returns a view of the next `n` bytes without copying (valid until the next driver update). */
  readBytesView(n: number): Uint8Array { const at = this.#take(n); return at < 0 ? new Uint8Array(0) : this.#b.subarray(at, at + n); }
  /** Reads a signed 16-bit integer, little-endian (UTP: `ReadShort`); 0 past the end. */
  readShort(): number { const at = this.#take(2); return at < 0 ? 0 : (this.#u16(at, true) << 16) >> 16; }
  /** Reads an unsigned 16-bit integer, little-endian (UTP: `ReadUShort`); 0 past the end. */
  readUShort(): number { const at = this.#take(2); return at < 0 ? 0 : this.#u16(at, true); }
  /** Reads a signed 32-bit integer, little-endian (UTP: `ReadInt`); 0 past the end. */
  readInt(): number { const at = this.#take(4); return at < 0 ? 0 : this.#u32(at, true) | 0; }
  /** Reads an unsigned 32-bit integer, little-endian (UTP: `ReadUInt`); 0 past the end. */
  readUInt(): number { const at = this.#take(4); return at < 0 ? 0 : this.#u32(at, true); }
  /** Reads a signed 64-bit integer (bigint), little-endian (UTP: `ReadLong`); 0 past the end. */
  readLong(): bigint { const at = this.#take(8); return at < 0 ? 0n : this.#scratch(at, 8).getBigInt64(0, true); }
  /** Reads an unsigned 64-bit integer (bigint), little-endian (UTP: `ReadULong`); 0 past the end. */
  readULong(): bigint { const at = this.#take(8); return at < 0 ? 0n : this.#scratch(at, 8).getBigUint64(0, true); }
  /** Reads a 32-bit float, little-endian (UTP: `ReadFloat`); 0 past the end. */
  readFloat(): number { const at = this.#take(4); return at < 0 ? 0 : this.#scratch(at, 4).getFloat32(0, true); }
  /** Reads a 64-bit float, little-endian (UTP: `ReadDouble`); 0 past the end. */
  readDouble(): number { const at = this.#take(8); return at < 0 ? 0 : this.#scratch(at, 8).getFloat64(0, true); }
  /** Reads a signed 16-bit integer, big-endian (UTP: `ReadShortNetworkByteOrder`); 0 past the end. */
  readShortNetworkByteOrder(): number { const at = this.#take(2); return at < 0 ? 0 : (this.#u16(at, false) << 16) >> 16; }
  /** Reads an unsigned 16-bit integer, big-endian (UTP: `ReadUShortNetworkByteOrder`); 0 past the end. */
  readUShortNetworkByteOrder(): number { const at = this.#take(2); return at < 0 ? 0 : this.#u16(at, false); }
  /** Reads a signed 32-bit integer, big-endian (UTP: `ReadIntNetworkByteOrder`); 0 past the end. */
  readIntNetworkByteOrder(): number { const at = this.#take(4); return at < 0 ? 0 : this.#u32(at, false) | 0; }
  /** Reads an unsigned 32-bit integer, big-endian (UTP: `ReadUIntNetworkByteOrder`); 0 past the end. */
  readUIntNetworkByteOrder(): number { const at = this.#take(4); return at < 0 ? 0 : this.#u32(at, false); }

  /** Mirrors `ReadFixedString*`: u16 LE byte length, then UTF-8. Returns '' and fails on underflow. */
  readFixedString(): string {
    const n = this.readUShort();
    const at = this.#take(n);
    return at < 0 ? '' : textDecoder.decode(this.#b.subarray(at, at + n));
  }
}
