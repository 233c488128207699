import type { ClosureValues } from './closure.js';
import { JobDefinitionError } from './errors.js';

/**
 * The options objects of the wide transformations, and their resolution. The positional forms
 * they replace (`reduceByKey(fn, 8, { w })`, `sortBy(fn, false, 4)`) still resolve here: job
 * files and tests written against them keep working, and their overloads are @deprecated.
 */

/** Options of every shuffle. */
export interface ShuffleOptions {
  /** Output partitions, and part files when saved. Default: `ctx.defaultParallelism`. */
  partitions?: number;
}

/** Options of the shuffles that take functions (reduceByKey, aggregateByKey, combineByKey). */
export interface CombineOptions extends ShuffleOptions {
  /** Values from main's scope that the functions use (see ClosureValues). Default none. */
  closure?: ClosureValues;
}

/** Options of sortByKey. */
export interface SortOptions extends ShuffleOptions {
  /** Smallest keys first (in part-00000). Default true. */
  ascending?: boolean;
}

/** Options of sortBy. */
export interface SortByOptions extends SortOptions, CombineOptions {}

/** Options with their defaults filled in. */
export interface ResolvedOptions {
  partitions: number;
  closure: ClosureValues | undefined;
  ascending: boolean;
}

const NAMES: Record<'shuffle' | 'combine' | 'sort' | 'sortBy', readonly string[]> = {
  shuffle: ['partitions'],
  combine: ['partitions', 'closure'],
  sort: ['partitions', 'ascending'],
  sortBy: ['partitions', 'ascending', 'closure'],
};

/**
 * The options of `what` (a method of kind `kind`). An unknown name is an error rather than
 * ignored: `reduceByKey(fn, { weight })` (closure values where options now go) must not run with
 * `weight` silently missing on the executors.
 */
export function resolveOptions(
  what: string,
  kind: keyof typeof NAMES,
  defaultPartitions: number,
  options: SortByOptions | undefined,
): ResolvedOptions {
  if (options === undefined || options === null) return { partitions: defaultPartitions, closure: undefined, ascending: true };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new JobDefinitionError(`${what}: options must be an object (got ${Array.isArray(options) ? 'an array' : typeof options})`);
  }
  const allowed = NAMES[kind];
  for (const name of Object.keys(options)) {
    if (allowed.includes(name)) continue;
    const hint = allowed.includes('closure') ? `; closure values go in { closure: { ${name} } }` : '';
    throw new JobDefinitionError(`${what}: unknown option "${name}" (options: ${allowed.join(', ')}${hint})`);
  }
  const { partitions = defaultPartitions, closure, ascending = true } = options;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new JobDefinitionError(`${what}: partitions must be a whole number >= 1 (got ${String(partitions)})`);
  }
  if (closure !== undefined && (typeof closure !== 'object' || closure === null)) {
    throw new JobDefinitionError(`${what}: closure must be an object of values (got ${closure === null ? 'null' : typeof closure})`);
  }
  if (typeof ascending !== 'boolean') throw new JobDefinitionError(`${what}: ascending must be true or false (got ${String(ascending)})`);
  return { partitions, closure, ascending };
}

/** `n` (the deprecated positional form) as options; options as they are. */
export function withPartitions<O extends ShuffleOptions>(options: O | number | undefined, rest?: Omit<O, 'partitions'>): O | undefined {
  return typeof options === 'number' ? ({ ...rest, partitions: options } as O) : options;
}
