/**
 * Generated inputs of the sort and join workloads, and the checks of their outputs. Everything is
 * deterministic for a size and a seed, so an input generated once is reused, and the expected
 * figures (record count, checksum, matches) are known without keeping the data.
 *
 * sort (TeraSort-like): `count` lines of exactly 100 bytes: a 10-byte key of printable ASCII
 * (33-126, no blanks, so every tool splits lines the same way), 89 bytes of value (the record's
 * index in 10 digits, then filler), and "\n". Keys compare the same as Java Strings, JavaScript
 * strings and Python str (ASCII).
 *
 * join: a left file of "k<8 digits>\tv<8 digits>" lines whose keys are drawn from [0, 2 × right), and
 * a right file with every key of [0, right) once, "k<8 digits>\tw<8 digits>"; about half of the left
 * records match. Every tool writes its joined records as "key\tv\tw" lines.
 *
 * Checksums are order-independent, so outputs split into any number of part files in any order
 * check the same: the sum of each line's FNV-1a (32-bit, over its bytes without "\n") modulo 2^52,
 * with the line count beside it.
 */
import { Readable } from 'node:stream';

export const SORT_RECORD_BYTES = 100;
export const SORT_KEY_BYTES = 10;
/** Lines per generated chunk (1 MB for sort). */
const CHUNK_RECORDS = 10_000;
const SUM_MOD = 2 ** 52;
const FILLER = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.repeat(5));

/** xorshift32 as a generator of uint32: fast and good enough for test data. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** FNV-1a (32-bit) of `buf[start, end)`. */
export function fnv1a(buf: Uint8Array, start = 0, end = buf.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193) >>> 0;
  return h;
}

/** An order-independent checksum of lines: their count and the sum of their hashes. */
export class LineChecksum {
  lines = 0;
  sum = 0;

  /** Adds the line `buf[start, end)` (without its "\n"). */
  add(buf: Uint8Array, start = 0, end = buf.length): void {
    this.lines++;
    this.sum = (this.sum + fnv1a(buf, start, end)) % SUM_MOD;
  }

  addText(line: string): void {
    const b = Buffer.from(line, 'utf8');
    this.add(b, 0, b.length);
  }

  toJSON(): { lines: number; sum: number } {
    return { lines: this.lines, sum: this.sum };
  }
}

export interface Generated<T> {
  stream: Readable;
  /** Complete once the stream has ended. */
  totals: T;
}

/** Writes record `i` of the sort input into `buf` at `at` (100 bytes, with "\n"). */
function sortRecord(buf: Buffer, at: number, i: number, next: () => number): void {
  for (let k = 0; k < SORT_KEY_BYTES; k++) buf[at + k] = 33 + (next() % 94);
  buf.write(String(i).padStart(10, '0'), at + SORT_KEY_BYTES, 'latin1');
  FILLER.copy(buf, at + 20, i % 64, (i % 64) + 79);
  buf[at + SORT_RECORD_BYTES - 1] = 0x0a;
}

/** The sort input: `count` 100-byte records. totals.checksum is over the 99-byte lines. */
export function sortData(count: number, seed = 11): Generated<{ records: number; checksum: LineChecksum }> {
  const next = xorshift(seed);
  const totals = { records: 0, checksum: new LineChecksum() };
  const stream = new Readable({
    highWaterMark: CHUNK_RECORDS * SORT_RECORD_BYTES,
    read() {
      if (totals.records >= count) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK_RECORDS, count - totals.records);
      const buf = Buffer.allocUnsafe(n * SORT_RECORD_BYTES);
      for (let j = 0; j < n; j++) {
        const at = j * SORT_RECORD_BYTES;
        sortRecord(buf, at, totals.records + j, next);
        totals.checksum.add(buf, at, at + SORT_RECORD_BYTES - 1);
      }
      totals.records += n;
      this.push(buf);
    },
  });
  return { stream, totals };
}

/** What a sort output was found to be. */
export interface SortCheck {
  records: number;
  checksum: { lines: number; sum: number };
  /** The first place the output is out of order or malformed, if any. */
  problem?: string;
}

/**
 * Checks sort output fed as it is read: the part files in partition order, each file's lines in
 * order. Keys (the first 10 bytes) must never decrease across the whole output; every line must be
 * 99 bytes. Feed whole lines with {@link SortValidator.line}, or chunks with {@link SortValidator.chunk}.
 */
export class SortValidator {
  private readonly sum = new LineChecksum();
  private prev: Buffer = Buffer.alloc(0);
  private carry: Buffer = Buffer.alloc(0);
  private problem: string | undefined;
  private where = '';

  /** Starts the next file (a file ends at its last "\n"; a last line without one is completed by end()). */
  file(name: string): void {
    this.flush();
    this.where = name;
  }

  chunk(data: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, data]) : data;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
  }

  line(buf: Buffer, start: number, end: number): void {
    this.sum.add(buf, start, end);
    if (this.problem) return;
    if (end - start !== SORT_RECORD_BYTES - 1) {
      this.problem = `${this.where}: line ${this.sum.lines} has ${end - start} bytes, expected ${SORT_RECORD_BYTES - 1}`;
      return;
    }
    const key = buf.subarray(start, start + SORT_KEY_BYTES);
    if (this.prev.length && Buffer.compare(this.prev, key) > 0) {
      this.problem = `${this.where}: line ${this.sum.lines} key ${JSON.stringify(key.toString('latin1'))} sorts before the previous ${JSON.stringify(this.prev.toString('latin1'))}`;
    }
    this.prev = Buffer.from(key);
  }

  private flush(): void {
    if (this.carry.length) this.line(this.carry, 0, this.carry.length);
    this.carry = Buffer.alloc(0);
  }

  end(): SortCheck {
    this.flush();
    const out: SortCheck = { records: this.sum.lines, checksum: this.sum.toJSON() };
    if (this.problem) out.problem = this.problem;
    return out;
  }
}

/** The right value of key `k`: a fixed function of it. */
function rightValue(k: number): number {
  return Math.imul(k + 1, 0x9e3779b1) >>> 0;
}

function pad8(n: number): string {
  return String(n % 100_000_000).padStart(8, '0');
}

export interface JoinTotals {
  left: number;
  right: number;
  /** Joined records ("key\tv\tw" lines) and their checksum. */
  matches: LineChecksum;
}

/** Lines of the left (`which` = 'left') or right file; totals.matches is complete after the left. */
function lines(count: number, line: (i: number) => string): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i >= count) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK_RECORDS * 4, count - i);
      let text = '';
      for (let j = 0; j < n; j++) text += `${line(i++)}\n`;
      this.push(Buffer.from(text, 'latin1'));
    },
  });
}

/**
 * The join inputs: `right` distinct keys on the right, `left` records on the left. The streams are
 * independent; the expected join (totals.matches) is known once `left` has been read.
 */
export function joinData(left: number, right: number, seed = 5): { left: Readable; right: Readable; totals: JoinTotals } {
  const next = xorshift(seed);
  const totals: JoinTotals = { left, right, matches: new LineChecksum() };
  const leftStream = lines(left, (i) => {
    const k = next() % (2 * right);
    const line = `k${pad8(k)}\tv${pad8(i)}`;
    if (k < right) totals.matches.addText(`${line}\tw${pad8(rightValue(k))}`);
    return line;
  });
  const rightStream = lines(right, (k) => `k${pad8(k)}\tw${pad8(rightValue(k))}`);
  return { left: leftStream, right: rightStream, totals };
}

/** Line checksum of text fed in chunks (outputs of any order). */
export class ChunkedLineChecksum {
  private readonly sum = new LineChecksum();
  private carry: Buffer = Buffer.alloc(0);

  chunk(data: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, data]) : data;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.sum.add(buf, start, nl);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
  }

  /** Ends a file: a last line without "\n" counts too. */
  endFile(): void {
    if (this.carry.length) this.sum.add(this.carry, 0, this.carry.length);
    this.carry = Buffer.alloc(0);
  }

  result(): { lines: number; sum: number } {
    this.endFile();
    return this.sum.toJSON();
  }
}
