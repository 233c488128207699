import { decodeValue } from '../../protocols/driver-executor/index.js';
import { STORAGE_LEVELS } from '../../protocols/driver-executor/index.js';
import type { MapPartitionsParams, RecordOp, ReducePartial, SampleParams, StorageLevel } from '../../protocols/driver-executor/index.js';
import { shipFunction, type ClosureValues, type ShippedFn } from './closure.js';
import type { Engine } from './engine.js';
import { JobDefinitionError } from './errors.js';
import type { DatasetNode, NodeOpName, NodeParams } from './nodes.js';
import { joinPairs, reservoirKeys, ship, shuffleNode, splitSides, tagSide, type SampledKeys, type ShuffleRequest } from './shuffle-ops.js';
import { windowedLineage } from './sampled-input.js';
import { resolveOptions, withPartitions } from './shuffle-options.js';
import type { CombineOptions, ShuffleOptions, SortByOptions, SortOptions } from './shuffle-options.js';

/**
 * A distributed collection: a lazy description of records spread over partitions. Transformations
 * return new datasets and run nothing; actions (they return promises) run tasks on executors.
 *
 * Functions given to transformations and actions run on executors. They may use the job module's
 * top-level names (helpers, constants, imports); anything else, such as main's local variables,
 * must be passed as closure values: `ds.filter((l) => l.includes(word), { word })`.
 */

/** Options of the save actions. */
/**
 * The values of one key after groupByKey: an array when the group fits in memory, else a read-only
 * sequence read back from the executor's disk whenever it is iterated (as often as needed). Use
 * `[...values]` or `Array.from(values)` for a real array: that needs the whole group in memory.
 * Collecting, saving or shuffling such a group again turns it into an array.
 */
export type GroupValues<V> = Iterable<V> &
  Pick<readonly V[], 'length' | 'forEach' | 'map' | 'filter' | 'some' | 'every' | 'find' | 'includes'> & {
    reduce(fn: (acc: V, v: V, i: number) => V): V;
    reduce<U>(fn: (acc: U, v: V, i: number) => U, initial: U): U;
  };

/** The value arrays of cogroup's other datasets, one per dataset: `[Dataset<[K, W]>, ...]` -> `[W[], ...]`. */
export type CogroupValues<O extends readonly Dataset<[unknown, unknown]>[]> = {
  [I in keyof O]: O[I] extends Dataset<[unknown, infer W]> ? W[] : never;
};

/**
 * The record type of map's and flatMap's pair overloads: [K, V]. A function returning `any`
 * (`JSON.parse`) matches those overloads too without being a pair: then K and V are both any (map)
 * or both unknown (flatMap), and the dataset stays what it was without them, of any or unknown.
 */
// biome-ignore lint/suspicious/noExplicitAny: `any` in, `any` out (0 extends 1 & K detects it)
export type Pair<K, V> = unknown extends K ? (unknown extends V ? (0 extends 1 & K ? any : unknown) : [K, V]) : [K, V];

export interface SaveOptions {
  /** Replace an existing output directory (only once the job has succeeded). Default false. */
  overwrite?: boolean;
}

/** Options of saveAsAvroFile. */
export interface AvroSaveOptions extends SaveOptions {
  /** Block compression: 'null' (none, default) or 'deflate'. */
  codec?: 'null' | 'deflate';
}

/** What Dataset needs from its context. @internal */
export interface DatasetHost {
  readonly engine: Engine;
  /** Partitions of a shuffle when the job does not say. */
  readonly defaultParallelism: number;
  node<O extends NodeOpName>(op: O, parents: DatasetNode[], fns: ShippedFn[], params: NodeParams<O>, label: string): DatasetNode;
  save(
    dataset: DatasetNode,
    format: 'text' | 'json' | 'avro',
    path: string,
    options: SaveOptions & { schema?: unknown; codec?: string },
  ): Promise<void>;
}

/** Records in the first take() round; later rounds grow by this factor (as Spark does). */
const TAKE_SCALE_UP = 4;

export class Dataset<T> {
  /** @internal */
  constructor(
    private readonly host: DatasetHost,
    /** @internal */
    readonly node: DatasetNode,
  ) {}

  // ---- transformations ------------------------------------------------------------------------

  /**
   * One output record per input record. A function returning a two-element array literal gives
   * a [key, value] dataset (`map((w) => [w, 1])` is a `Dataset<[string, number]>`), ready for the
   * key-value methods; any other result type is kept as it is.
   */
  map<K, V>(fn: (record: T) => readonly [K, V], closure?: ClosureValues): Dataset<Pair<K, V>>;
  map<U>(fn: (record: T) => U, closure?: ClosureValues): Dataset<U>;
  map<U>(fn: (record: T) => U, closure?: ClosureValues): Dataset<U> {
    return this.derive('map', fn, closure);
  }

  /** Any number of output records per input record (fn returns an array or another iterable); pairs as in map. */
  flatMap<K, V>(fn: (record: T) => Iterable<readonly [K, V]>, closure?: ClosureValues): Dataset<Pair<K, V>>;
  flatMap<U>(fn: (record: T) => Iterable<U>, closure?: ClosureValues): Dataset<U>;
  flatMap<U>(fn: (record: T) => Iterable<U>, closure?: ClosureValues): Dataset<U> {
    return this.derive('flatMap', fn, closure);
  }

  /** The records for which fn returns a truthy value. */
  filter<S extends T>(fn: (record: T) => record is S, closure?: ClosureValues): Dataset<S>;
  filter(fn: (record: T) => unknown, closure?: ClosureValues): Dataset<T>;
  filter(fn: (record: T) => unknown, closure?: ClosureValues): Dataset<T> {
    return this.derive('filter', fn, closure);
  }

  /**
   * A whole partition at a time: fn gets the partition's records as an async iterable and returns
   * the output records (an array, an iterable, an async iterable, or a promise of an iterable).
   */
  mapPartitions<U>(
    fn: (records: AsyncIterable<T>) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>,
    closure?: ClosureValues,
  ): Dataset<U> {
    return this.derive('mapPartitions', fn, closure, { withIndex: false }, 'mapPartitions');
  }

  /** As mapPartitions, with the partition's index first. */
  mapPartitionsWithIndex<U>(
    fn: (index: number, records: AsyncIterable<T>) => Iterable<U> | AsyncIterable<U> | Promise<Iterable<U>>,
    closure?: ClosureValues,
  ): Dataset<U> {
    return this.derive('mapPartitions', fn, closure, { withIndex: true }, 'mapPartitionsWithIndex');
  }

  /** The records of this dataset followed by those of the others (partitions are concatenated). */
  union(...others: Dataset<T>[]): Dataset<T> {
    if (others.length === 0) return this;
    for (const o of others) {
      if (!(o instanceof Dataset) || o.host !== this.host)
        throw new JobDefinitionError('union: every dataset must come from the same Context');
    }
    return new Dataset(this.host, this.host.node('union', [this.node, ...others.map((o) => o.node)], [], null, 'union'));
  }

  /** [fn(record), record] pairs. */
  keyBy<K>(fn: (record: T) => K, closure?: ClosureValues): Dataset<[K, T]> {
    return this.derive('keyBy', fn, closure);
  }

  /** For [key, value] datasets: [key, fn(value)]. */
  mapValues<K, V, U>(this: Dataset<[K, V]>, fn: (value: V) => U, closure?: ClosureValues): Dataset<[K, U]> {
    return this.derive('mapValues', fn, closure);
  }

  /**
   * A random sample: each record kept with probability `fraction` (without replacement), or
   * repeated a Poisson(`fraction`) number of times (with replacement). The same seed gives the same
   * sample, including when tasks are retried.
   */
  sample(withReplacement: boolean, fraction: number, seed: number = Math.floor(Math.random() * 2 ** 31)): Dataset<T> {
    if (!Number.isFinite(fraction) || fraction < 0 || (!withReplacement && fraction > 1)) {
      throw new JobDefinitionError(`sample: fraction must be in [0, 1] without replacement, or >= 0 with it (got ${fraction})`);
    }
    if (!Number.isInteger(seed)) throw new JobDefinitionError(`sample: seed must be a whole number (got ${seed})`);
    const params: SampleParams = { withReplacement, fraction, seed };
    return new Dataset(this.host, this.host.node('sample', [this.node], [], params, `sample(${fraction})`));
  }

  /** Fewer partitions, by concatenating neighbouring ones (no data moves between executors first). */
  coalesce(numPartitions: number): Dataset<T> {
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new JobDefinitionError(`coalesce: numPartitions must be a whole number >= 1 (got ${numPartitions})`);
    }
    return new Dataset(this.host, this.host.node('coalesce', [this.node], [], { partitions: numPartitions }, `coalesce(${numPartitions})`));
  }

  // ---- shuffles (wide transformations) -----------------------------------------------------------
  // Keys are strings, numbers, booleans, null, bigints, Dates, and arrays and plain objects of
  // those; two keys are equal when their canonical encodings are (1 and "1" differ, {a,b} and
  // {b,a} do not), and a merged key comes out in its canonical spelling. Options: `partitions`
  // (default: ctx.defaultParallelism) is the number of part files; `closure` as for map.

  /** Values of each key combined with an associative fn, on the map side first. */
  reduceByKey<K, V>(this: Dataset<[K, V]>, fn: (a: V, b: V) => V, options?: CombineOptions): Dataset<[K, V]>;
  /** @deprecated Use `reduceByKey(fn, { partitions, closure })`. */
  reduceByKey<K, V>(this: Dataset<[K, V]>, fn: (a: V, b: V) => V, numPartitions: number, closure?: ClosureValues): Dataset<[K, V]>;
  reduceByKey<K, V>(
    this: Dataset<[K, V]>,
    fn: (a: V, b: V) => V,
    options?: CombineOptions | number,
    closure?: ClosureValues,
  ): Dataset<[K, V]> {
    const o = resolveOptions('reduceByKey', 'combine', this.host.defaultParallelism, withPartitions(options, { closure }));
    const f = shipFunction(fn, o.closure, 'reduceByKey');
    const fns = [ship((v: V) => v, 'reduceByKey'), f, f];
    return this.shuffle({ label: 'reduceByKey', numPartitions: o.partitions, combine: 'aggregate', fns });
  }

  /** Per key, a combiner: createCombiner(first value), mergeValue(c, value), mergeCombiners(c1, c2). */
  combineByKey<K, V, C>(
    this: Dataset<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    options?: CombineOptions,
  ): Dataset<[K, C]>;
  /** @deprecated Use `combineByKey(create, mergeValue, mergeCombiners, { partitions, closure })`. */
  combineByKey<K, V, C>(
    this: Dataset<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    numPartitions: number,
    closure?: ClosureValues,
  ): Dataset<[K, C]>;
  combineByKey<K, V, C>(
    this: Dataset<[K, V]>,
    createCombiner: (v: V) => C,
    mergeValue: (c: C, v: V) => C,
    mergeCombiners: (a: C, b: C) => C,
    options?: CombineOptions | number,
    closure?: ClosureValues,
  ): Dataset<[K, C]> {
    const o = resolveOptions('combineByKey', 'combine', this.host.defaultParallelism, withPartitions(options, { closure }));
    const fns = [createCombiner, mergeValue, mergeCombiners].map((f) => shipFunction(f, o.closure, 'combineByKey'));
    return this.shuffle({ label: 'combineByKey', numPartitions: o.partitions, combine: 'aggregate', fns });
  }

  /** Per key, values folded from a copy of `zero` with seqOp; partial results merged with combOp. */
  aggregateByKey<K, V, U>(
    this: Dataset<[K, V]>,
    zero: U,
    seqOp: (acc: U, v: V) => U,
    combOp: (a: U, b: U) => U,
    options?: CombineOptions,
  ): Dataset<[K, U]>;
  /** @deprecated Use `aggregateByKey(zero, seqOp, combOp, { partitions, closure })`. */
  aggregateByKey<K, V, U>(
    this: Dataset<[K, V]>,
    zero: U,
    seqOp: (acc: U, v: V) => U,
    combOp: (a: U, b: U) => U,
    numPartitions: number,
    closure?: ClosureValues,
  ): Dataset<[K, U]>;
  aggregateByKey<K, V, U>(
    this: Dataset<[K, V]>,
    zero: U,
    seqOp: (acc: U, v: V) => U,
    combOp: (a: U, b: U) => U,
    options?: CombineOptions | number,
    closure?: ClosureValues,
  ): Dataset<[K, U]> {
    const o = resolveOptions('aggregateByKey', 'combine', this.host.defaultParallelism, withPartitions(options, { closure }));
    const seq = shipFunction(seqOp, o.closure, 'aggregateByKey');
    const fns = [seq, seq, shipFunction(combOp, o.closure, 'aggregateByKey')];
    return this.shuffle({ label: 'aggregateByKey', numPartitions: o.partitions, combine: 'aggregate', fns, zero: { value: zero } });
  }

  /**
   * [key, all its values]; no map-side combining, so prefer reduceByKey where it fits. The values
   * are an array, or for a group too large for the executor's memory a sequence streamed from
   * disk: iterate them, or use the read-only methods of GroupValues.
   */
  groupByKey<K, V>(this: Dataset<[K, V]>, options?: ShuffleOptions): Dataset<[K, GroupValues<V>]>;
  /** @deprecated Use `groupByKey({ partitions })`. */
  groupByKey<K, V>(this: Dataset<[K, V]>, numPartitions: number): Dataset<[K, GroupValues<V>]>;
  groupByKey<K, V>(this: Dataset<[K, V]>, options?: ShuffleOptions | number): Dataset<[K, GroupValues<V>]> {
    const o = resolveOptions('groupByKey', 'shuffle', this.host.defaultParallelism, withPartitions(options));
    return this.shuffle({ label: 'groupByKey', numPartitions: o.partitions, combine: 'group' });
  }

  /** The same pairs, hash-partitioned by key into numPartitions. */
  partitionBy<K, V>(this: Dataset<[K, V]>, numPartitions: number): Dataset<[K, V]> {
    return this.shuffle({ label: `partitionBy(${numPartitions})`, numPartitions, combine: 'none' });
  }

  /** The same records spread evenly over numPartitions (a full shuffle; coalesce is cheaper for fewer). */
  repartition(numPartitions: number): Dataset<T> {
    const keyed = this.mapPartitionsWithIndex((index, records) =>
      (async function* () {
        let k = index * 7919;
        for await (const r of records) yield [k++, r] as [number, T];
      })(),
    );
    return keyed.shuffle<[number, T]>({ label: `repartition(${numPartitions})`, numPartitions, combine: 'none' }).map((kv) => kv[1]);
  }

  /** Each distinct record once (records must be valid keys; equal ones come out canonical). */
  distinct(options?: ShuffleOptions): Dataset<T>;
  /** @deprecated Use `distinct({ partitions })`. */
  distinct(numPartitions: number): Dataset<T>;
  distinct(options?: ShuffleOptions | number): Dataset<T> {
    const o = resolveOptions('distinct', 'shuffle', this.host.defaultParallelism, withPartitions(options));
    return this.map((x): [T, null] => [x, null])
      .reduceByKey((a) => a, { partitions: o.partitions })
      .map((kv) => kv[0]);
  }

  /** Records per key, as a Map on the driver. */
  async countByKey<K, V>(this: Dataset<[K, V]>): Promise<Map<K, number>> {
    const counts = await this.mapValues(() => 1)
      .reduceByKey((a, b) => a + b)
      .collect();
    return new Map(counts);
  }

  keys<K, V>(this: Dataset<[K, V]>): Dataset<K> {
    return this.map((kv) => kv[0]);
  }

  values<K, V>(this: Dataset<[K, V]>): Dataset<V> {
    return this.map((kv) => kv[1]);
  }

  /**
   * Per key, the values of this dataset and of each other one, an array per dataset in order:
   * `a.cogroup([b, c])` gives `[key, [aValues, bValues, cValues]]` (empty arrays where a dataset
   * lacks the key).
   */
  cogroup<K, V, const O extends readonly Dataset<[K, unknown]>[]>(
    this: Dataset<[K, V]>,
    others: O,
    options?: ShuffleOptions,
  ): Dataset<[K, [V[], ...CogroupValues<O>]]>;
  /** @deprecated Use `cogroup(others, { partitions })`. */
  cogroup<K, V, const O extends readonly Dataset<[K, unknown]>[]>(
    this: Dataset<[K, V]>,
    others: O,
    numPartitions: number,
  ): Dataset<[K, [V[], ...CogroupValues<O>]]>;
  cogroup<K, V, const O extends readonly Dataset<[K, unknown]>[]>(
    this: Dataset<[K, V]>,
    others: O,
    options?: ShuffleOptions | number,
  ): Dataset<[K, [V[], ...CogroupValues<O>]]> {
    const o = resolveOptions('cogroup', 'shuffle', this.host.defaultParallelism, withPartitions(options));
    const sides = [this, ...others].map((d, i) => {
      if (d.host !== this.host) throw new JobDefinitionError('cogroup: every dataset must come from the same Context');
      const tagged = this.host.node('map', [d.node], [ship(tagSide, 'cogroup', { side: i })], null, 'cogroup side');
      return new Dataset<[K, [number, unknown]]>(this.host, tagged);
    });
    const grouped = sides[0]!.union(...sides.slice(1)).groupByKey({ partitions: o.partitions });
    return grouped.derive('mapValues', splitSides, { sides: sides.length }, undefined, 'cogroup');
  }

  /** [key, [v, w]] for every pair of values with the same key in both datasets. */
  join<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, options?: ShuffleOptions): Dataset<[K, [V, W]]>;
  /** @deprecated Use `join(other, { partitions })`. */
  join<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, numPartitions: number): Dataset<[K, [V, W]]>;
  join<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, options?: ShuffleOptions | number): Dataset<[K, [V, W]]> {
    return this.joined(other, 'inner', options);
  }

  /** As join, plus [key, [v, undefined]] for keys only this dataset has. */
  leftOuterJoin<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, options?: ShuffleOptions): Dataset<[K, [V, W | undefined]]>;
  /** @deprecated Use `leftOuterJoin(other, { partitions })`. */
  leftOuterJoin<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, numPartitions: number): Dataset<[K, [V, W | undefined]]>;
  leftOuterJoin<K, V, W>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    options?: ShuffleOptions | number,
  ): Dataset<[K, [V, W | undefined]]> {
    return this.joined(other, 'left', options);
  }

  /** As join, plus [key, [undefined, w]] for keys only the other dataset has. */
  rightOuterJoin<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, options?: ShuffleOptions): Dataset<[K, [V | undefined, W]]>;
  /** @deprecated Use `rightOuterJoin(other, { partitions })`. */
  rightOuterJoin<K, V, W>(this: Dataset<[K, V]>, other: Dataset<[K, W]>, numPartitions: number): Dataset<[K, [V | undefined, W]]>;
  rightOuterJoin<K, V, W>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    options?: ShuffleOptions | number,
  ): Dataset<[K, [V | undefined, W]]> {
    return this.joined(other, 'right', options);
  }

  /** As join, plus unmatched keys of both sides (the missing value undefined). */
  fullOuterJoin<K, V, W>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    options?: ShuffleOptions,
  ): Dataset<[K, [V | undefined, W | undefined]]>;
  /** @deprecated Use `fullOuterJoin(other, { partitions })`. */
  fullOuterJoin<K, V, W>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    numPartitions: number,
  ): Dataset<[K, [V | undefined, W | undefined]]>;
  fullOuterJoin<K, V, W>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    options?: ShuffleOptions | number,
  ): Dataset<[K, [V | undefined, W | undefined]]> {
    return this.joined(other, 'full', options);
  }

  /**
   * Sorted by key across all partitions: part-00000 holds the smallest keys (largest when
   * descending). Runs a small job first to sample keys for the partition bounds.
   */
  sortByKey<K, V>(this: Dataset<[K, V]>, options?: SortOptions): Dataset<[K, V]>;
  /** @deprecated Use `sortByKey({ ascending, partitions })`. */
  sortByKey<K, V>(this: Dataset<[K, V]>, ascending: boolean, numPartitions?: number): Dataset<[K, V]>;
  sortByKey<K, V>(this: Dataset<[K, V]>, options?: SortOptions | boolean, numPartitions?: number): Dataset<[K, V]> {
    const given = typeof options === 'boolean' ? { ascending: options, partitions: numPartitions } : options;
    const o = resolveOptions('sortByKey', 'sort', this.host.defaultParallelism, given);
    const sample = async (size: number, whole: boolean): Promise<SampledKeys> => {
      const windowed = whole ? undefined : windowedLineage(this.host, this.node);
      const from = windowed ? new Dataset<[K, V]>(this.host, windowed) : this;
      return { keys: await from.mapPartitions(reservoirKeys as never, { size }).collect(), partial: windowed !== undefined };
    };
    const req: ShuffleRequest = { label: 'sortByKey', numPartitions: o.partitions, combine: 'none', sort: o.ascending ? 'asc' : 'desc' };
    return new Dataset(this.host, shuffleNode(this.host, this.node, req, sample));
  }

  /** Records sorted by fn(record) (see sortByKey). */
  sortBy<K>(fn: (record: T) => K, options?: SortByOptions): Dataset<T>;
  /** @deprecated Use `sortBy(fn, { ascending, partitions, closure })`. */
  sortBy<K>(fn: (record: T) => K, ascending: boolean, numPartitions?: number, closure?: ClosureValues): Dataset<T>;
  sortBy<K>(fn: (record: T) => K, options?: SortByOptions | boolean, numPartitions?: number, closure?: ClosureValues): Dataset<T> {
    const given = typeof options === 'boolean' ? { ascending: options, partitions: numPartitions, closure } : options;
    const o = resolveOptions('sortBy', 'sortBy', this.host.defaultParallelism, given);
    return this.keyBy(fn, o.closure)
      .sortByKey({ ascending: o.ascending, partitions: o.partitions })
      .map((kv) => kv[1]);
  }

  // ---- caching ---------------------------------------------------------------------------------

  /**
   * Keeps this dataset's partitions on the executors that compute them, so later actions read them
   * back instead of computing them again from the input (Spark's persist). Lazy: the first action
   * that computes a partition in full stores it. 'MEMORY_AND_DISK' (default) keeps blocks in
   * executor memory within its budget (`--cache-memory`) and moves the least recently used to the
   * executor's local disk above it; 'DISK_ONLY' writes them to local disk. A partition whose
   * executor is lost is computed again from its lineage. Returns this dataset.
   */
  persist(level: StorageLevel = 'MEMORY_AND_DISK'): this {
    if (!STORAGE_LEVELS.includes(level)) {
      throw new JobDefinitionError(`persist: unknown storage level ${String(level)} (use ${STORAGE_LEVELS.join(' or ')})`);
    }
    this.host.engine.persist(this.node, level);
    return this;
  }

  /** persist('MEMORY_AND_DISK'). */
  cache(): this {
    return this.persist();
  }

  /** Stops keeping this dataset's partitions: every executor drops them, and later actions compute them again. Returns this dataset. */
  unpersist(): this {
    this.host.engine.unpersist(this.node);
    return this;
  }

  /** The storage level given to persist(), or undefined. */
  storageLevel(): StorageLevel | undefined {
    return this.host.engine.cache.level(this.node.id);
  }

  /** The number of partitions (lists the input files if that has not happened yet). */
  numPartitions(): Promise<number> {
    return this.host.engine.partitionCount(this.node);
  }

  // ---- actions --------------------------------------------------------------------------------

  /** Every record, in partition order. Mind the driver's memory. */
  async collect(): Promise<T[]> {
    const outcomes = await this.host.engine.run(this.node, { kind: 'collect', fns: [], params: null, label: 'collect' });
    return concatChunks<T>(outcomes.map((o) => o.chunks));
  }

  async count(): Promise<number> {
    const outcomes = await this.host.engine.run(this.node, { kind: 'count', fns: [], params: null, label: 'count' });
    return outcomes.reduce((sum, o) => sum + (decodeValue(o.status.result!) as number), 0);
  }

  /** The first `n` records, reading as few partitions as it can. */
  async take(n: number): Promise<T[]> {
    if (!Number.isInteger(n) || n < 0) throw new JobDefinitionError(`take: n must be a whole number >= 0 (got ${n})`);
    const out: T[] = [];
    if (n === 0) return out;
    const total = await this.numPartitions();
    let scanned = 0;
    while (out.length < n && scanned < total) {
      const tryCount = scanned === 0 ? 1 : Math.min(total - scanned, scanned * TAKE_SCALE_UP);
      const parts = Array.from({ length: tryCount }, (_, i) => scanned + i);
      const outcomes = await this.host.engine.run(
        this.node,
        { kind: 'take', fns: [], params: { n: n - out.length }, label: `take(${n})` },
        parts,
      );
      for (const r of concatChunks<T>(outcomes.map((o) => o.chunks))) {
        if (out.length >= n) break;
        out.push(r);
      }
      scanned += tryCount;
    }
    return out;
  }

  /** The first record; rejects for an empty dataset. */
  async first(): Promise<T> {
    const got = await this.take(1);
    if (got.length === 0) throw new JobDefinitionError('first: the dataset is empty');
    return got[0]!;
  }

  /** Combines all records with an associative function; rejects for an empty dataset. */
  async reduce(fn: (a: T, b: T) => T, closure?: ClosureValues): Promise<T> {
    const shipped = shipFunction(fn, closure, 'reduce');
    const outcomes = await this.host.engine.run(this.node, { kind: 'reduce', fns: [shipped], params: null, label: 'reduce' });
    let acc: T | undefined;
    let empty = true;
    for (const o of outcomes) {
      const partial = decodeValue(o.status.result!) as ReducePartial;
      if (partial.empty) continue;
      acc = empty ? (partial.value as T) : fn(acc as T, partial.value as T);
      empty = false;
    }
    if (empty) throw new JobDefinitionError('reduce: the dataset is empty');
    return acc as T;
  }

  /** Folds each partition from `zero` with fn, then the partial results from `zero` with fn. */
  async fold(zero: T, fn: (acc: T, record: T) => T, closure?: ClosureValues): Promise<T> {
    const shipped = shipFunction(fn, closure, 'fold');
    const outcomes = await this.host.engine.run(this.node, { kind: 'fold', fns: [shipped], params: { zero }, label: 'fold' });
    let acc = structuredClone(zero);
    for (const o of outcomes) acc = fn(acc, decodeValue(o.status.result!) as T);
    return acc;
  }

  /** seqOp folds each partition from `zero` (on executors); combOp merges the partials (here). */
  async aggregate<U>(zero: U, seqOp: (acc: U, record: T) => U, combOp: (a: U, b: U) => U, closure?: ClosureValues): Promise<U> {
    const shipped = shipFunction(seqOp, closure, 'aggregate');
    const outcomes = await this.host.engine.run(this.node, { kind: 'aggregate', fns: [shipped], params: { zero }, label: 'aggregate' });
    let acc = structuredClone(zero);
    for (const o of outcomes) acc = combOp(acc, decodeValue(o.status.result!) as U);
    return acc;
  }

  /** Runs fn on every record, on the executors (awaiting it if it returns a promise). */
  async foreach(fn: (record: T) => void | Promise<void>, closure?: ClosureValues): Promise<void> {
    const shipped = shipFunction(fn, closure, 'foreach');
    await this.host.engine.run(this.node, { kind: 'foreach', fns: [shipped], params: null, label: 'foreach' });
  }

  /** One line per record (strings as they are, anything else as JSON) in part-NNNNN files. */
  saveAsTextFile(path: string, options: SaveOptions = {}): Promise<void> {
    return this.host.save(this.node, 'text', path, options);
  }

  /** One JSON document per line. */
  saveAsJsonFile(path: string, options: SaveOptions = {}): Promise<void> {
    return this.host.save(this.node, 'json', path, options);
  }

  /** Avro object container files with the given schema (records must match it). */
  saveAsAvroFile(path: string, schema: object, options: AvroSaveOptions = {}): Promise<void> {
    return this.host.save(this.node, 'avro', path, { ...options, schema });
  }

  private shuffle<U>(req: ShuffleRequest): Dataset<U> {
    return new Dataset<U>(this.host, shuffleNode(this.host, this.node, req));
  }

  private joined<K, V, W, R>(
    this: Dataset<[K, V]>,
    other: Dataset<[K, W]>,
    outer: 'inner' | 'left' | 'right' | 'full',
    options?: ShuffleOptions | number,
  ): Dataset<R> {
    const label = outer === 'inner' ? 'join' : `${outer}OuterJoin`;
    const { partitions } = resolveOptions(label, 'shuffle', this.host.defaultParallelism, withPartitions(options));
    return this.cogroup([other], { partitions }).derive('flatMap', joinPairs, { outer }, undefined, label);
  }

  private derive<U>(op: RecordOp, fn: unknown, closure: ClosureValues | undefined, params?: null, label?: string): Dataset<U>;
  private derive<U>(
    op: 'mapPartitions',
    fn: unknown,
    closure: ClosureValues | undefined,
    params: MapPartitionsParams,
    label?: string,
  ): Dataset<U>;
  private derive<U>(
    op: RecordOp | 'mapPartitions',
    fn: unknown,
    closure: ClosureValues | undefined,
    params: MapPartitionsParams | null = null,
    label: string = op,
  ): Dataset<U> {
    const shipped = shipFunction(fn, closure, label);
    return new Dataset<U>(this.host, this.host.node(op, [this.node], [shipped], params, label));
  }
}

function concatChunks<T>(perPartition: Buffer[][]): T[] {
  const out: T[] = [];
  for (const chunks of perPartition) {
    for (const c of chunks) for (const r of decodeValue(c) as T[]) out.push(r);
  }
  return out;
}
