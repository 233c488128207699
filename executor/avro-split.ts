import avro from 'avsc';
import { inflateRawSync } from 'node:zlib';
import { ProtocolError, errorMessage } from '../protocols/errors/index.js';

/**
 * Avro object container files, split by byte range. The file is a header, then blocks, each
 * followed by the file's 16-byte sync marker:
 *
 *   header:  "Obj" 01 | meta: map<bytes> (avro.schema, avro.codec) | sync (16 bytes)
 *   block:   count: long | size: long | size bytes of records (compressed by avro.codec) | sync
 *
 * A block "begins" at its count; the split [start, end) owns the blocks that begin in it. A reader
 * scans from `start - 16` for the first sync marker (the one ending at or after `start`), then reads
 * whole blocks while they begin before `end`. The header's own marker precedes the first block,
 * so the first split needs no special case.
 */

export const SYNC_SIZE = 16;
const MAGIC = Buffer.from('Obj\x01', 'latin1');

const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_SIZE } },
  ],
} as avro.Schema);

/** Metadata entries a header may have (writers put two or three there). */
export const MAX_HEADER_ENTRIES = 1024;
/** Largest metadata key or value (a schema can be large, but not this large). */
export const MAX_HEADER_VALUE_BYTES = 16 * 1024 * 1024;

/**
 * Where the header in `bytes` ends, undefined if it needs more bytes, checked before avsc reads it:
 * avsc reads a map block by block without looking at how many bytes are left, so a corrupt entry
 * count would make it loop for seconds over bytes that are not there.
 */
function headerEnd(bytes: Buffer, what: string): number | undefined {
  let pos = MAGIC.length;
  const long = (): number | undefined => {
    let n = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) return undefined;
      const b = bytes[pos++]!;
      n += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      shift *= 128;
    }
    throw new ProtocolError(`${what}: the Avro header holds a number longer than 10 bytes`);
  };
  const skipBytes = (): boolean => {
    const n = long();
    if (n === undefined) return false;
    if (n < 0 || n > MAX_HEADER_VALUE_BYTES) throw new ProtocolError(`${what}: the Avro header holds an entry of ${n} bytes`);
    pos += n;
    return pos <= bytes.length;
  };
  for (;;) {
    let count = long();
    if (count === undefined) return undefined;
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      if (long() === undefined) return undefined;
    }
    if (count > MAX_HEADER_ENTRIES) throw new ProtocolError(`${what}: the Avro header claims ${count} metadata entries`);
    for (let i = 0; i < count; i++) if (!skipBytes() || !skipBytes()) return undefined;
  }
  pos += SYNC_SIZE;
  return pos <= bytes.length ? pos : undefined;
}

export interface AvroHeader {
  /** The writer's schema (parsed JSON). */
  schema: unknown;
  codec: string;
  sync: Buffer;
  /** Offset of the first block. */
  length: number;
}

/** Parses a header from the first bytes of a file; undefined if more bytes are needed. */
export function parseAvroHeader(bytes: Buffer, what: string): AvroHeader | undefined {
  if (bytes.length >= MAGIC.length && !MAGIC.equals(bytes.subarray(0, MAGIC.length))) {
    throw new ProtocolError(
      `${what}: not an Avro object container file ` +
        `(it starts with ${bytes.subarray(0, 4).toString('hex')}, not ${MAGIC.toString('hex')}); ` +
        'check the path, or read the file with textFile or jsonFile',
    );
  }
  if (bytes.length < MAGIC.length || headerEnd(bytes, what) === undefined) return undefined;
  const { value, offset } = HEADER_TYPE.decode(bytes, 0);
  if (offset < 0 || value === undefined) return undefined;
  const meta = value.meta as Record<string, Buffer>;
  const schemaBytes = meta['avro.schema'];
  if (!schemaBytes) throw new ProtocolError(`${what}: the Avro header has no avro.schema`);
  let schema: unknown;
  try {
    schema = JSON.parse(schemaBytes.toString('utf8'));
  } catch (err) {
    throw new ProtocolError(`${what}: the Avro header's schema is not JSON: ${errorMessage(err)}`, { cause: err });
  }
  const codec = meta['avro.codec']?.toString('utf8') || 'null';
  return { schema, codec, sync: Buffer.from(value.sync as Buffer), length: offset };
}

/** Returns the decompressor of a codec; ProtocolError for codecs we cannot read. */
export function blockDecompressor(codec: string, what: string): (data: Buffer) => Buffer {
  if (codec === 'null') return (d) => d;
  if (codec === 'deflate') return (d) => inflateRawSync(d);
  throw new ProtocolError(`${what}: Avro codec ${codec} is not supported (use null or deflate)`);
}

export interface AvroBlock {
  /** Records in the block. */
  count: number;
  /** The block's bytes as stored (still compressed). */
  data: Buffer;
  /** Offset where the block begins. */
  offset: number;
}

/** Reads a zig-zag varint long at `pos`; undefined if the bytes end first. */
function readLong(buf: Buffer, pos: number): { value: number; next: number } | undefined {
  let n = 0;
  let shift = 1;
  let i = pos;
  for (;;) {
    if (i >= buf.length) return undefined;
    const b = buf[i++]!;
    n += (b & 0x7f) * shift;
    if ((b & 0x80) === 0) break;
    shift *= 128;
    if (shift > 2 ** 63) throw new ProtocolError('Avro block header: varint too long');
  }
  // zig-zag: (n >>> 1) ^ -(n & 1), with arithmetic safe beyond 32 bits
  return { value: n % 2 === 0 ? n / 2 : -(n + 1) / 2, next: i };
}

/**
 * Pure scanner for the blocks of one split. Feed bytes starting at `scanFrom(start, headerLength)`.
 */
export class AvroSplitScanner {
  private buf: Buffer = Buffer.alloc(0);
  /** Absolute offset of buf[0]. */
  private bufOffset: number;
  private synced = false;
  private finished = false;

  constructor(
    private readonly sync: Buffer,
    start: number,
    private readonly end: number,
    headerLength: number,
    private readonly what: string,
  ) {
    this.bufOffset = AvroSplitScanner.scanFrom(start, headerLength);
  }

  /** Where feeding must begin: 16 bytes before the split, never before the header's marker. */
  static scanFrom(start: number, headerLength: number): number {
    return Math.max(start - SYNC_SIZE, headerLength - SYNC_SIZE);
  }

  get done(): boolean {
    return this.finished;
  }

  push(chunk: Buffer): AvroBlock[] {
    if (this.finished) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: AvroBlock[] = [];
    if (!this.synced) {
      const at = this.buf.indexOf(this.sync);
      if (at < 0) {
        const keep = Math.min(this.buf.length, SYNC_SIZE - 1);
        this.bufOffset += this.buf.length - keep;
        this.buf = this.buf.subarray(this.buf.length - keep);
        return out;
      }
      this.synced = true;
      this.bufOffset += at + SYNC_SIZE;
      this.buf = this.buf.subarray(at + SYNC_SIZE);
      if (this.bufOffset >= this.end) {
        this.finished = true;
        return out;
      }
    }
    let pos = 0;
    for (;;) {
      const count = readLong(this.buf, pos);
      if (!count) break;
      const size = readLong(this.buf, count.next);
      if (!size) break;
      if (count.value < 0 || size.value < 0) throw new ProtocolError(`${this.what}: corrupt Avro block at offset ${this.bufOffset + pos}`);
      const dataEnd = size.next + size.value;
      if (this.buf.length < dataEnd + SYNC_SIZE) break;
      if (!this.sync.equals(this.buf.subarray(dataEnd, dataEnd + SYNC_SIZE))) {
        throw new ProtocolError(`${this.what}: corrupt Avro file: no sync marker after the block at offset ${this.bufOffset + pos}`);
      }
      out.push({ count: count.value, data: this.buf.subarray(size.next, dataEnd), offset: this.bufOffset + pos });
      pos = dataEnd + SYNC_SIZE;
      if (this.bufOffset + pos >= this.end) {
        this.finished = true;
        this.buf = Buffer.alloc(0);
        return out;
      }
    }
    this.bufOffset += pos;
    this.buf = this.buf.subarray(pos);
    return out;
  }

  /** End of file; a partial block left over means the file is truncated. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.synced && this.buf.length > 0) {
      throw new ProtocolError(
        `${this.what}: truncated Avro file: ${this.buf.length} bytes of an incomplete block at offset ${this.bufOffset}`,
      );
    }
  }
}

/** Decodes the records of a block with the writer's type. */
export function decodeBlock(type: avro.Type, block: AvroBlock, decompress: (d: Buffer) => Buffer, what: string): unknown[] {
  const data = decompress(block.data);
  const records = new Array<unknown>(block.count);
  let pos = 0;
  for (let i = 0; i < block.count; i++) {
    const { value, offset } = type.decode(data, pos);
    if (offset < 0) throw new ProtocolError(`${what}: corrupt Avro block at offset ${block.offset}: record ${i} runs past the block`);
    records[i] = value;
    pos = offset;
  }
  return records;
}
