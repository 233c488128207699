import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalKey, compareKeys } from '../protocols/driver-executor/index.js';
import { encodeFrame, FRAME_RECORDS, readFrames, SegmentFileWriter } from './shuffle-files.js';

/**
 * The reduce side of grouping and sorting shuffles, within a memory budget: fetched records
 * collect in memory; past the budget they are sorted and spilled as a run file, and at the end
 * the runs and what is left in memory are merged. Grouping sorts by canonical key (equal keys
 * become neighbours), sorting by the total order of keys.
 */

/** In-memory size of decoded records per byte of their serialized form (a rough, safe guess). */
export const DECODED_BYTES_PER_BYTE = 4;

type Pair = [unknown, unknown];
/** A record with its sort key: the canonical string (grouping) or the key itself (sorting). */
type Keyed = [unknown, unknown, unknown];

export interface ReduceSorterOptions {
  order: 'group' | 'asc' | 'desc';
  dir: string;
  memoryBytes: number;
}

export class ReduceSorter {
  private buffer: Keyed[] = [];
  private bufferBytes = 0;
  private readonly runs: { path: string; sizes: number[] }[] = [];
  private readonly compare: (a: Keyed, b: Keyed) => number;
  private readonly tag = randomBytes(6).toString('hex');

  constructor(private readonly options: ReduceSorterOptions) {
    const sign = options.order === 'desc' ? -1 : 1;
    this.compare =
      options.order === 'group'
        ? (a, b) => ((a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0)
        : (a, b) => sign * compareKeys(a[0], b[0]);
  }

  /** Adds the records of a fetched segment (`bytes` long serialized). */
  async add(records: Pair[], bytes: number): Promise<void> {
    const group = this.options.order === 'group';
    for (const kv of records) this.buffer.push([group ? canonicalKey(kv[0]) : kv[0], kv[0], kv[1]]);
    this.bufferBytes += bytes * DECODED_BYTES_PER_BYTE;
    if (this.bufferBytes > this.options.memoryBytes) await this.spill();
  }

  get spills(): number {
    return this.runs.length;
  }

  private async spill(): Promise<void> {
    this.buffer.sort(this.compare);
    const path = join(this.options.dir, `reduce_${this.tag}.spill${this.runs.length}`);
    const file = await SegmentFileWriter.create(path);
    for (let i = 0; i < this.buffer.length; i += FRAME_RECORDS) await file.write(encodeFrame(this.buffer.slice(i, i + FRAME_RECORDS)));
    file.endSegment();
    this.runs.push({ path, sizes: await file.close() });
    this.buffer = [];
    this.bufferBytes = 0;
  }

  /** All records in order (grouping: [key, values[]] per key). */
  async *sorted(): AsyncGenerator<Pair[]> {
    this.buffer.sort(this.compare);
    let out: Pair[] = [];
    let group: [unknown, unknown, unknown[]] | undefined;
    const grouping = this.options.order === 'group';
    const emit = (rec: Keyed): void => {
      if (!grouping) {
        out.push([rec[1], rec[2]]);
        return;
      }
      if (group && group[0] === rec[0]) {
        group[2].push(rec[2]);
        return;
      }
      if (group) out.push([group[1], group[2]]);
      group = [rec[0], rec[1], [rec[2]]];
    };
    if (this.runs.length === 0) {
      for (const rec of this.buffer) {
        emit(rec);
        if (out.length >= FRAME_RECORDS) {
          yield out;
          out = [];
        }
      }
    } else {
      // Runs are read a frame at a time, so merging needs a frame per run, not the runs.
      const sources: AsyncIterator<Keyed>[] = this.runs.map((run) => keyedRecords(run.path, run.sizes[0]!));
      sources.push(memoryRecords(this.buffer));
      const heads = await Promise.all(sources.map((s) => s.next()));
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          if (heads[i]!.done) continue;
          if (best < 0 || this.compare(heads[i]!.value as Keyed, heads[best]!.value as Keyed) < 0) best = i;
        }
        if (best < 0) break;
        emit(heads[best]!.value as Keyed);
        heads[best] = await sources[best]!.next();
        if (out.length >= FRAME_RECORDS) {
          yield out;
          out = [];
        }
      }
    }
    this.buffer = [];
    if (group) out.push([group[1], group[2]]);
    if (out.length > 0) yield out;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.runs.map((r) => rm(r.path, { force: true })));
  }
}

async function* keyedRecords(path: string, length: number): AsyncGenerator<Keyed> {
  for await (const frame of readFrames(path, 0, length)) yield* frame as Keyed[];
}

async function* memoryRecords(records: Keyed[]): AsyncGenerator<Keyed> {
  yield* records;
}
