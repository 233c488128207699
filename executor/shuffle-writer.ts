import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { averageHeapSize, MAP_ENTRY_BYTES, PAIR_BYTES } from './heap-size.js';
import { hashKey, rangePartition, type MapStatus, type PartitionerSpec, type ShuffleParams } from '../protocols/driver-executor/index.js';
import { CombinerMap } from './combiner-map.js';
import type { BatchStream } from './compute.js';
import { plainRecord } from './group-values.js';
import { byCanonical, combineSorted, memoryFrames, mergeSorted } from './merge.js';
import type { TaskScratch } from './scratch.js';
import type { TaskMemory } from './task-memory.js';
import type { TaskCounters } from './task-metrics.js';
import { copyRange, encodeFrame, encodeFrames, FRAME_RECORDS, readFrames, SegmentFileWriter, segmentStart } from './shuffle-files.js';

/**
 * The map side of a shuffle: a task's [key, value] records go to one bucket per reducer (with
 * map-side combining for aggregations). Buckets live in memory up to a budget; past it they are
 * spilled as a run file (aggregated buckets sorted by canonical key), and at the end the runs and
 * what is left in memory are merged into one data file per task (see shuffle-files.ts).
 */

/**
 * SPINDLE_SHUFFLE_MEMORY_MB (set with `spindle submit --env`) as each task's shuffle budget in bytes,
 * in place of the default; undefined when unset, or (with a note) when it is not a positive number.
 */
export function shuffleMemoryOverride(text: string | undefined, log: (m: string) => void): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const mb = Number(text);
  if (!Number.isFinite(mb) || mb <= 0) {
    log(`SPINDLE_SHUFFLE_MEMORY_MB="${text}" is not a positive number of MB; using the default shuffle budget`);
    return undefined;
  }
  log(`shuffle memory per task: ${mb} MB (SPINDLE_SHUFFLE_MEMORY_MB)`);
  return Math.floor(mb * 2 ** 20);
}

/** What shuffle tasks need from their executor. */
export interface ShuffleEnv {
  /** Directory for map output and spill files. */
  dir: string;
  /** host:port of this executor's block server. */
  address: string;
  /** Memory budget of a task's buckets (map side) or records (reduce side), in bytes (estimated). */
  memoryBytes: number;
  /** The running task's share of that budget among what holds records at once; absent outside a task. */
  memory?: TaskMemory;
  /** Fetches map output segments from a block server (shuffle-reader.ts). */
  fetch(address: string, files: string[], reduceId: number): Promise<Buffer[]>;
  /** Fetches one map output segment into a local file; resolves with its size. */
  fetchToFile(address: string, file: string, reduceId: number, path: string): Promise<number>;
  /** The running task's scratch files (removed when it ends); without it, each reader keeps its own. */
  scratch?: TaskScratch;
  /** Where a task says that it went to disk (the executor's log). */
  note?: (message: string) => void;
  /** The running task's counters (shuffle bytes, fetch wait, spill bytes); absent outside a task. */
  counters?: TaskCounters;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * Tells the task's memory that `holder` holds `bytes` now; returns the most it may hold (the whole
 * budget outside a task).
 */
export function holdMemory(env: ShuffleEnv, holder: object, bytes: number): number {
  return env.memory ? env.memory.update(holder, bytes) : env.memoryBytes;
}

/** The reducer of a key under `spec`. */
export function partitionerFor(spec: PartitionerSpec, numPartitions: number): (key: unknown) => number {
  if (spec.kind === 'hash') return (key) => hashKey(key) % numPartitions;
  return (key) => rangePartition(key, spec.bounds, spec.ascending);
}

/** The combiner functions of an 'aggregate' shuffle. */
export function combinerFns(params: ShuffleParams, fns: Fn[]): { create: Fn; merge: Fn; mergeCombiners: Fn } {
  const [create, merge, mergeCombiners] = fns as [Fn, Fn, Fn];
  const zero = params.zero;
  return { create: zero ? (v) => merge(structuredClone(zero.value), v) : create, merge, mergeCombiners };
}

/** Runs the map side of a shuffle over `stream`; resolves with where the output went. */
export async function writeShuffle(
  stream: BatchStream,
  params: ShuffleParams,
  fns: Fn[],
  tid: number,
  mapId: number,
  env: ShuffleEnv,
): Promise<MapStatus & { records: number; bytes: number; spills: number }> {
  const name = `shuffle_${params.shuffleId}_${mapId}_${tid}`;
  const w = new BucketWriter(params, fns, env, name);
  try {
    if (stream.pushTo) {
      // Records one at a time as the fused chain makes them (see RecordPusher).
      const add = (kv: unknown): void => w.add(kv);
      for await (const _ of stream.pushTo(add, () => w.full())) await w.checkpoint();
    } else {
      for await (const b of stream) {
        for (let i = 0; i < b.length; i++) w.add(b[i]);
        await w.checkpoint();
      }
    }
    const sizes = await w.finish();
    const records = w.records;
    if (env.counters) env.counters.shuffleBytesWritten += sizes.reduce((a, b) => a + b, 0);
    if (w.spills > 0) env.note?.(`shuffle ${params.shuffleId} map ${mapId}: ${records} records, ${w.spills} run(s) spilled to disk`);
    return { address: env.address, file: name, sizes, records, bytes: sizes.reduce((a, b) => a + b, 0), spills: w.spills };
  } finally {
    await w.cleanup();
  }
}

class BucketWriter {
  private readonly n: number;
  private readonly combiners: ReturnType<typeof combinerFns> | undefined;
  /**
   * aggregate: key -> combiner for all reducers together; a key's reducer is worked out once per
   * spill rather than once per record (for word count, most of the map side's time).
   */
  private readonly combined: CombinerMap | undefined;
  /** aggregate: the combined entries as sorted [canonical, key, combiner] triples per reducer, once split. */
  private split: unknown[][][] | undefined;
  private readonly partition: (key: unknown) => number;
  /** none/group: pending records and serialized frames, per reducer. */
  private readonly pending: unknown[][] = [];
  private readonly frames: Buffer[][] = [];
  private frameBytes = 0;
  private entries = 0;
  private bytesPerEntry = 64;
  private sinceSample = 0;
  /** The most the buckets may hold, as of the last checkpoint. */
  private limit: number;
  records = 0;
  private readonly runs: { path: string; sizes: number[] }[] = [];

  constructor(
    params: ShuffleParams,
    fns: Fn[],
    private readonly env: ShuffleEnv,
    private readonly name: string,
  ) {
    this.n = params.numPartitions;
    this.limit = holdMemory(env, this, 0);
    this.partition = partitionerFor(params.partitioner, this.n);
    if (params.combine === 'aggregate') {
      this.combiners = combinerFns(params, fns);
      this.combined = new CombinerMap(this.combiners.create, this.combiners.merge);
    }
    for (let r = 0; r < this.n; r++) {
      this.pending.push([]);
      this.frames.push([]);
    }
  }

  /** Takes one record; `checkpoint` must follow now and then (it spills). */
  add(record: unknown): void {
    this.records++;
    const kv = plainRecord(record);
    if (!Array.isArray(kv) || kv.length !== 2)
      throw new TypeError(`a shuffle needs [key, value] pairs, got ${kv === null ? 'null' : typeof kv}`);
    if (this.combined) {
      if (this.combined.add(kv[0], kv[1])) this.entries++;
    } else {
      const r = this.partition(kv[0]);
      const p = this.pending[r]!;
      p.push(kv);
      this.entries++;
      if (p.length >= FRAME_RECORDS) this.seal(r);
    }
  }

  /** Whether memory is past the budget (estimated). */
  full(): boolean {
    return this.heldBytes() > this.limit;
  }

  private heldBytes(): number {
    return this.frameBytes + this.entries * this.bytesPerEntry;
  }

  /** Refines the size estimate now and then, and spills once memory is past the budget. */
  async checkpoint(): Promise<void> {
    if (this.sinceSample++ % 16 === 0) this.sample(); // the first time too: the estimate starts as a guess
    this.limit = holdMemory(this.env, this, this.heldBytes());
    if (this.full()) await this.spill();
  }

  /**
   * Refines the estimate of an entry's size: from a few of the records waiting to be framed, or
   * when combining, from the oldest combiners (they grow as values merge in: a list of values can
   * outgrow any record).
   */
  private sample(): void {
    let some: unknown[] = [];
    if (this.combined) {
      some = this.combined.sample(16);
    } else {
      for (const p of this.pending) {
        for (let i = Math.max(0, p.length - 4); i < p.length && some.length < 16; i++) some.push(p[i]);
      }
    }
    // Pending records are held as they are, combiners as map entries.
    if (some.length > 0) this.bytesPerEntry = Math.max(16, averageHeapSize(some, 16) + (this.combined ? MAP_ENTRY_BYTES - PAIR_BYTES : 8));
  }

  private seal(r: number): void {
    const frame = encodeFrame(this.pending[r]!);
    this.pending[r] = [];
    this.frames[r]!.push(frame);
    this.frameBytes += frame.length;
    this.entries -= FRAME_RECORDS;
  }

  /** The in-memory contents of reducer r as frames (aggregate: sorted [canonical, key, combiner] triples). */
  private memorySegment(r: number): Buffer[] {
    if (this.combiners) return [...encodeFrames(this.memoryTriples(r))];
    const out = this.frames[r]!;
    if (this.pending[r]!.length > 0) out.push(encodeFrame(this.pending[r]!));
    return out;
  }

  private clearMemory(): void {
    this.combined?.clear();
    this.split = undefined;
    for (let r = 0; r < this.n; r++) {
      this.pending[r] = [];
      this.frames[r] = [];
    }
    this.frameBytes = 0;
    this.entries = 0;
    this.limit = holdMemory(this.env, this, 0);
  }

  private async spill(): Promise<void> {
    const path = join(this.env.dir, `${this.name}.spill${this.runs.length}`);
    const file = await SegmentFileWriter.create(path);
    for (let r = 0; r < this.n; r++) {
      for (const f of this.memorySegment(r)) await file.write(f);
      file.endSegment();
    }
    const sizes = await file.close();
    this.runs.push({ path, sizes });
    if (this.env.counters) this.env.counters.spillBytes += sizes.reduce((a, b) => a + b, 0);
    this.clearMemory();
  }

  /** Merges runs and memory into the data file; writes the index; returns the segment sizes. */
  async finish(): Promise<number[]> {
    const tmp = join(this.env.dir, `${this.name}.data.tmp`);
    const file = await SegmentFileWriter.create(tmp);
    for (let r = 0; r < this.n; r++) {
      if (this.combiners) {
        await this.mergeAggregated(r, file);
      } else {
        for (const run of this.runs) await copyRange(run.path, segmentStart(run.sizes, r), run.sizes[r]!, file);
        for (const f of this.memorySegment(r)) await file.write(f);
      }
      file.endSegment();
    }
    const sizes = await file.close();
    await rename(tmp, join(this.env.dir, `${this.name}.data`));
    await writeFile(join(this.env.dir, `${this.name}.index`), JSON.stringify(sizes));
    return sizes;
  }

  /** K-way merge of reducer r's sorted runs and memory (a frame of each at a time), combining equal keys. */
  private async mergeAggregated(r: number, file: SegmentFileWriter): Promise<void> {
    const sources: AsyncIterable<unknown[][]>[] = this.runs.map(
      (run) => readFrames(run.path, segmentStart(run.sizes, r), run.sizes[r]!) as AsyncIterable<unknown[][]>,
    );
    const memory = this.memoryTriples(r);
    sources.push(memoryFrames(memory));
    for await (const out of combineSorted(mergeSorted(sources, byCanonical), this.combiners!.mergeCombiners))
      await file.write(encodeFrame(out));
  }

  /** Reducer r's combiners as [canonical key, key, combiner], sorted by canonical key. */
  private memoryTriples(r: number): unknown[][] {
    if (!this.split) {
      const split: unknown[][][] = Array.from({ length: this.n }, () => []);
      for (const t of this.combined!.triples()) split[this.partition(t[1])]!.push(t);
      for (const triples of split) triples.sort(byCanonical);
      this.split = split;
    }
    return this.split[r]!;
  }

  get spills(): number {
    return this.runs.length;
  }

  async cleanup(): Promise<void> {
    this.env.memory?.release(this);
    await Promise.all(this.runs.map((run) => rm(run.path, { force: true })));
  }
}
