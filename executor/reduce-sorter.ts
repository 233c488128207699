import { randomBytes } from 'node:crypto';
import { canonicalKeyValue, compareKeys } from '../protocols/driver-executor/index.js';
import { CombinerMap } from './combiner-map.js';
import { SpilledValuesWriter, type SpilledValues } from './group-values.js';
import { averageHeapSize, heapSize, MAP_ENTRY_BYTES } from './heap-size.js';
import { byCanonical, memoryFrames, mergeSorted } from './merge.js';
import { TaskScratch } from './scratch.js';
import type { TaskMemory } from './task-memory.js';
import type { TaskCounters } from './task-metrics.js';
import { FRAME_RECORDS, readFrames, recordFrames, writeRun } from './shuffle-files.js';

/**
 * The reduce side of grouping and sorting shuffles, within a memory budget.
 *
 * Sorting: fetched records collect in memory; past the budget they are sorted and spilled as a run
 * file, and at the end the runs and what is left in memory are merged a frame at a time.
 *
 * Grouping: values collect in a hash map by key (CombinerMap), so a group costs one lookup per
 * record and only the distinct keys are ever sorted. Past the budget the groups are sorted by
 * canonical key and spilled as a run of [canonical, key, value] records; at the end the runs and
 * the groups left in memory are merged, equal keys becoming neighbours. A group that outgrows half
 * the budget while runs are merged goes to a scratch file of its own and is handed on as a
 * SpilledValues, read back from disk when iterated. Groups come out in canonical-key order either
 * way, and a group's key in its canonical spelling (canonicalKeyValue): the first record of a
 * group depends on where map tasks ran. (Sorting every record by canonical key instead cost a
 * 10M x 1M join a fifth of its reduce CPU in comparisons, and a new string per record.)
 *
 * Memory is counted with heapSize estimates of a few records per frame (heap-size.ts).
 */

type Pair = [unknown, unknown];
/** A record of a grouping run: canonical key, key, one value. */
type Keyed = [string, unknown, unknown];
type Group = [string, unknown, unknown[]];

/** A hash map entry, a values array and its first slots: what a new key costs beside its own size. */
const NEW_GROUP_BYTES = MAP_ENTRY_BYTES + 48 + 32;
/** A values array's slot for one more value, with its share of the array's growth. */
const VALUE_SLOT_BYTES = 12;

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
  /** Serialized bytes of all the input to come, if known (the reduce task's segments): see add(). */
  inputBytes?: number;
}

export class ReduceSorter {
  /** asc/desc: the records in memory. */
  private buffer: Pair[] = [];
  /** group: values by key. */
  private readonly groups = new CombinerMap(
    (v) => [v],
    (vs, v) => {
      (vs as unknown[]).push(v);
      return vs;
    },
  );
  private bufferBytes = 0;
  private records = 0;
  /** Estimated heap bytes of the values added so far (group), of the records (asc/desc). */
  private valueBytes = 0;
  /** Serialized bytes of the records added so far, where the caller said. */
  private serializedBytes = 0;
  private readonly runs: { path: string; size: number }[] = [];
  private readonly compare: (a: Pair, b: Pair) => number;
  private readonly scratch: TaskScratch;
  private readonly ownScratch: boolean;
  private groupSpills = 0;

  constructor(private readonly options: ReduceSorterOptions) {
    const sign = options.order === 'desc' ? -1 : 1;
    this.compare = (a, b) => sign * compareKeys(a[0], b[0]);
    this.ownScratch = !options.scratch;
    this.scratch = options.scratch ?? new TaskScratch(options.dir, `reduce_${randomBytes(6).toString('hex')}`);
  }

  /**
   * Adds decoded records (a frame at a time keeps memory even), `serializedBytes` long as fetched
   * if known. Sorting, once the input to come (options.inputBytes) is sure to outgrow memory, runs
   * are spilled at half the limit: holding more only to spill it anyway made the 1 GiB sort's
   * reduce tasks slower (a larger live heap for the collector to mark: stage time 37 s at a
   * 204 MiB budget against 32 s at 100 MiB, 2 executors, one run each, GC 13 s against 10 s).
   */
  async add(records: Pair[], serializedBytes = 0): Promise<void> {
    if (records.length === 0) return;
    let bytes: number;
    if (this.options.order === 'group') {
      const g = this.groups;
      let newKeys = 0;
      for (const kv of records) if (g.add(kv[0], kv[1])) newKeys++;
      const values = records.length * averageHeapSize(records, 8, valueSize);
      this.valueBytes += values;
      bytes =
        values + records.length * VALUE_SLOT_BYTES + (newKeys > 0 ? newKeys * (averageHeapSize(records, 8, keySize) + NEW_GROUP_BYTES) : 0);
    } else {
      const b = this.buffer;
      for (const kv of records) b.push(kv);
      bytes = records.length * (averageHeapSize(records) + 8);
      this.valueBytes += bytes;
    }
    this.bufferBytes += bytes;
    this.records += records.length;
    this.serializedBytes += serializedBytes;
    let limit = this.options.memory ? this.options.memory.update(this, this.bufferBytes) : this.options.memoryBytes;
    if (this.options.order !== 'group' && this.spillIsCertain(limit)) limit = Math.floor(limit / 2);
    if (this.bufferBytes > limit) await this.spill();
  }

  /** Whether all the input, at the heap bytes per serialized byte seen so far, will not fit in `limit`. */
  private spillIsCertain(limit: number): boolean {
    const input = this.options.inputBytes;
    if (!input || this.serializedBytes === 0) return false;
    return (input * this.valueBytes) / this.serializedBytes > limit;
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
    const path = this.scratch.file('run');
    let size: number;
    if (this.options.order === 'group') {
      const groups = this.sortedGroups();
      size = await writeRun(path, keyedFrames(groups));
    } else {
      this.buffer.sort(this.compare);
      size = await writeRun(path, recordFrames(this.buffer));
      this.buffer = [];
    }
    this.runs.push({ path, size });
    if (this.options.counters) this.options.counters.spillBytes += size;
    this.bufferBytes = 0;
    this.options.memory?.update(this, 0);
  }

  /** The groups in memory, sorted by canonical key; the map is emptied. */
  private sortedGroups(): Group[] {
    const groups = [...this.groups.triples()] as Group[];
    this.groups.clear();
    return groups.sort(byCanonical);
  }

  /**
   * All records in order (grouping: [key, values] per key). What is handed on leaves this sorter's
   * share of the task's memory (the in-memory part drains about as fast as the whole merge).
   */
  async *sorted(): AsyncGenerator<Pair[]> {
    const held = this.bufferBytes;
    this.bufferBytes = 0;
    if (this.options.order !== 'group') {
      this.buffer.sort(this.compare);
      const memory = this.buffer;
      this.buffer = [];
      let merged: AsyncIterable<Pair[]> =
        this.runs.length === 0
          ? memoryFrames(memory)
          : mergeSorted(
              [...this.runs.map((r) => readFrames(r.path, 0, r.size) as AsyncIterable<Pair[]>), memoryFrames(memory)],
              this.compare,
            );
      if (this.options.memory) merged = this.draining(merged, held, this.records, this.options.memory);
      yield* merged;
      return;
    }
    const groups = this.sortedGroups();
    if (this.runs.length === 0) {
      // Everything is in memory: each group is whole.
      let out: AsyncIterable<Pair[]> = (async function* () {
        for (let i = 0; i < groups.length; i += FRAME_RECORDS) {
          const batch: Pair[] = [];
          for (let j = i; j < Math.min(groups.length, i + FRAME_RECORDS); j++) {
            const g = groups[j]!;
            groups[j] = undefined as unknown as Group; // handed on: its memory may go with the batch
            batch.push([canonicalKeyValue(g[1]), g[2]]);
          }
          yield batch;
        }
      })();
      if (this.options.memory) out = this.draining(out, held, groups.length, this.options.memory);
      yield* out;
      return;
    }
    let merged: AsyncIterable<Keyed[]> = mergeSorted(
      [...this.runs.map((r) => readFrames(r.path, 0, r.size) as AsyncIterable<Keyed[]>), asyncFrames(keyedFrames(groups))],
      byCanonical,
    );
    if (this.options.memory) merged = this.draining(merged, held, this.records, this.options.memory);
    const groupLimit = Math.max(1, Math.floor(this.options.memoryBytes / 2 / this.bytesPerValue()));
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

  /** `merged`, telling the task's memory that this sorter holds less as its `total` items go. */
  private async *draining<T>(merged: AsyncIterable<T[]>, held: number, total: number, memory: TaskMemory): AsyncGenerator<T[]> {
    let done = 0;
    try {
      for await (const batch of merged) {
        done += batch.length;
        memory.update(this, Math.floor(held * Math.max(0, 1 - done / total)));
        yield batch;
      }
    } finally {
      memory.release(this);
    }
  }

  /** Estimated heap bytes of one value as held in a group. */
  private bytesPerValue(): number {
    return this.records === 0 ? 64 : Math.max(16, this.valueBytes / this.records + VALUE_SLOT_BYTES);
  }

  async cleanup(): Promise<void> {
    this.options.memory?.release(this);
    if (this.ownScratch) await this.scratch.clear();
    else await Promise.all(this.runs.map((r) => this.scratch.remove(r.path)));
  }
}

/** Sorted groups as frames of [canonical, key, value] records, made as they are taken. */
function* keyedFrames(groups: Group[]): Generator<Keyed[]> {
  let out: Keyed[] = [];
  for (const [canonical, key, values] of groups) {
    for (const v of values) {
      out.push([canonical, key, v]);
      if (out.length >= FRAME_RECORDS) {
        yield out;
        out = [];
      }
    }
  }
  if (out.length > 0) yield out;
}

async function* asyncFrames<T>(frames: Iterable<T[]>): AsyncGenerator<T[]> {
  yield* frames;
}

/** Heap bytes of a key as a group holds it: keys other than strings have their canonical string beside them. */
function keySize(kv: Pair): number {
  const k = kv[0];
  const own = heapSize(k);
  return typeof k === 'string' ? own : own + 16 + own / 2;
}

const valueSize = (kv: Pair): number => heapSize(kv[1]);
