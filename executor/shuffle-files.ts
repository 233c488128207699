import { createWriteStream, writeSync } from 'node:fs';
import { type FileHandle, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { deserialize, serialize } from 'node:v8';
import { ProtocolError } from '../protocols/errors/index.js';

/**
 * Map output files. A map task writes one data file with one segment per reducer, and an index
 * beside it with each segment's size:
 *
 *   shuffle_<shuffle>_<map>_<tid>.data:   segment 0 | segment 1 | ... | segment R-1
 *   segment:                             frame*        (empty for a reducer with no records)
 *   frame:                               u32 BE length | v8-serialized array of records
 *   shuffle_<shuffle>_<map>_<tid>.index:  JSON array of R segment sizes in bytes
 *
 * Spill runs use the same layout. Frames keep serialization in batches (one v8 call per few
 * thousand records) and let a reader decode a segment a frame at a time.
 */

/**
 * A map output or spill file whose bytes do not parse: a truncated file, a length running past its
 * segment, a frame that does not deserialize, an unreadable index. `path` names the file.
 */
export class CorruptShuffleDataError extends ProtocolError {
  override readonly name: string = 'CorruptShuffleDataError';
}

/** Records per frame. */
export const FRAME_RECORDS = 4096;

/** Name pattern of map output files: only these are ever served. */
export const MAP_OUTPUT_NAME = /^shuffle_\d+_\d+_\d+$/;

/** One frame: length prefix and the serialized records. */
export function encodeFrame(records: readonly unknown[]): Buffer {
  const body = serialize(records);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** `records` as frames of up to FRAME_RECORDS records each, encoded one at a time as they are taken. */
export function* encodeFrames(records: readonly unknown[]): Generator<Buffer> {
  for (const frame of recordFrames(records)) yield encodeFrame(frame);
}

/** `records` as arrays of up to FRAME_RECORDS records each, sliced as they are taken. */
export function* recordFrames<T>(records: readonly T[]): Generator<T[]> {
  for (let i = 0; i < records.length; i += FRAME_RECORDS) yield records.slice(i, i + FRAME_RECORDS);
}

/** A decoded frame and the size of its encoding. */
export interface SizedFrame {
  records: unknown[];
  bytes: number;
}

/** The record arrays of a segment's frames, one at a time. */
export function* decodeFrames(segment: Buffer): Generator<unknown[]> {
  for (const f of sizedFrames(segment)) yield f.records;
}

/** The frames of a segment with their encoded sizes, one at a time. */
export function* sizedFrames(segment: Buffer): Generator<SizedFrame> {
  let at = 0;
  while (at < segment.length) {
    if (at + 4 > segment.length) {
      throw new CorruptShuffleDataError(`shuffle segment: truncated frame header at byte ${at} of ${segment.length}`);
    }
    const length = segment.readUInt32BE(at);
    if (at + 4 + length > segment.length) {
      throw new CorruptShuffleDataError(
        `shuffle segment: frame of ${length} bytes at byte ${at} runs past the segment (${segment.length})`,
      );
    }
    yield { records: decodeBody(segment.subarray(at + 4, at + 4 + length), `shuffle segment, frame at byte ${at}`), bytes: 4 + length };
    at += 4 + length;
  }
}

/** Writes segments, reducer by reducer, into a data file; returns the size of each. */
export class SegmentFileWriter {
  private readonly sizes: number[] = [];
  private current = 0;
  private offset = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<SegmentFileWriter> {
    return new SegmentFileWriter(await open(path, 'w'));
  }

  /** Appends bytes to the segment of the current reducer. */
  async write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    await this.handle.write(bytes, 0, bytes.length, this.offset);
    this.offset += bytes.length;
    this.current += bytes.length;
  }

  /** Ends the current reducer's segment. */
  endSegment(): void {
    this.sizes.push(this.current);
    this.current = 0;
  }

  async close(): Promise<number[]> {
    await this.handle.close();
    return this.sizes;
  }
}

/** Copies bytes [start, start + length) of a file into `out`, a piece at a time. */
export async function copyRange(path: string, start: number, length: number, out: SegmentFileWriter): Promise<void> {
  for (let at = 0; at < length; at += COPY_PIECE_BYTES)
    await out.write(await readRange(path, start + at, Math.min(COPY_PIECE_BYTES, length - at)));
}
const COPY_PIECE_BYTES = 1024 * 1024;

/** Writes frames of records (already in order) as one segment into a new file; returns its size. */
export async function writeRun(path: string, frames: Iterable<readonly unknown[]>): Promise<number> {
  const file = await SegmentFileWriter.create(path);
  for (const frame of frames) await file.write(encodeFrame(frame));
  file.endSegment();
  return (await file.close())[0]!;
}

/** Where segment `reduceId` starts in a file whose segment sizes are `sizes`. */
export function segmentStart(sizes: readonly number[], reduceId: number): number {
  let start = 0;
  for (let i = 0; i < reduceId; i++) start += sizes[i]!;
  return start;
}

/** Reads segment `reduceId` of map output `name` in `dir` (index first). */
export async function readMapOutput(dir: string, name: string, reduceId: number): Promise<Buffer> {
  const { path, start, length } = await mapOutputRange(dir, name, reduceId);
  return readRange(path, start, length);
}

/** Where segment `reduceId` of map output `name` in `dir` is: its data file and byte range. */
export async function mapOutputRange(
  dir: string,
  name: string,
  reduceId: number,
): Promise<{ path: string; start: number; length: number }> {
  // The name and reducer come from a fetching peer: refused with a typed error, quoted so they print safely.
  if (!MAP_OUTPUT_NAME.test(name)) throw new ProtocolError(`not a map output file name: ${JSON.stringify(name).slice(0, 200)}`);
  const indexPath = join(dir, `${name}.index`);
  const sizes = parseIndex(await readFile(indexPath, 'utf8'), indexPath);
  const path = join(dir, `${name}.data`);
  if (!(Number.isSafeInteger(reduceId) && reduceId >= 0 && reduceId < sizes.length)) {
    throw new ProtocolError(`shuffle file ${path} has ${sizes.length} segments, not ${reduceId + 1}`, { path });
  }
  return { path, start: segmentStart(sizes, reduceId), length: sizes[reduceId]! };
}

/** Copies segment `reduceId` of map output `name` in `dir` into `dest` (created or truncated); resolves with its size. */
export async function copyMapOutput(dir: string, name: string, reduceId: number, dest: string): Promise<number> {
  const { path, start, length } = await mapOutputRange(dir, name, reduceId);
  const source = await open(path, 'r');
  try {
    await checkRange(source, path, start, length);
    if (length === 0) {
      await writeFile(dest, '');
      return 0;
    }
    await pipeline(source.createReadStream({ start, end: start + length - 1, autoClose: false }), createWriteStream(dest));
  } finally {
    await source.close();
  }
  return length;
}

/** Bytes [start, start + length) of a file. */
export async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  if (length === 0) return Buffer.alloc(0);
  const handle = await open(path, 'r');
  try {
    // The range comes from an index (or a peer's request): checked against the file before it is allocated.
    await checkRange(handle, path, start, length);
    const out = Buffer.allocUnsafe(length);
    await readFully(handle, out, start, path);
    return out;
  } finally {
    await handle.close();
  }
}

/** Refuses a range that does not lie within the file: its length would be allocated for nothing. */
async function checkRange(handle: FileHandle, path: string, start: number, length: number): Promise<void> {
  const { size } = await handle.stat();
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(length) && start >= 0 && length >= 0 && start + length <= size)) {
    throw new CorruptShuffleDataError(`shuffle file ${path} has ${size} bytes, not the ${length} at byte ${start} its index names`, {
      path,
    });
  }
}

/** The record arrays of the frames in [start, start + length) of a file, read a frame at a time. */
export async function* readFrames(path: string, start: number, length: number): AsyncGenerator<unknown[]> {
  for await (const f of readSizedFrames(path, start, length)) yield f.records;
}

/** The frames in [start, start + length) of a file with their encoded sizes, read a frame at a time. */
export async function* readSizedFrames(path: string, start: number, length: number): AsyncGenerator<SizedFrame> {
  const handle = await open(path, 'r');
  try {
    if (length > 0) await checkRange(handle, path, start, length);
    const head = Buffer.allocUnsafe(4);
    let at = start;
    const end = start + length;
    while (at < end) {
      await readFully(handle, head, at, path);
      const size = head.readUInt32BE(0);
      // A length is trusted only as far as the range it sits in: never allocate past it.
      if (at + 4 + size > end) {
        throw new CorruptShuffleDataError(
          `shuffle file ${path}: frame of ${size} bytes at byte ${at} runs past its range (ends at ${end})`,
          {
            path,
          },
        );
      }
      const body = Buffer.allocUnsafe(size);
      await readFully(handle, body, at + 4, path);
      yield { records: decodeBody(body, `shuffle file ${path}, frame at byte ${at}`, path), bytes: 4 + size };
      at += 4 + size;
    }
  } finally {
    await handle.close();
  }
}

async function readFully(handle: FileHandle, into: Buffer, position: number, path: string): Promise<void> {
  let got = 0;
  while (got < into.length) {
    const { bytesRead } = await handle.read(into, got, into.length - got, position + got);
    if (bytesRead === 0) {
      throw new CorruptShuffleDataError(`shuffle file ${path} ends in the middle of a frame (at byte ${position + got})`, { path });
    }
    got += bytesRead;
  }
}

/** The records of one frame's body; a body that does not deserialize to an array is corrupt. */
export function decodeBody(body: Buffer, where: string, path?: string): unknown[] {
  let records: unknown;
  try {
    records = deserialize(body);
  } catch (err) {
    throw new CorruptShuffleDataError(`${where} does not decode`, { cause: err, ...(path ? { path } : {}) });
  }
  if (!Array.isArray(records)) throw new CorruptShuffleDataError(`${where} holds no record array`, path ? { path } : {});
  return records;
}

/**
 * The records of a keyed shuffle's frame as [key, value] pairs: a frame that decoded to anything
 * else is corrupt (refused here rather than failing later on `record[0]` of a number or null).
 */
export function keyedRecords(records: unknown[], where: string): [unknown, unknown][] {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!Array.isArray(r)) throw new CorruptShuffleDataError(`${where}: record ${i} is not a [key, value] pair`);
  }
  return records as [unknown, unknown][];
}

/** A map output index: a JSON array of segment sizes, each a whole number of bytes. */
function parseIndex(text: string, path: string): number[] {
  let sizes: unknown;
  try {
    sizes = JSON.parse(text);
  } catch (err) {
    throw new CorruptShuffleDataError(`shuffle index ${path} is not JSON`, { cause: err, path });
  }
  if (!Array.isArray(sizes) || !sizes.every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw new CorruptShuffleDataError(`shuffle index ${path} is not a list of segment sizes`, { path });
  }
  return sizes as number[];
}

/** Writes all of `data` at the end of file descriptor `fd` (a write may take only part). */
export function writeFullySync(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}
