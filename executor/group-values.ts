import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CorruptShuffleDataError, decodeBody, encodeFrame, FRAME_RECORDS, writeFullySync } from './shuffle-files.js';

/**
 * The values of one groupByKey group too large for memory: written to a scratch file as frames
 * while the group is merged, then read back a frame at a time whenever it is iterated (as often as
 * the user likes, until the task ends). It offers the read-only array methods that make sense for
 * a stream; `toArray()` (and collecting or shuffling it) needs the whole group in memory.
 */
export class SpilledValues<V = unknown> implements Iterable<V> {
  constructor(
    private readonly path: string,
    readonly length: number,
  ) {}

  *[Symbol.iterator](): Iterator<V> {
    const fd = openSync(this.path, 'r');
    try {
      const fileSize = fstatSync(fd).size;
      const head = Buffer.allocUnsafe(4);
      let at = 0;
      for (;;) {
        const headBytes = readSync(fd, head, 0, 4, at);
        if (headBytes === 0) return;
        if (headBytes < 4) throw new CorruptShuffleDataError(`spilled group ${this.path} ends inside a frame header`, { path: this.path });
        const size = head.readUInt32BE(0);
        // A length is believed only as far as the file goes: a corrupt one is never allocated.
        if (at + 4 + size > fileSize) {
          throw new CorruptShuffleDataError(
            `spilled group ${this.path}: frame of ${size} bytes at byte ${at} runs past the file (${fileSize})`,
            {
              path: this.path,
            },
          );
        }
        const body = Buffer.allocUnsafe(size);
        let got = 0;
        while (got < size) {
          const n = readSync(fd, body, got, size - got, at + 4 + got);
          if (n === 0) throw new CorruptShuffleDataError(`spilled group ${this.path} ends in the middle of a frame`, { path: this.path });
          got += n;
        }
        at += 4 + size;
        yield* decodeBody(body, `spilled group ${this.path}, frame at byte ${at - 4 - size}`, this.path) as V[];
      }
    } finally {
      closeSync(fd);
    }
  }

  forEach(fn: (v: V, i: number) => void): void {
    let i = 0;
    for (const v of this) fn(v, i++);
  }

  map<U>(fn: (v: V, i: number) => U): U[] {
    const out: U[] = [];
    for (const v of this) out.push(fn(v, out.length));
    return out;
  }

  filter(fn: (v: V, i: number) => unknown): V[] {
    const out: V[] = [];
    let i = 0;
    for (const v of this) if (fn(v, i++)) out.push(v);
    return out;
  }

  reduce<U>(fn: (acc: U, v: V, i: number) => U, ...initial: [U?]): U {
    let i = 0;
    let acc: U | undefined;
    let started = initial.length > 0;
    if (started) acc = initial[0];
    for (const v of this) {
      if (!started) {
        acc = v as unknown as U;
        started = true;
      } else acc = fn(acc as U, v, i);
      i++;
    }
    if (!started) throw new TypeError('Reduce of empty group with no initial value');
    return acc as U;
  }

  some(fn: (v: V, i: number) => unknown): boolean {
    let i = 0;
    for (const v of this) if (fn(v, i++)) return true;
    return false;
  }

  every(fn: (v: V, i: number) => unknown): boolean {
    let i = 0;
    for (const v of this) if (!fn(v, i++)) return false;
    return true;
  }

  find(fn: (v: V, i: number) => unknown): V | undefined {
    let i = 0;
    for (const v of this) if (fn(v, i++)) return v;
    return undefined;
  }

  includes(x: V): boolean {
    for (const v of this) if (v === x || (Number.isNaN(v) && Number.isNaN(x))) return true;
    return false;
  }

  toArray(): V[] {
    return [...this];
  }

  toJSON(): V[] {
    return this.toArray();
  }
}

/** Writes a group's values to a file, FRAME_RECORDS at a time. */
export class SpilledValuesWriter {
  private readonly fd: number;
  private pending: unknown[] = [];
  private count = 0;
  /** Bytes written to the file so far. */
  bytes = 0;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  add(v: unknown): void {
    this.pending.push(v);
    this.count++;
    if (this.pending.length >= FRAME_RECORDS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const frame = encodeFrame(this.pending);
    writeFullySync(this.fd, frame);
    this.bytes += frame.length;
    this.pending = [];
  }

  finish(): SpilledValues {
    this.flush();
    closeSync(this.fd);
    return new SpilledValues(this.path, this.count);
  }

  abandon(): void {
    closeSync(this.fd);
  }
}

/**
 * A record as it may leave the task (collected, shuffled again, saved): a spilled group, alone or
 * as the value of a [key, values] pair, becomes an array.
 */
export function plainRecord(r: unknown): unknown {
  if (r instanceof SpilledValues) return r.toArray();
  if (Array.isArray(r) && r.length === 2 && r[1] instanceof SpilledValues) return [r[0], r[1].toArray()];
  return r;
}
