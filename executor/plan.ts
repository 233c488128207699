/**
 * What the ops and actions of a stage plan mean: the contract between the driver, which writes
 * plans (appmaster/driver/stages.ts), and the executor, which runs them (compute.ts, actions.ts).
 * The protocol carries `op`, `fns` and v8-serialized `params`; the shapes of those params are here.
 */

/** Source ops: a leaf dataset whose partitions are read from the task's inputs. */
export const SOURCE_OPS = ['parallelize', 'range', 'text', 'json', 'avro'] as const;
export type SourceOp = (typeof SOURCE_OPS)[number];

/** Ops with one parent and the same partitions (partition p reads parent partition p). */
export const ONE_TO_ONE_OPS = ['map', 'flatMap', 'filter', 'keyBy', 'mapValues', 'mapPartitions', 'sample'] as const;
export type OneToOneOp = (typeof ONE_TO_ONE_OPS)[number];

export type PlanOp = SourceOp | OneToOneOp | 'union' | 'coalesce';

/** Input of one partition of a file source: the byte range [start, start + length) of a file. */
export interface FileSplit {
  path: string;
  start: number;
  length: number;
  /** File length (a split's last line may run past the split, never past the file). */
  fileLength: number;
}

/** Input of one partition of `range`: the numbers start, start + 1, ..., end - 1. */
export interface RangeSlice {
  start: number;
  end: number;
}

/** params of 'mapPartitions'. */
export interface MapPartitionsParams {
  withIndex: boolean;
}

/** params of 'sample'. */
export interface SampleParams {
  withReplacement: boolean;
  fraction: number;
  seed: number;
}

/** params of 'coalesce': for each partition, the parent partitions it reads, in order. */
export interface CoalesceParams {
  groups: number[][];
}

/**
 * A task's inputs: for each source partition it reads, [node id, partition, input]. The input is
 * a slice of records (parallelize), a RangeSlice or a FileSplit.
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

export type ActionKind = 'collect' | 'count' | 'take' | 'reduce' | 'fold' | 'aggregate' | 'foreach' | 'save' | 'shuffle-write';

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
 * A closure value that is not plain data, as it travels inside FnRef.env: a broadcast handle, or
 * a function (itself shipped as an FnRef).
 */
export const ENV_MARKER = '\u0000spindle';
export type EnvMarker = { [ENV_MARKER]: 'broadcast'; id: number } | { [ENV_MARKER]: 'fn'; ref: { source: string; builtin: string | null } };
