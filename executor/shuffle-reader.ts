import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { canonicalKeyValue } from '../protocols/driver-executor/index.js';
import { errorMessage, SpindleError } from '../protocols/errors/index.js';
import { CombinerMap } from './combiner-map.js';
import type { BatchStream } from './compute.js';
import { BATCH_SIZE } from './compute.js';
import type { ShuffleParams, ShuffleReadInput } from '../protocols/driver-executor/index.js';
import { byCanonical, combineSorted, memoryFrames, mergeSorted } from './merge.js';
import { averageHeapSize, MAP_ENTRY_BYTES, PAIR_BYTES } from './heap-size.js';
import { ReduceSorter } from './reduce-sorter.js';
import { TaskScratch } from './scratch.js';
import {
  decodeFrames,
  keyedRecords,
  readFrames,
  recordFrames,
  readSizedFrames,
  sizedFrames,
  writeFullySync,
  writeRun,
  type SizedFrame,
} from './shuffle-files.js';
import { combinerFns, holdMemory, type ShuffleEnv } from './shuffle-writer.js';

/**
 * The reduce side of a shuffle: fetch this reducer's segment of every map output (from the block
 * servers of the executors that wrote them, a few at a time, with a bound on bytes in flight),
 * then merge: combine equal keys, group values, or pass records through, sorting if asked.
 */

/** At most this many fetch requests in flight per reduce task. */
export const FETCH_CONCURRENCY = 4;
/** Requests are started while fewer than this many bytes are in flight (one is always allowed); smaller budgets lower it. */
export const MAX_BYTES_IN_FLIGHT = 48 * 1024 * 1024;
/** Attempts per block server before the task fails with a FetchFailedError. */
export const FETCH_ATTEMPTS = 3;
/** Delay before the second attempt; doubled for each further one. */
export const FETCH_RETRY_MS = 200;

/**
 * Map output could not be fetched: the driver recomputes the map outputs of `executorId`. The
 * marker in the message is how the driver learns which executor (errors cross as name + message).
 */
export class FetchFailedError extends SpindleError {
  override readonly name = 'FetchFailedError';
  constructor(
    readonly executorId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} [map output lost on executor ${executorId}]`, options);
  }
}

type Fn = (...args: unknown[]) => unknown;

/** One fetched segment: in memory, or in a scratch file when it was too large to hold. */
export type Fetched = { data: Buffer; path?: undefined; bytes: number } | { data?: undefined; path: string; bytes: number };

/** The decoded frames of a fetched segment, one at a time, with their encoded sizes. */
export async function* fetchedFrames(f: Fetched): AsyncGenerator<SizedFrame> {
  if (f.data) yield* sizedFrames(f.data);
  else yield* readSizedFrames(f.path, 0, f.bytes);
}

/** Segments larger than this are fetched into a scratch file rather than into memory. */
export function largeSegmentBytes(env: ShuffleEnv): number {
  return Math.max(1024 * 1024, Math.floor(env.memoryBytes / 4));
}

/** Bytes of segments held in memory at once, between fetching and decoding. */
export function bytesInFlightLimit(env: ShuffleEnv): number {
  return Math.max(largeSegmentBytes(env), Math.min(MAX_BYTES_IN_FLIGHT, env.memoryBytes));
}

/**
 * Every segment of this reducer, handed to `onSegment` one at a time as they arrive. Memory is
 * bounded: requests start only while the segments fetched into memory but not yet handled stay
 * under bytesInFlightLimit, and a segment too large for that goes to a scratch file instead.
 */
export async function fetchSegments(
  input: ShuffleReadInput,
  env: ShuffleEnv,
  scratch: TaskScratch,
  onSegment: (segment: Fetched) => Promise<void> | void,
  stats: ReadStats,
): Promise<void> {
  const queue = [...input.sources];
  const large = largeSegmentBytes(env);
  const limit = bytesInFlightLimit(env);
  let inFlight = 0;
  let bytesInFlight = 0;
  let processing: Promise<void> = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: Error): void => {
      failed = true;
      reject(err);
    };
    const toFile = (src: ShuffleReadInput['sources'][number]): boolean => src.files.length === 1 && src.bytes > large;
    const pump = (): void => {
      if (failed) return;
      if (queue.length === 0 && inFlight === 0) {
        resolve();
        return;
      }
      while (queue.length > 0 && inFlight < FETCH_CONCURRENCY) {
        const src = queue[0]!;
        const bytes = toFile(src) ? 0 : src.bytes;
        if (bytesInFlight > 0 && bytesInFlight + bytes > limit) break;
        queue.shift();
        inFlight++;
        bytesInFlight += bytes;
        const fetched: Promise<Fetched[]> = toFile(src)
          ? withRetry(src, input.reduceId, async () => {
              const path = scratch.file('fetched');
              const got = await env.fetchToFile(src.address, src.files[0]!, input.reduceId, path);
              stats.fetchedToDisk++;
              return [{ path, bytes: got }];
            })
          : withRetry(src, input.reduceId, async () =>
              (await env.fetch(src.address, src.files, input.reduceId)).map((data) => ({ data, bytes: data.length })),
            );
        fetched.then(() => {
          inFlight--;
          pump();
        }, fail);
        // Handled in the order of the sources, whatever order they arrive in. Sources are grouped
        // by executor, so that order still depends on which executor ran which map task: merged
        // keys come out canonical (canonicalKeyValue) for that reason. A segment's memory is free
        // once handled: only then may more requests start.
        const handled = (processing = processing.then(async () => {
          // Fetch wait: the reducer has handled everything before this segment and waits for it.
          const waitStart = performance.now();
          const segments = await fetched;
          if (env.counters) env.counters.shuffleFetchWaitMs += performance.now() - waitStart;
          for (const s of segments) {
            if (env.counters) env.counters.shuffleBytesRead += s.bytes;
            await onSegment(s);
            if (s.path) await scratch.remove(s.path);
          }
        }));
        handled.then(() => {
          bytesInFlight -= bytes;
          pump();
        }, fail);
      }
    };
    pump();
  });
  await processing;
}

async function withRetry<T>(src: ShuffleReadInput['sources'][number], reduceId: number, fetch: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < FETCH_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, FETCH_RETRY_MS * 2 ** (attempt - 1)));
    try {
      return await fetch();
    } catch (err) {
      last = err;
    }
  }
  throw new FetchFailedError(
    src.executorId,
    `fetch shuffle blocks for reducer ${reduceId} from executor ${src.executorId} at ${src.address} failed ${FETCH_ATTEMPTS} times: ${errorMessage(last)}`,
    { cause: last },
  );
}

/** What a reduce task put on disk, for the executor's log. */
export interface ReadStats {
  fetchedToDisk: number;
  runs: number;
  groups: number;
  keptOnDisk: number;
}

/** The records of one reduce partition. */
export async function* readShuffle(input: ShuffleReadInput, params: ShuffleParams, fns: Fn[], env: ShuffleEnv): BatchStream {
  const scratch = env.scratch ?? new TaskScratch(env.dir, `reduce_${params.shuffleId}_${input.reduceId}_${randomBytes(4).toString('hex')}`);
  const stats: ReadStats = { fetchedToDisk: 0, runs: 0, groups: 0, keptOnDisk: 0 };
  try {
    if (params.combine === 'aggregate') yield* aggregated(input, params, fns, env, scratch, stats);
    else if (params.combine === 'none' && !params.sort) yield* passedThrough(input, env, scratch, stats);
    else yield* sortedOrGrouped(input, params, env, scratch, stats);
    if (stats.fetchedToDisk + stats.runs + stats.groups + stats.keptOnDisk > 0) {
      env.note?.(
        `shuffle ${params.shuffleId} reduce ${input.reduceId}: ${stats.fetchedToDisk} segment(s) fetched to disk, ${stats.keptOnDisk} kept on disk, ` +
          `${stats.runs} run(s) spilled, ${stats.groups} group(s) larger than memory streamed from disk`,
      );
    }
  } finally {
    if (!env.scratch) await scratch.clear();
  }
}

/** Combiners merged per key: in memory while they fit, else sorted runs merged at the end. */
async function* aggregated(
  input: ShuffleReadInput,
  params: ShuffleParams,
  fns: Fn[],
  env: ShuffleEnv,
  scratch: TaskScratch,
  stats: ReadStats,
): BatchStream {
  const { mergeCombiners } = combinerFns(params, fns);
  const combiners = new SpillingCombiners(mergeCombiners, env, scratch);
  await fetchSegments(
    input,
    env,
    scratch,
    async (s) => {
      for await (const frame of fetchedFrames(s)) await combiners.add(keyedRecords(frame.records, 'fetched shuffle segment'));
    },
    stats,
  );
  stats.runs += combiners.spills;
  if (!params.sort) {
    yield* combiners.results();
    return;
  }
  const sorter = new ReduceSorter({
    order: params.sort,
    dir: env.dir,
    memoryBytes: env.memoryBytes,
    ...(env.memory ? { memory: env.memory } : {}),
    scratch,
    ...(env.counters ? { counters: env.counters } : {}),
  });
  try {
    for await (const batch of combiners.results()) await sorter.add(batch as [unknown, unknown][]);
    stats.runs += sorter.spills;
    yield* sorter.sorted();
  } finally {
    await sorter.cleanup();
  }
}

/** Records as they come (repartition): segments kept serialized, those past the budget on disk. */
async function* passedThrough(input: ShuffleReadInput, env: ShuffleEnv, scratch: TaskScratch, stats: ReadStats): BatchStream {
  type Kept = { data: Buffer } | { path: string; start: number; bytes: number };
  const kept: Kept[] = [];
  let memory = 0;
  const holder = {};
  let spill: { path: string; fd: number; at: number } | undefined;
  try {
    await fetchSegments(
      input,
      env,
      scratch,
      async (s) => {
        if (!s.data) {
          // Fetched into a scratch file, which goes once handled: keep it under another name.
          const path = scratch.file('kept');
          await rename(s.path, path);
          kept.push({ path, start: 0, bytes: s.bytes });
        } else if (memory + s.bytes <= holdMemory(env, holder, memory)) {
          memory += s.bytes;
          kept.push({ data: s.data });
        } else {
          spill ??= ((path) => ({ path, fd: openSync(path, 'w'), at: 0 }))(scratch.file('kept'));
          writeFullySync(spill.fd, s.data);
          if (env.counters) env.counters.spillBytes += s.bytes;
          kept.push({ path: spill.path, start: spill.at, bytes: s.bytes });
          spill.at += s.bytes;
          stats.keptOnDisk++;
        }
      },
      stats,
    );
  } finally {
    if (spill) closeSync(spill.fd);
  }
  try {
    for (let i = 0; i < kept.length; i++) {
      const k = kept[i]!;
      if ('data' in k) {
        kept[i] = { data: Buffer.alloc(0) }; // handled: its memory may go
        memory -= k.data.length;
        holdMemory(env, holder, memory);
        for (const frame of decodeFrames(k.data)) yield frame;
      } else for await (const frame of readFrames(k.path, k.start, k.bytes)) yield frame;
    }
  } finally {
    env.memory?.release(holder);
  }
}

/** Grouped by key or sorted by key, within the budget (see ReduceSorter). */
async function* sortedOrGrouped(
  input: ShuffleReadInput,
  params: ShuffleParams,
  env: ShuffleEnv,
  scratch: TaskScratch,
  stats: ReadStats,
): BatchStream {
  const sorter = new ReduceSorter({
    order: params.combine === 'group' ? 'group' : params.sort!,
    dir: env.dir,
    memoryBytes: env.memoryBytes,
    ...(env.memory ? { memory: env.memory } : {}),
    scratch,
    ...(env.counters ? { counters: env.counters } : {}),
    inputBytes: input.sources.reduce((n, s) => n + s.bytes, 0),
  });
  try {
    await fetchSegments(
      input,
      env,
      scratch,
      async (s) => {
        for await (const frame of fetchedFrames(s)) await sorter.add(keyedRecords(frame.records, 'fetched shuffle segment'), frame.bytes);
      },
      stats,
    );
    stats.runs += sorter.spills;
    yield* sorter.sorted();
    stats.groups += sorter.spilledGroups;
  } finally {
    await sorter.cleanup();
  }
}

/**
 * Reduce-side combining within a budget: a map of key → combiner while it fits; past the budget
 * its entries are sorted by canonical key and spilled as a run, and at the end the runs and the
 * map are merged, combining equal keys.
 */
class SpillingCombiners {
  private readonly map: CombinerMap;
  private bytesPerEntry = 64;
  private sinceSample = 0;
  private readonly runs: { path: string; size: number }[] = [];

  constructor(
    private readonly mergeCombiners: Fn,
    private readonly env: ShuffleEnv,
    private readonly scratch: TaskScratch,
  ) {
    this.map = new CombinerMap((c) => c, mergeCombiners as (a: unknown, b: unknown) => unknown);
  }

  get spills(): number {
    return this.runs.length;
  }

  async add(records: [unknown, unknown][]): Promise<void> {
    const m = this.map;
    for (const kv of records) m.add(kv[0], kv[1]);
    let limit = holdMemory(this.env, this, m.size * this.bytesPerEntry);
    if (++this.sinceSample >= 16 || m.size * this.bytesPerEntry > limit) {
      this.sample();
      limit = holdMemory(this.env, this, m.size * this.bytesPerEntry);
    }
    if (m.size * this.bytesPerEntry > limit) await this.spill();
  }

  /** Refines the size estimate from a few entries (combiners grow as values merge in). */
  private sample(): void {
    this.sinceSample = 0;
    const some = this.map.sample(16);
    if (some.length > 0) this.bytesPerEntry = Math.max(16, averageHeapSize(some) - PAIR_BYTES + MAP_ENTRY_BYTES);
  }

  private sortedTriples(): unknown[][] {
    const triples: unknown[][] = [...this.map.triples()];
    this.map.clear();
    return triples.sort(byCanonical);
  }

  private async spill(): Promise<void> {
    const path = this.scratch.file('combined');
    const size = await writeRun(path, recordFrames(this.sortedTriples()));
    this.runs.push({ path, size });
    holdMemory(this.env, this, 0);
    if (this.env.counters) this.env.counters.spillBytes += size;
  }

  /**
   * The combined records. What is handed on leaves this holder's share of the task's memory (the
   * next holder counts what it keeps), so it shrinks as the output goes.
   */
  async *results(): AsyncGenerator<unknown[]> {
    const held = this.map.size * this.bytesPerEntry;
    try {
      if (this.runs.length === 0) {
        let out: unknown[] = [...this.map.outputPairs()];
        this.map.clear();
        for (let i = 0; i < out.length; i += BATCH_SIZE) {
          holdMemory(this.env, this, Math.floor(held * (1 - i / out.length)));
          yield out.slice(i, i + BATCH_SIZE);
        }
        out = [];
        return;
      }
      const sources = this.runs.map((r) => readFrames(r.path, 0, r.size) as AsyncIterable<unknown[][]>);
      sources.push(memoryFrames(this.sortedTriples()));
      try {
        for await (const batch of combineSorted(mergeSorted(sources, byCanonical), this.mergeCombiners)) {
          for (const kv of batch) kv[0] = canonicalKeyValue(kv[0]);
          yield batch;
        }
      } finally {
        await Promise.all(this.runs.map((r) => this.scratch.remove(r.path)));
      }
    } finally {
      this.env.memory?.release(this);
    }
  }
}
