import avro from 'avsc';
import type { FileSplit, RangeSlice, SaveParams, SaveResult, SourceOp } from '../../protocols/driver-executor/index.js';
import { decodeValue } from '../../protocols/driver-executor/index.js';
import type { Accumulator } from './accumulators.js';
import { shipFunction, type Broadcast, type ShippedFn } from './closure.js';
import { OutputCommitter, type CommitFs } from './commit.js';
import { Dataset, type DatasetHost, type Pair, type SaveOptions } from './dataset.js';
import type { Engine } from './engine.js';
import { JobDefinitionError } from './errors.js';
import type { AppLiveness } from './leftovers.js';
import { listInputFiles, resolvePath, type ListingFs } from './input-paths.js';
import type { DatasetNode, NodeOpName, NodeParams, SourcePartition } from './nodes.js';
import { computeSplits } from './splits.js';
import { errorMessage } from '../../protocols/errors/index.js';

/**
 * The Context a job's main receives: where datasets come from (files on HDFS, arrays, ranges) and
 * how read-only values are shared with tasks (broadcast).
 */

/** Options of the file sources. */
export interface FileSourceOptions {
  /**
   * Split the input into at least this many partitions (splits never span blocks, so there are
   * usually more). Default: 2, or the default parallelism if that is smaller.
   */
  minPartitions?: number;
}

/** What `main(ctx, args)` gets. */
export interface Context {
  /** The YARN application id. */
  readonly appId: string;
  /** Tasks the executors run at once (executors × cores): the default number of slices. */
  readonly defaultParallelism: number;
  /** Lines of text files (a file, a directory or a glob; several with an array). */
  textFile(path: string | readonly string[], options?: FileSourceOptions): Dataset<string>;
  /** JSON documents, one per line (blank lines skipped). */
  jsonFile<T = unknown>(path: string | readonly string[], options?: FileSourceOptions): Dataset<T>;
  /** Records of Avro object container files, as avsc decodes them with the files' schema. */
  avroFile<T = Record<string, unknown>>(path: string | readonly string[], options?: FileSourceOptions): Dataset<T>;
  /**
   * An array's elements, in `numSlices` partitions (default: defaultParallelism). An array of
   * two-element array literals gives a [key, value] dataset: `parallelize([['a', 1]])` is a
   * `Dataset<[string, number]>`.
   */
  parallelize<K, V>(data: readonly (readonly [K, V])[], numSlices?: number): Dataset<Pair<K, V>>;
  parallelize<T>(data: Iterable<T>, numSlices?: number): Dataset<T>;
  /** The numbers 0, 1, ..., n - 1. */
  range(n: number, numSlices?: number): Dataset<number>;
  /** A read-only value sent to each executor once; pass the handle as a closure value. */
  broadcast<T>(value: T): Broadcast<T>;
  /**
   * A number that tasks add to (`acc.add(1)`) and the driver reads (`acc.value`) after an action:
   * the sum of `initial` and every successful task's additions, each task counted once.
   */
  accumulator(name: string, initial: number): Accumulator<number>;
  /**
   * An accumulator of any value structured clone copies (Set, Map, arrays, objects, ...): tasks'
   * additions are combined with `merge`, which must be associative and commutative.
   */
  accumulator<T>(name: string, initial: T, merge: (a: T, b: T) => T): Accumulator<T>;
  /** A progress line on the driver's stderr. */
  log(message: string): void;
}

export type DriverFs = ListingFs & CommitFs;

export interface JobContextOptions {
  engine: Engine;
  fs: DriverFs;
  appId: string;
  /** HDFS user; relative paths resolve against /user/<user>. */
  user: string;
  defaultParallelism: number;
  log: (message: string) => void;
  /** Whether an application has ended, so saves clean up what dead drivers left (leftovers.ts). */
  liveness?: (appId: string) => Promise<AppLiveness>;
  /** How a job's paths become the filesystem's. Default: HDFS paths, relative ones from /user/<user> (local mode: resolveLocalModePath). */
  resolvePath?: (path: string) => string;
}

const EXTENSIONS = { text: '', json: '', avro: '.avro' } as const;
const ACTIONS = { text: 'saveAsTextFile', json: 'saveAsJsonFile', avro: 'saveAsAvroFile' } as const;

export class JobContext implements Context, DatasetHost {
  readonly engine: Engine;
  readonly appId: string;
  readonly defaultParallelism: number;
  private readonly resolve: (path: string) => string;
  private readonly open = new Set<OutputCommitter>();
  private saves = 0;

  constructor(private readonly options: JobContextOptions) {
    this.engine = options.engine;
    this.appId = options.appId;
    this.defaultParallelism = Math.max(1, options.defaultParallelism);
    const home = `/user/${options.user}`;
    this.resolve = options.resolvePath ?? ((p) => resolvePath(p, home));
  }

  textFile(path: string | readonly string[], options: FileSourceOptions = {}): Dataset<string> {
    return this.fileSource('text', 'textFile', path, options);
  }

  jsonFile<T = unknown>(path: string | readonly string[], options: FileSourceOptions = {}): Dataset<T> {
    return this.fileSource('json', 'jsonFile', path, options);
  }

  avroFile<T = Record<string, unknown>>(path: string | readonly string[], options: FileSourceOptions = {}): Dataset<T> {
    return this.fileSource('avro', 'avroFile', path, options);
  }

  parallelize<T>(data: Iterable<T>, numSlices: number = this.defaultParallelism): Dataset<T> {
    if (data === null || data === undefined || typeof (data as Iterable<T>)[Symbol.iterator] !== 'function') {
      throw new JobDefinitionError('parallelize: data must be an array or another iterable');
    }
    checkSlices('parallelize', numSlices);
    const items = [...data];
    const partitions: SourcePartition[] = slices(items.length, numSlices).map(([from, to]) => ({
      input: items.slice(from, to),
      hosts: [],
    }));
    return new Dataset<T>(
      this,
      this.source('parallelize', `parallelize(${items.length})`, async () => partitions),
    );
  }

  range(n: number, numSlices: number = this.defaultParallelism): Dataset<number> {
    if (!Number.isSafeInteger(n) || n < 0) throw new JobDefinitionError(`range: n must be a whole number >= 0 (got ${n})`);
    checkSlices('range', numSlices);
    const partitions: SourcePartition[] = slices(n, numSlices).map(([start, end]) => ({
      input: { start, end } satisfies RangeSlice,
      hosts: [],
    }));
    return new Dataset<number>(
      this,
      this.source('range', `range(${n})`, async () => partitions),
    );
  }

  broadcast<T>(value: T): Broadcast<T> {
    return this.engine.broadcast(value);
  }

  accumulator<T>(name: string, initial: T, merge?: (a: T, b: T) => T): Accumulator<T> {
    // Shipped now, so that a merge function that cannot travel fails here rather than in a task.
    const shipped = typeof merge === 'function' ? shipFunction(merge, undefined, `accumulator ${String(name)}: merge`) : null;
    return this.engine.accumulators.create(name, initial, merge, shipped);
  }

  log(message: string): void {
    this.options.log(message);
  }

  /** @internal */
  node<O extends NodeOpName>(op: O, parents: DatasetNode[], fns: ShippedFn[], params: NodeParams<O>, label: string): DatasetNode {
    // NodeParams pairs op and params at the call; TypeScript cannot follow that pairing into the literal.
    return { id: this.engine.newNodeId(), op, parents, fns, params, label } as DatasetNode;
  }

  /** @internal The commit protocol around a save action. */
  async save(
    node: DatasetNode,
    format: 'text' | 'json' | 'avro',
    path: string,
    options: SaveOptions & { schema?: unknown; codec?: string },
  ): Promise<void> {
    const action = ACTIONS[format];
    if (format === 'avro') checkAvroSchema(options.schema, options.codec);
    const output = this.resolve(path);
    const committer = await OutputCommitter.setup(this.options.fs, output, {
      overwrite: options.overwrite ?? false,
      jobTag: `${this.appId}-${this.saves++}`,
      action,
      ...(this.options.liveness
        ? { leftovers: { liveness: this.options.liveness, ownAppId: this.appId, log: (m: string) => this.log(m) } }
        : {}),
    });
    if (committer.committedEarlier) {
      this.log(`${action} ${output}: committed by an earlier attempt of this application; not run again`);
      return;
    }
    this.open.add(committer);
    if (committer.completeEarlier) {
      this.log(`${action} ${output}: an earlier attempt of this application committed every partition; publishing them`);
      try {
        await committer.commitJob();
      } catch (err) {
        await committer.abortJob();
        throw err;
      } finally {
        this.open.delete(committer);
      }
      return;
    }
    const extension = EXTENSIONS[format];
    const params: SaveParams = {
      format,
      attemptDir: committer.attemptDir,
      extension,
      ...(format === 'avro' ? { schema: options.schema, codec: options.codec ?? 'null' } : {}),
    };
    try {
      const count = await this.engine.partitionCount(node);
      const remaining = await committer.resume(count);
      if (remaining) {
        this.log(
          `${action} ${output}: an earlier attempt of this application committed ${count - remaining.length} of ` +
            `${count} partitions; computing the other ${remaining.length}`,
        );
      }
      // Every partition committed, only `_SUCCESS` missing: nothing to compute.
      if (remaining?.length !== 0)
        await this.engine.run(
          node,
          {
            kind: 'save',
            fns: [],
            params,
            label: `${action} ${output}`,
            onTaskSucceeded: (partition, status) =>
              committer.commitTask(partition, (decodeValue(status.result!) as SaveResult).path, extension),
          },
          remaining,
        );
      await committer.commitJob();
    } catch (err) {
      await committer.abortJob();
      throw err;
    } finally {
      this.open.delete(committer);
    }
  }

  /** Removes the staging output of saves still running (the job is being killed or failed). */
  async abortOpenOutputs(): Promise<void> {
    await Promise.all([...this.open].map((c) => c.abortJob()));
  }

  private fileSource<T>(
    op: 'text' | 'json' | 'avro',
    what: string,
    path: string | readonly string[],
    options: FileSourceOptions,
  ): Dataset<T> {
    const patterns = typeof path === 'string' ? [path] : [...path];
    if (patterns.length === 0 || patterns.some((p) => typeof p !== 'string' || p.trim() === '')) {
      throw new JobDefinitionError(`${what}: give a path, a directory or a glob (or a non-empty array of them)`);
    }
    const min = options.minPartitions ?? Math.min(2, this.defaultParallelism);
    if (!Number.isInteger(min) || min < 1) throw new JobDefinitionError(`${what}: minPartitions must be a whole number >= 1 (got ${min})`);
    // Listed once: a sort's sampling job reads the same splits as the sort (sampled-input.ts).
    let listed: Promise<SourcePartition[]> | undefined;
    const list = (): Promise<SourcePartition[]> => {
      if (!listed) {
        listed = (async () => {
          const files = await listInputFiles(this.options.fs, patterns, this.resolve, what, this.engine.hostRacks);
          return computeSplits(files, min).map((s) => ({ input: s.split satisfies FileSplit, hosts: s.hosts }));
        })();
        listed.catch(() => {
          listed = undefined;
        });
      }
      return listed;
    };
    return new Dataset<T>(this, this.source(op, `${what} ${patterns.join(',')}`, list));
  }

  private source(op: SourceOp, label: string, listPartitions: () => Promise<SourcePartition[]>): DatasetNode {
    return { id: this.engine.newNodeId(), op, parents: [], fns: [], params: null, label, listPartitions };
  }
}

function checkSlices(what: string, numSlices: number): void {
  if (!Number.isInteger(numSlices) || numSlices < 1)
    throw new JobDefinitionError(`${what}: numSlices must be a whole number >= 1 (got ${numSlices})`);
}

/** [from, to) of each of `k` slices of `n` items, as even as possible. */
export function slices(n: number, k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) out.push([Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)]);
  return out;
}

function checkAvroSchema(schema: unknown, codec: string | undefined): void {
  if (codec !== undefined && codec !== 'null' && codec !== 'deflate') {
    throw new JobDefinitionError(`saveAsAvroFile: codec must be 'null' or 'deflate' (got ${codec})`);
  }
  try {
    avro.Type.forSchema(schema as avro.Schema);
  } catch (err) {
    throw new JobDefinitionError(`saveAsAvroFile: the schema is not a valid Avro schema: ${errorMessage(err)}`, { cause: err });
  }
}
