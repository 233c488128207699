import { randomBytes } from 'node:crypto';
import { canonicalKey, canonicalKeyValue, compareKeys } from '../protocols/driver-executor/index.js';
import { SpilledValuesWriter, type SpilledValues } from './group-values.js';
import { byCanonical, memoryFrames, mergeSorted } from './merge.js';
import { TaskScratch } from './scratch.js';
import type { TaskMemory } from './task-memory.js';
import type { TaskCounters } from './task-metrics.js';
import { FRAME_RECORDS, readFrames, writeRun } from './shuffle-files.js';

/**
 * The reduce side of grouping and sorting shuffles, within a memory budget: fetched records
 * collect in memory; past the budget they are sorted and spilled as a run file, and at the end
 * the runs and what is left in memory are merged a frame at a time. Grouping sorts by canonical
 * key (equal keys become neighbours), sorting by the total order of keys. A group that outgrows
 * half the budget while runs are merged goes to a scratch file of its own and is handed on as a
 * SpilledValues, read back from disk when iterated. A group's key comes out in its canonical
 * spelling (canonicalKeyValue): the first record of a group depends on where map tasks ran.
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
  /** The task's memory, shared with what else holds records (see task-memory.ts); without it, memoryBytes is all ours. */
  memory?: TaskMemory;
  /** Where runs and spilled groups go; without it the sorter keeps its own and removes it in cleanup(). */
  scratch?: TaskScratch;
  /** The running task's counters: spilled runs and groups add to `spillBytes`. */
  counters?: TaskCounters;
}

export class ReduceSorter {
  private buffer: Keyed[] = [];
  private bufferBytes = 0;
  private records = 0;
  private bytes = 0;
  private readonly runs: { path: string; size: number }[] = [];
  private readonly compare: (a: Keyed, b: Keyed) => number;
  private readonly scratch: TaskScratch;
  private readonly ownScratch: boolean;
  private groupSpills = 0;

  constructor(private readonly options: ReduceSorterOptions) {
    const sign = options.order === 'desc' ? -1 : 1;
    this.compare = options.order === 'group' ? byCanonical : (a, b) => sign * compareKeys(a[0], b[0]);
    this.ownScratch = !options.scratch;
    this.scratch = options.scratch ?? new TaskScratch(options.dir, `reduce_${randomBytes(6).toString('hex')}`);
  }

  /** Adds decoded records whose serialized form was `bytes` long (a frame at a time keeps memory even). */
  async add(records: Pair[], bytes: number): Promise<void> {
    const group = this.options.order === 'group';
    for (const kv of records) this.buffer.push([group ? canonicalKey(kv[0]) : kv[0], kv[0], kv[1]]);
    this.bufferBytes += bytes * DECODED_BYTES_PER_BYTE;
    this.records += records.length;
    this.bytes += bytes;
    const limit = this.options.memory ? this.options.memory.update(this, this.bufferBytes) : this.options.memoryBytes;
    if (this.bufferBytes > limit) await this.spill();
  }

  /** Runs spilled so far. */
  get spills(): number {
    return this.runs.length;
  }

  /** Groups that went to disk because they outgrew memory. */
  get spilledGroups(): number {
    return this.groupSpills;
  }

  private async spill(): Promise<void> {
    this.buffer.sort(this.compare);
    const path = this.scratch.file('run');
    const size = await writeRun(path, this.buffer);
    this.runs.push({ path, size });
    if (this.options.counters) this.options.counters.spillBytes += size;
    this.buffer = [];
    this.bufferBytes = 0;
    this.options.memory?.update(this, 0);
  }

  /**
   * All records in order (grouping: [key, values] per key). What is handed on leaves this sorter's
   * share of the task's memory (the in-memory part drains about as fast as the whole merge).
   */
  async *sorted(): AsyncGenerator<Pair[]> {
    this.buffer.sort(this.compare);
    const memory = this.buffer;
    this.buffer = [];
    const held = this.bufferBytes;
    this.bufferBytes = 0;
    let merged: AsyncIterable<Keyed[]> =
      this.runs.length === 0
        ? memoryFrames(memory)
        : mergeSorted(
            [...this.runs.map((r) => readFrames(r.path, 0, r.size) as AsyncIterable<Keyed[]>), memoryFrames(memory)],
            this.compare,
          );
    if (this.options.memory) merged = this.draining(merged, held, this.options.memory);
    if (this.options.order !== 'group') {
      for await (const batch of merged) yield batch.map((r) => [r[1], r[2]] as Pair);
      return;
    }
    // Only a merge of runs can meet a group larger than memory (without runs, all of it is in memory already).
    const groupLimit =
      this.runs.length === 0 ? Infinity : Math.max(1, Math.floor(this.options.memoryBytes / 2 / this.decodedBytesPerRecord()));
    let out: Pair[] = [];
    let canonical: unknown;
    let key: unknown;
    let values: unknown[] = [];
    let writer: SpilledValuesWriter | undefined;
    const close = (): void => {
      if (writer) {
        const values = writer.finish() as SpilledValues;
        if (this.options.counters) this.options.counters.spillBytes += writer.bytes;
        out.push([canonicalKeyValue(key), values]);
        writer = undefined;
      } else out.push([canonicalKeyValue(key), values]);
    };
    let open = false;
    try {
      for await (const batch of merged) {
        for (const rec of batch) {
          if (open && rec[0] === canonical) {
            if (writer) writer.add(rec[2]);
            else {
              values.push(rec[2]);
              if (values.length > groupLimit) {
                writer = new SpilledValuesWriter(this.scratch.file('group'));
                this.groupSpills++;
                for (const v of values) writer.add(v);
                values = [];
              }
            }
            continue;
          }
          if (open) close();
          open = true;
          canonical = rec[0];
          key = rec[1];
          values = [rec[2]];
        }
        if (out.length >= FRAME_RECORDS) {
          yield out;
          out = [];
        }
      }
      if (open) close();
      if (out.length > 0) yield out;
    } finally {
      writer?.abandon();
    }
  }

  /** `merged`, telling the task's memory that this sorter holds less as its records go. */
  private async *draining(merged: AsyncIterable<Keyed[]>, held: number, memory: TaskMemory): AsyncGenerator<Keyed[]> {
    let done = 0;
    try {
      for await (const batch of merged) {
        done += batch.length;
        memory.update(this, Math.floor(held * Math.max(0, 1 - done / this.records)));
        yield batch;
      }
    } finally {
      memory.release(this);
    }
  }

  private decodedBytesPerRecord(): number {
    return this.records === 0 ? 64 : Math.max(16, (this.bytes * DECODED_BYTES_PER_BYTE) / this.records);
  }

  async cleanup(): Promise<void> {
    this.options.memory?.release(this);
    if (this.ownScratch) await this.scratch.clear();
    else await Promise.all(this.runs.map((r) => this.scratch.remove(r.path)));
  }
}
