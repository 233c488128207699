import type { FnRef } from './messages.js';

/**
 * What the ops and actions of a stage plan mean: the contract between the driver, which writes
 * plans, and executors, which run them. On the wire a plan node is `op` (a string), `fns` and
 * v8-serialized `params` (schemas.ts); above the wire every op and action kind is one member of a
 * discriminated union carrying its own params, and plan-codec.ts converts between the two.
 */

/** Source ops: a leaf dataset whose partitions are read from the task's inputs. */
export type SourceOp = 'parallelize' | 'range' | 'text' | 'json' | 'avro';

/** Record-at-a-time ops applying fns[0] to each record (executors fuse chains of them). */
export type RecordOp = 'map' | 'flatMap' | 'filter' | 'keyBy' | 'mapValues';

/** Every op of a plan node with its params (`null`: the op has none). */
export type PlanOp =
  | { op: SourceOp; params: null }
  | { op: RecordOp; params: null }
  | { op: 'mapPartitions'; params: MapPartitionsParams }
  | { op: 'sample'; params: SampleParams }
  | { op: 'union'; params: null }
  | { op: 'coalesce'; params: CoalesceParams }
  | { op: 'shuffle-read'; params: ShuffleParams };

export type PlanOpName = PlanOp['op'];

/**
 * How a persisted dataset's partitions are kept (Spark's names): 'MEMORY_AND_DISK' in executor
 * memory within its budget, the least recently used spilled to local disk above it; 'DISK_ONLY' on
 * local disk only. Both keep the records serialized.
 */
export type StorageLevel = 'MEMORY_AND_DISK' | 'DISK_ONLY';

/** Every storage level (what a decoder and persist() accept). */
export const STORAGE_LEVELS: readonly StorageLevel[] = ['MEMORY_AND_DISK', 'DISK_ONLY'];

/** A plan node as both sides see it: the wire PlanNode with its op and params typed. `F`: how functions are held. */
export type TypedPlanNode<F = FnRef> = PlanOp & {
  id: number;
  parents: number[];
  numPartitions: number;
  fns: F[];
  /** Set when the dataset is persisted: each partition computed in full is kept at this level. */
  persist?: StorageLevel;
};

/** Every action kind with its params (`null`: the kind has none). */
export type PlanAction =
  | { kind: 'collect' | 'count' | 'reduce' | 'foreach'; params: null }
  | { kind: 'take'; params: TakeParams }
  | { kind: 'fold' | 'aggregate'; params: FoldParams }
  | { kind: 'save'; params: SaveParams }
  | { kind: 'shuffle-write'; params: ShuffleParams };

export type ActionKind = PlanAction['kind'];

/** A stage's action as both sides see it: the wire ActionSpec with its kind and params typed. */
export type TypedAction<F = FnRef> = PlanAction & { fns: F[] };

/** Input of one partition of a file source: the byte range [start, start + length) of a file. */
export interface FileSplit {
  path: string;
  start: number;
  length: number;
  /** File length (a split's last line may run past the split, never past the file). */
  fileLength: number;
  /**
   * Text and JSON lines only, for sampling (sortByKey's range bounds): read `count` windows of
   * `bytes` spread evenly over the split instead of all of it; each owns the lines starting in it.
   */
  windows?: SplitWindows;
}

export interface SplitWindows {
  count: number;
  bytes: number;
}

/** Input of one partition of `range`: the numbers start, start + 1, ..., end - 1. */
export interface RangeSlice {
  start: number;
  end: number;
}

/** params of 'mapPartitions'. */
export interface MapPartitionsParams {
  /** The function is called as fn(partition index, records) (mapPartitionsWithIndex). */
  withIndex: boolean;
}

/** params of 'sample'. */
export interface SampleParams {
  withReplacement: boolean;
  fraction: number;
  seed: number;
}

/**
 * params of 'coalesce': for each partition, the parent partitions it reads, in order. (The driver's
 * coalesce dataset holds a target partition count; the groups are fixed once the parent's partitions are known.)
 */
export interface CoalesceParams {
  groups: number[][];
}

/**
 * A task's inputs: for each source partition it reads, [node id, partition, input]. The input is
 * a slice of records (parallelize), a RangeSlice, a FileSplit or a ShuffleReadInput.
 */
export type TaskInputs = [number, number, unknown][];

/** Output formats of the 'save' action. */
export type SaveFormat = 'text' | 'json' | 'avro';

/** params of the 'save' action. */
export interface SaveParams {
  format: SaveFormat;
  /** Directory the attempt writes into; the driver moves the file into place when it commits. */
  attemptDir: string;
  /** File name suffix, e.g. ".avro". */
  extension: string;
  /** Avro schema (JSON) for 'avro'. */
  schema?: unknown;
  /** Avro codec: 'null' or 'deflate'. */
  codec?: string;
}

/** What a 'save' task reports: the file it wrote. */
export interface SaveResult {
  path: string;
  records: number;
  bytes: number;
}

/** params of 'take'. */
export interface TakeParams {
  n: number;
}

/** params of 'fold' and 'aggregate' (fns[0] is the fold or seqOp function). */
export interface FoldParams {
  zero: unknown;
}

/** Result of 'reduce' on one partition. */
export type ReducePartial = { empty: true } | { empty: false; value: unknown };

/** Which reducer a key goes to: by hash of its canonical encoding, or by sorted range bounds. */
export type PartitionerSpec = { kind: 'hash' } | { kind: 'range'; bounds: unknown[]; ascending: boolean };

/**
 * How records meet at a reducer. 'none': as they come; 'group': [key, values[]]; 'aggregate':
 * [key, combiner], with fns [createCombiner, mergeValue, mergeCombiners] (createCombiner is
 * replaced by mergeValue(copy of zero, v) when `zero` is set), combined on the map side first.
 */
export type ShuffleCombine = 'none' | 'group' | 'aggregate';

/** What both sides of one shuffle agree on (params of 'shuffle-write' and of 'shuffle-read'). */
export interface ShuffleParams {
  shuffleId: number;
  numPartitions: number;
  partitioner: PartitionerSpec;
  combine: ShuffleCombine;
  /** aggregateByKey's zero value. */
  zero?: { value: unknown };
  /** Reduce side: sort each partition by key. */
  sort?: 'asc' | 'desc';
}

/** Result of a 'shuffle-write' task: where its map output is and how big each reducer's part is. */
export interface MapStatus {
  /** host:port of the block server that serves the file. */
  address: string;
  /** File name (no directory) in the executor's shuffle directory. */
  file: string;
  /** Bytes per reducer. */
  sizes: number[];
}

/** Input of a 'shuffle-read' partition: the map outputs to fetch, grouped by block server. */
export interface ShuffleReadInput {
  reduceId: number;
  sources: { executorId: string; address: string; files: string[]; bytes: number }[];
}

/**
 * A closure value that is not plain data, as it travels inside FnRef.env: a broadcast handle, a
 * function (itself shipped as an FnRef), or an accumulator handle (its id, its name for messages,
 * and its merge function, null for a summing one), which executors rebuild as an adder.
 */
export const ENV_MARKER = '\u0000spindle';
export type EnvMarker =
  | { [ENV_MARKER]: 'broadcast'; id: number }
  | { [ENV_MARKER]: 'fn'; ref: { source: string; builtin: string | null } }
  | { [ENV_MARKER]: 'accumulator'; id: number; name: string; merge: FnRef | null };
