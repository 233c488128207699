/**
 * Lines of one split of a text file, Hadoop's way: `\n`, `\r` and `\r\n` end lines and are not part
 * of them; a line belongs to the split where it starts, so it is read whole even when it runs past
 * the split's end, and no line is lost or read twice at any boundary. Lines are cut on bytes and
 * decoded whole, so a multi-byte UTF-8 character is never split (0x0A and 0x0D never occur inside
 * one). A UTF-8 byte order mark at the start of the file is dropped.
 *
 * Ownership: the split [start, end) owns every line whose first byte lies in [start, end). To know
 * whether `start` itself begins a line, a split with start > 0 is fed from `start - 1`: the byte
 * before tells (after `\n`, or after a `\r` not followed by `\n`, a line begins).
 *
 *   file:  a b \r \n c d \n e
 *                     ^ start = 4: fed from 3 ('\n'), so "cd" begins at 4 and is ours
 *
 * The reader is pure: feed chunks with `push`, then `finish` at end of file; `done` says that no
 * further byte can add a line (the caller stops reading).
 */

const LF = 0x0a;
const CR = 0x0d;

/**
 * Decodes buf[from, to) as UTF-8. Buffer#toString checks its arguments and looks the encoding up on
 * every call, which cost more than the decoding itself for word count's short lines (a CPU profile
 * of its map side: 286 ms in toString's dispatch against 100 ms decoding); utf8Slice, where Node has
 * it (every version since 0.x, not in its typings), is the method toString ends in.
 */
type Utf8Slicer = (this: Buffer, start: number, end: number) => string;
const nativeUtf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Utf8Slicer }).utf8Slice;
const utf8: (buf: Buffer, from: number, to: number) => string = nativeUtf8Slice
  ? (buf, from, to) => nativeUtf8Slice.call(buf, from, to)
  : (buf, from, to) => buf.toString('utf8', from, to);

export class SplitLineReader {
  /** Absolute offset of the next byte to be fed. */
  private pos: number;
  /** Absolute offset where the current line began; -1 while skipping a line owned by the split before. */
  private lineStart: number;
  private pieces: Buffer[] = [];
  private afterCr = false;
  private bomCheck: boolean;
  private finished = false;
  /** Bytes fed so far. */
  bytesRead = 0;

  /**
   * @param start first byte of the split
   * @param end   first byte after the split
   * The first byte fed must be at `SplitLineReader.feedOffset(start)`.
   */
  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {
    this.pos = SplitLineReader.feedOffset(start);
    this.lineStart = start === 0 ? 0 : -1;
    this.bomCheck = start === 0;
    // An empty split owns no line.
    this.finished = start >= end;
  }

  /** Where feeding must begin for a split starting at `start`. */
  static feedOffset(start: number): number {
    return start === 0 ? 0 : start - 1;
  }

  /** True once no more lines can belong to this split. */
  get done(): boolean {
    return this.finished;
  }

  /** Feeds the next bytes; returns the lines completed by them that belong to the split. */
  push(chunk: Buffer): string[] {
    const out: string[] = [];
    if (this.finished) return out;
    this.bytesRead += chunk.length;
    let i = 0;
    let segStart = i;
    const n = chunk.length;
    // Without a \r in the chunk, the next terminator is the next \n: found by memchr, not a loop.
    const lfOnly = chunk.indexOf(CR) === -1;
    while (i < n) {
      if (this.afterCr) {
        this.afterCr = false;
        if (chunk[i] === LF) {
          // The \n of a \r\n pair: part of the terminator already handled.
          i++;
          segStart = i;
          if (this.beginLine(this.pos + i)) return out;
          continue;
        }
        if (this.beginLine(this.pos + i)) return out;
      }
      let j: number;
      if (lfOnly) {
        j = chunk.indexOf(LF, i);
        if (j === -1) j = n;
      } else {
        j = i;
        while (j < n) {
          const b = chunk[j]!;
          if (b === LF || b === CR) break;
          j++;
        }
      }
      if (j === n) {
        if (this.lineStart >= 0 && j > segStart) this.pieces.push(chunk.subarray(segStart, j));
        i = j;
        break;
      }
      // A terminator at j ends the current line.
      if (this.lineStart >= 0) out.push(this.takeLine(chunk, segStart, j));
      this.lineStart = -2; // between lines: the next line starts after the terminator
      if (chunk[j] === CR) {
        this.afterCr = true;
        i = j + 1;
        segStart = i;
        continue;
      }
      i = j + 1;
      segStart = i;
      if (this.beginLine(this.pos + i)) return out;
    }
    this.pos += n;
    return out;
  }

  /** End of file: the last line, if it has no terminator and belongs to the split. */
  finish(): string[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.afterCr) return [];
    // A line that began at the end of the file has no bytes: it is no line.
    if (this.lineStart >= 0 && this.lineStart < this.end && this.pieces.length > 0) return [this.takeLine(undefined, 0, 0)];
    return [];
  }

  /**
   * A line begins at absolute offset `at` (which may be the end of the file; then no bytes follow
   * and finish() emits nothing). Returns true if the split is done.
   */
  private beginLine(at: number): boolean {
    if (at >= this.end) {
      this.finished = true;
      this.pieces = [];
      return true;
    }
    this.lineStart = at >= this.start ? at : -1;
    return false;
  }

  /**
   * The current line: the pieces kept from earlier chunks, then chunk[from, to). A line within one
   * chunk is decoded straight from it (no Buffer view per line), into a string of its own.
   */
  private takeLine(chunk: Buffer | undefined, from: number, to: number): string {
    const p = this.pieces;
    let line: string;
    if (p.length === 0) {
      line = chunk && to > from ? utf8(chunk, from, to) : '';
    } else {
      if (chunk && to > from) p.push(chunk.subarray(from, to));
      line = p.length === 1 ? p[0]!.toString('utf8') : Buffer.concat(p).toString('utf8');
      this.pieces = [];
    }
    if (this.bomCheck) {
      // Only the file's first line can carry the byte order mark (decoded as U+FEFF).
      this.bomCheck = false;
      if (this.lineStart === 0 && line.charCodeAt(0) === 0xfeff) return line.slice(1);
    }
    return line;
  }
}
