/**
 * Word count without Spindle, for bench/wordcount.ts: one process reading a byte range of a file
 * (over WebHDFS, or a local copy) and counting its words in a Map, with either a hand-written loop
 * or the benchmark job's own functions applied in a plain loop (the same code as the job, without
 * the engine).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';

/** The job's functions, as bench/wordcount.ts's JOB source has them. */
export const flatMapFn = (line: string): string[] => line.split(' ').filter((w) => w !== '');
export const mapFn = (w: string): [string, number] => [w, 1];
export const reduceFn = (a: number, b: number): number => a + b;

export type CountStyle = 'hand' | 'job';

/** Adds one line's words to `counts`. */
export function lineCounter(style: CountStyle, counts: Map<string, number>): (line: string) => void {
  if (style === 'hand') {
    return (line) => {
      for (const w of line.split(' ')) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
    };
  }
  return (line) => {
    for (const w of flatMapFn(line)) {
      const [k, v] = mapFn(w);
      const c = counts.get(k);
      counts.set(k, c === undefined ? v : reduceFn(c, v));
    }
  };
}

/**
 * Calls `each` for every line starting in the byte range [start, end) of the file (the rule of
 * Hadoop's and Spindle's text splits: the line crossing `end` belongs to this range, the one
 * crossing `start` to the previous). Whole runs of lines are decoded at once and split on "\n".
 */
export async function forEachLine(open: RangeOpener, start: number, end: number, each: (line: string) => void): Promise<void> {
  // From start - 1: a range whose first byte begins a line sees the "\n" before it.
  let pos = start === 0 ? 0 : start - 1;
  let skipping = start > 0;
  let carry: Buffer = Buffer.alloc(0);
  const stream = await open(pos);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let i = 0;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl < 0) {
          pos += buf.length;
          carry = Buffer.alloc(0);
          continue;
        }
        i = nl + 1;
        skipping = false;
      }
      if (pos + i >= end) return;
      const last = buf.lastIndexOf(10);
      if (last < i) {
        carry = buf.subarray(i);
        pos += i;
        continue;
      }
      // Lines in [i, last]; those starting at or after `end` are the next range's.
      let stop = last;
      const done = pos + last + 1 > end;
      if (done) stop = buf.indexOf(10, Math.max(i, end - 1 - pos));
      for (const line of buf.toString('utf8', i, stop).split('\n')) each(line);
      if (done) return;
      carry = buf.subarray(last + 1);
      pos += last + 1;
    }
    if (carry.length > 0 && !skipping && pos < end) each(carry.toString('utf8'));
  } finally {
    stream.destroy();
  }
}

/** Opens a file at a byte offset. */
export type RangeOpener = (offset: number) => Promise<Readable>;

export const hdfsFile =
  (hdfs: WebHdfsClient, path: string): RangeOpener =>
  (offset) =>
    hdfs.open(path, { offset });

/** A local file, read in 64 KiB chunks (the size WebHDFS responses arrive in here). */
export const localFile =
  (path: string): RangeOpener =>
  async (offset) =>
    createReadStream(path, { start: offset, highWaterMark: 64 * 1024 });

export interface RangeCount {
  words: number;
  /** Wall time. */
  ms: number;
  /** This process's CPU time (user + system, all threads) over the same span. */
  cpuMs: number;
}

/** Counts the words of lines starting in [start, end); returns the word total and the time taken. */
export async function countRange(open: RangeOpener, start: number, end: number, style: CountStyle): Promise<RangeCount> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const counts = new Map<string, number>();
  await forEachLine(open, start, end, lineCounter(style, counts));
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  let words = 0;
  for (const n of counts.values()) words += n;
  return { words, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}
