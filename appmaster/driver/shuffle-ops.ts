import { rangeBounds, type ShuffleCombine, type ShuffleParams } from '../../protocols/driver-executor/index.js';
import { shipFunction, type ClosureValues, type ShippedFn } from './closure.js';
import type { DatasetHost } from './dataset.js';
import { JobDefinitionError } from './errors.js';
import type { DatasetNode } from './nodes.js';

/**
 * The shuffle node behind every wide transformation, and the helpers the key-value methods of
 * Dataset are built from. Functions shipped from here are self-contained (parameters and closure
 * values only), since executors rebuild them in the job module's scope, not this one's.
 */

/**
 * Keys sampled per output partition to choose range bounds (sortByKey). A partition's share of the
 * sample varies by about 1/sqrt(this): with 20 (as before), a TeraSort-like 1 GiB sort into 8
 * partitions got partitions from 0.77x to 1.46x the mean, and the largest set the stage's time.
 * The sampling job reads the same bytes either way (see sampled-input.ts); more keys cost only their transfer.
 */
export const SAMPLE_PER_PARTITION = 400;
/** At most this many keys in all (as Spark's RangePartitioner), however many partitions. */
export const MAX_SAMPLE_KEYS = 1_000_000;

export interface ShuffleRequest {
  label: string;
  numPartitions: number;
  combine: ShuffleCombine;
  /** 'aggregate': [createCombiner, mergeValue, mergeCombiners]. */
  fns?: ShippedFn[];
  zero?: { value: unknown };
  /** Range-partition by sampled keys and sort each partition. */
  sort?: 'asc' | 'desc';
}

/** Keys sampled from each partition; `partial` when read from part of the input (sampled-input.ts). */
export interface SampledKeys {
  keys: unknown[];
  partial: boolean;
}

/**
 * A sample from part of the input with fewer than this share of the keys asked for (records larger
 * than its windows, a filter keeping few) is taken again from all of it.
 */
const PARTIAL_SAMPLE_ENOUGH = 0.25;

/**
 * A new 'shuffle' node over `parent`. `sample` collects up to `perPartition` keys of each parent
 * partition for range bounds (sort only), from all of the input if `whole`.
 */
export function shuffleNode(
  host: DatasetHost,
  parent: DatasetNode,
  req: ShuffleRequest,
  sample?: (perPartition: number, whole: boolean) => Promise<SampledKeys>,
): DatasetNode {
  checkPartitions(req.label, req.numPartitions);
  const shuffleId = host.engine.newShuffleId();
  const params: ShuffleParams = {
    shuffleId,
    numPartitions: req.numPartitions,
    partitioner: { kind: 'hash' },
    combine: req.combine,
    ...(req.zero ? { zero: req.zero } : {}),
    ...(req.sort ? { sort: req.sort } : {}),
  };
  const prepare =
    req.sort && sample
      ? async (): Promise<void> => {
          const parentCount = await host.engine.partitionCount(parent);
          const wanted = Math.min(MAX_SAMPLE_KEYS, SAMPLE_PER_PARTITION * req.numPartitions);
          const perPartition = Math.ceil(wanted / Math.max(1, parentCount));
          const first = await sample(perPartition, false);
          const enough = !first.partial || first.keys.length >= PARTIAL_SAMPLE_ENOUGH * perPartition * parentCount;
          const keys = enough ? first.keys : (await sample(perPartition, true)).keys;
          params.partitioner = { kind: 'range', bounds: rangeBounds(keys, req.numPartitions), ascending: req.sort === 'asc' };
        }
      : undefined;
  const node = host.node('shuffle', [parent], req.fns ?? [], params, req.label);
  return { ...node, shuffle: { shuffleId, numPartitions: req.numPartitions, params, ...(prepare ? { prepare } : {}) } };
}

/** Up to `size` keys of each partition, chosen uniformly (reservoir sampling); shipped to executors. */
export const reservoirKeys = async (records: AsyncIterable<[unknown, unknown]>): Promise<unknown[]> => {
  const out: unknown[] = [];
  let seen = 0;
  for await (const kv of records) {
    seen++;
    if (out.length < size) out.push(kv[0]);
    else {
      const j = Math.floor(Math.random() * seen);
      if (j < size) out[j] = kv[0];
    }
  }
  return out;
};
// Names like this one are closure values: declared here for the type checker, supplied on the
// executor (these functions only ever run there).
declare const size: number;

export function checkPartitions(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new JobDefinitionError(`${what}: numPartitions must be a whole number >= 1 (got ${n})`);
}

/** Ships a library function (no closure values unless given). */
export function ship(fn: Function, what: string, closure?: ClosureValues): ShippedFn {
  return shipFunction(fn, closure, what);
}

/** The values of cogroup's grouped [side, value] pairs, split by side. */
export function splitSides(tagged: Iterable<[number, unknown]>): unknown[][] {
  const out: unknown[][] = [];
  for (let i = 0; i < sides; i++) out.push([]);
  for (const [i, v] of tagged) out[i]!.push(v);
  return out;
}
declare const sides: number;

/** The pairs of a join, from one key's cogrouped values; `outer` says which sides keep unmatched values. */
export function joinPairs(kv: [unknown, [unknown[], unknown[]]]): [unknown, [unknown, unknown]][] {
  const [k, [vs, ws]] = kv;
  const out: [unknown, [unknown, unknown]][] = [];
  if (vs.length > 0 && ws.length > 0) {
    for (const v of vs) for (const w of ws) out.push([k, [v, w]]);
  } else if (vs.length > 0 && (outer === 'left' || outer === 'full')) {
    for (const v of vs) out.push([k, [v, undefined]]);
  } else if (ws.length > 0 && (outer === 'right' || outer === 'full')) {
    for (const w of ws) out.push([k, [undefined, w]]);
  }
  return out;
}
declare const outer: 'inner' | 'left' | 'right' | 'full';

/** Tags each record of side `side` of a cogroup. */
export function tagSide(kv: [unknown, unknown]): [unknown, [number, unknown]] {
  return [kv[0], [side, kv[1]]];
}
declare const side: number;
