import type { FileSplit, RangeSlice, SampleParams, ShuffleReadInput, StagePlan, TaskInputs } from '../protocols/driver-executor/index.js';
import type { RecordOp, TypedAction, TypedPlanNode } from '../protocols/driver-executor/index.js';
import type { CachedBlock } from '../protocols/driver-executor/index.js';
import { decodeAction, decodePlanNode, decodeValue, encodeValue } from '../protocols/driver-executor/index.js';
import type { BlockStore } from './block-store.js';
import { asClosureError, type FunctionBuilder } from './functions.js';
import { describeValue, fuseChain, type Sink } from './fused-chain.js';
import { readShuffle } from './shuffle-reader.js';
import type { ShuffleEnv } from './shuffle-writer.js';
import type { TaskCounters } from './task-metrics.js';
import { avroRecords, jsonRecords, textLines, type ExecutorFs, type SourceCache } from './sources.js';

/**
 * Computing one partition of a stage: each op of the plan becomes a stream of record batches
 * pulled from its parents. Batches (arrays) rather than single records keep the per-record cost
 * to a plain loop; only batches cross `await`.
 */

/** Records per batch for sources that generate records (parallelize, range). */
export const BATCH_SIZE = 1024;

export type Batch = unknown[];

/**
 * A partition's records as batches; fused chains can also push them one at a time (`pushTo`).
 * Only one of the two ways may be used per stream.
 */
export type BatchStream = AsyncIterable<Batch> & Partial<RecordPusher>;

export interface RecordPusher {
  /**
   * Calls `each` with every record, as soon as the chain has made it, so the consumer uses it while
   * it is still in the CPU caches (word count's map side: the word's hash lookup right after
   * split made the string, about 2x faster than collecting batches of pairs first). Yields after
   * each source batch, and after a source record once `full()` is true: the points where the
   * consumer may await (spill, cancel).
   */
  pushTo(each: (x: unknown) => void, full: () => boolean): AsyncIterable<void>;
}
type Fn = (...args: unknown[]) => unknown;
/** A node of a fused chain. */
type FusedNode = PreparedNode & { op: RecordOp };

/** A plan node with its functions rebuilt. */
export type PreparedNode = TypedPlanNode<Fn>;

/** A stage plan decoded (ops, actions and their params typed) and its functions rebuilt, once per executor. */
export interface PreparedStage {
  plan: StagePlan;
  nodes: Map<number, PreparedNode>;
  action: TypedAction<Fn>;
}

/** Decodes a stage plan; throws PlanDecodeError for an op or action this executor does not know. */
export function prepareStage(plan: StagePlan, builder: FunctionBuilder): PreparedStage {
  const nodes = new Map<number, PreparedNode>();
  for (const wire of plan.nodes) {
    const n = decodePlanNode(wire);
    nodes.set(n.id, { ...n, fns: n.fns.map((f) => builder.build(f, n.op)) });
  }
  const action = decodeAction(plan.action);
  return { plan, nodes, action: { ...action, fns: action.fns.map((f) => builder.build(f, action.kind)) } };
}

/** What computing a task's partition needs besides the plan. */
export interface ComputeContext {
  inputs: Map<string, unknown>;
  fs: ExecutorFs;
  cache: SourceCache;
  /** Bytes read from files and records the sources handed on, so far (a task's TaskCounters). */
  metrics: Pick<TaskCounters, 'bytesRead'> & Partial<Pick<TaskCounters, 'recordsRead'>>;
  /** Local shuffle directory and block fetching; absent where shuffles cannot run. */
  shuffle?: ShuffleEnv;
  /** Cached partitions of persisted datasets; without it, persisted datasets are computed as any other. */
  blocks?: BlockStore;
  /** Where the task notes each block it stored (reported in its status). */
  stored?: CachedBlock[];
}

export function inputsMap(inputs: TaskInputs): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [node, p, input] of inputs) m.set(`${node}:${p}`, input);
  return m;
}

/**
 * The batches of partition `p` of node `id`. A persisted node's partition comes from the block
 * store when this executor holds it (its parents, down to the sources, are not touched); otherwise
 * it is computed, and kept once the task has read all of it.
 */
export function computePartition(stage: PreparedStage, id: number, p: number, ctx: ComputeContext): BatchStream {
  const node = stage.nodes.get(id);
  if (!node) throw new Error(`internal: the stage plan has no node ${id}`);
  if (node.persist && ctx.blocks) return cachedPartition(stage, node, p, ctx, ctx.blocks);
  return computeNode(stage, node, p, ctx);
}

/** Partition `p` of a persisted node: read back, or computed and stored once read to its end. */
function cachedPartition(stage: PreparedStage, node: PreparedNode, p: number, ctx: ComputeContext, blocks: BlockStore): BatchStream {
  const held = blocks.read(node.id, p);
  if (held) {
    return counted(
      (async function* () {
        for await (const chunk of held) yield decodeValue(chunk) as Batch;
      })(),
      ctx.metrics,
    );
  }
  const source = computeNode(stage, node, p, ctx);
  const level = node.persist!;
  return (async function* () {
    const chunks: Buffer[] = [];
    // Serialized before the batch is handed on: later ops may change the records in place.
    for await (const b of source) {
      chunks.push(encodeValue(b, `records of the persisted dataset ${node.id} (${node.op})`));
      yield b;
    }
    // Reached only when the consumer read the whole partition (take() may stop early).
    try {
      const bytes = await blocks.put(node.id, p, chunks, level);
      ctx.stored?.push({ nodeId: node.id, partition: p, bytes });
    } catch (err) {
      // Not kept (local disk full?): the records are right all the same, and computed again when needed.
      ctx.shuffle?.note?.(`partition ${p} of persisted dataset ${node.id} could not be kept: ${String(err)}`);
    }
  })();
}

function computeNode(stage: PreparedStage, node: PreparedNode, p: number, ctx: ComputeContext): BatchStream {
  const id = node.id;
  const parent = (k = 0, q = p): BatchStream => computePartition(stage, node.parents[k]!, q, ctx);
  const input = (): unknown => {
    const key = `${id}:${p}`;
    if (!ctx.inputs.has(key)) throw new Error(`internal: the task has no input for ${node.op} partition ${p}`);
    return ctx.inputs.get(key);
  };
  switch (node.op) {
    case 'parallelize':
      return counted(sliceBatches(input() as unknown[]), ctx.metrics);
    case 'range':
      return counted(rangeBatches(input() as RangeSlice), ctx.metrics);
    case 'text':
      return counted(textLines(ctx.fs, input() as FileSplit, ctx.metrics), ctx.metrics);
    case 'json':
      return counted(jsonRecords(ctx.fs, input() as FileSplit, ctx.metrics), ctx.metrics);
    case 'avro':
      return counted(avroRecords(ctx.fs, input() as FileSplit, ctx.metrics, ctx.cache), ctx.metrics);
    case 'map':
    case 'filter':
    case 'flatMap':
    case 'keyBy':
    case 'mapValues':
      return fusedBatches(stage, node, p, ctx);
    case 'mapPartitions':
      return mapPartitionBatches(parent(), node.params.withIndex, p, node.fns[0]!);
    case 'sample':
      return sampleBatches(parent(), node.params, p);
    case 'union': {
      let k = 0;
      let q = p;
      for (const pid of node.parents) {
        const count = stage.nodes.get(pid)!.numPartitions;
        if (q < count) break;
        q -= count;
        k++;
      }
      return parent(k, q);
    }
    case 'shuffle-read':
      if (!ctx.shuffle) throw new Error('this executor has no shuffle directory, so it cannot read shuffle output');
      return counted(readShuffle(input() as ShuffleReadInput, node.params, node.fns, ctx.shuffle), ctx.metrics);
    case 'coalesce':
      return concatBatches(node.params.groups[p]!.map((q) => () => parent(0, q)));
    default: {
      // Every op decodePlanNode accepts is handled above.
      const unhandled: never = node;
      throw new Error(`internal: no case for the op ${(unhandled as PreparedNode).op}`);
    }
  }
}

/** A source's batches, counting their records into the task's `recordsRead`. */
async function* counted(source: BatchStream, counters: ComputeContext['metrics']): BatchStream {
  for await (const b of source) {
    counters.recordsRead = (counters.recordsRead ?? 0) + b.length;
    yield b;
  }
}

/** In-memory sources let timers and sockets run at least this often (see eventLoopTurn). */
export const EVENT_LOOP_TURN_MS = 200;
let lastTurn = Date.now();

/**
 * A turn of the event loop when the last was EVENT_LOOP_TURN_MS ago. A task reading files or
 * shuffle blocks waits for I/O all the time; one over an array or a range never would, and on a
 * one-core executor (tasks on the main thread) its heartbeats and the driver's cancels would wait
 * until it ended: a long task would look like a lost executor.
 */
async function eventLoopTurn(): Promise<void> {
  if (Date.now() - lastTurn < EVENT_LOOP_TURN_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastTurn = Date.now();
}

async function* sliceBatches(records: unknown[]): BatchStream {
  for (let i = 0; i < records.length; i += BATCH_SIZE) {
    await eventLoopTurn();
    yield records.slice(i, i + BATCH_SIZE);
  }
}

async function* rangeBatches(r: RangeSlice): BatchStream {
  for (let i = r.start; i < r.end; i += BATCH_SIZE) {
    await eventLoopTurn();
    const n = Math.min(BATCH_SIZE, r.end - i);
    const b = new Array<number>(n);
    for (let j = 0; j < n; j++) b[j] = i + j;
    yield b;
  }
}

/** Record-at-a-time ops that can run fused in one loop. */
const FUSIBLE: ReadonlySet<string> = new Set<RecordOp>(['map', 'filter', 'flatMap', 'keyBy', 'mapValues']);

function isFusible(node: PreparedNode): node is FusedNode {
  return FUSIBLE.has(node.op);
}

/**
 * A chain of map, filter, flatMap, keyBy and mapValues as one loop over the source's batches:
 * each record goes through every op before the next one starts, and only the chain's output is
 * collected into a batch (at most about BATCH_SIZE records), rather than every op storing its
 * records in an array of its own for the next op to read again.
 */
function fusedBatches(stage: PreparedStage, last: FusedNode, p: number, ctx: ComputeContext): BatchStream {
  const chain: FusedNode[] = [last];
  let top = stage.nodes.get(last.parents[0]!)!;
  // A persisted dataset ends the chain: its partition is stored (or read back) as a whole.
  while (isFusible(top) && top.parents.length === 1 && !top.persist) {
    chain.unshift(top);
    top = stage.nodes.get(top.parents[0]!)!;
  }
  const source = computePartition(stage, top.id, p, ctx);
  const ops = chain.map((n) => ({ op: n.op, fn: n.fns[0]! }));
  const through = (sink: Sink): Sink => fuseChain(last, ops, sink);
  return {
    async *[Symbol.asyncIterator]() {
      let out: unknown[] = [];
      const run = through((x) => void out.push(x));
      for await (const b of source) {
        for (let i = 0; i < b.length; i++) {
          run(b[i]);
          if (out.length >= BATCH_SIZE) {
            yield out;
            out = [];
          }
        }
        if (out.length > 0) {
          yield out;
          out = [];
        }
      }
    },
    async *pushTo(each, full) {
      const run = through(each);
      for await (const b of source) {
        for (let i = 0; i < b.length; i++) {
          run(b[i]);
          if (full()) yield;
        }
        yield;
      }
    },
  };
}

async function* concatBatches(parts: (() => BatchStream)[]): BatchStream {
  for (const part of parts) yield* part();
}

async function* records(source: BatchStream): AsyncGenerator<unknown> {
  for await (const b of source) yield* b;
}

async function* mapPartitionBatches(source: BatchStream, withIndex: boolean, p: number, fn: Fn): BatchStream {
  const op = withIndex ? 'mapPartitionsWithIndex' : 'mapPartitions';
  let result: unknown;
  try {
    result = withIndex ? fn(p, records(source)) : fn(records(source));
    if (result && typeof (result as Promise<unknown>).then === 'function') result = await result;
  } catch (err) {
    throw asClosureError(err, op) ?? err;
  }
  if (result === null || result === undefined || typeof result === 'string') {
    throw new TypeError(`the function given to ${op} must return an iterable or async iterable of records (got ${describeValue(result)})`);
  }
  let batch: unknown[] = [];
  try {
    if (typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
      for await (const x of result as AsyncIterable<unknown>) {
        batch.push(x);
        if (batch.length >= BATCH_SIZE) {
          yield batch;
          batch = [];
        }
      }
    } else if (typeof (result as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const x of result as Iterable<unknown>) {
        batch.push(x);
        if (batch.length >= BATCH_SIZE) {
          yield batch;
          batch = [];
        }
      }
    } else {
      throw new TypeError(
        `the function given to ${op} must return an iterable or async iterable of records (got ${describeValue(result)})`,
      );
    }
  } catch (err) {
    throw asClosureError(err, op) ?? err;
  }
  if (batch.length > 0) yield batch;
}

/** A small, fast seeded generator (mulberry32): the same seed and partition sample the same records on every attempt. */
export function seededRandom(seed: number, partition: number): () => number {
  let a = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(partition + 1, 0x85ebca6b)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function* sampleBatches(source: BatchStream, s: SampleParams, p: number): BatchStream {
  const random = seededRandom(s.seed, p);
  const limit = Math.exp(-s.fraction);
  for await (const b of source) {
    const out: unknown[] = [];
    for (const x of b) {
      if (!s.withReplacement) {
        if (random() < s.fraction) out.push(x);
        continue;
      }
      // Poisson(fraction) copies (Knuth), for sampling with replacement.
      let k = 0;
      let prod = random();
      while (prod > limit) {
        k++;
        prod *= random();
      }
      for (let i = 0; i < k; i++) out.push(x);
    }
    if (out.length > 0) yield out;
  }
}
