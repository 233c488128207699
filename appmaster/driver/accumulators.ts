import { serialize } from 'node:v8';
import type { AmAccumulator } from '../../protocols/am-status/index.js';
import type { AccumulatorUpdate, EnvMarker, FnRef } from '../../protocols/driver-executor/index.js';
import { copyValue, decodeValue, ENV_MARKER } from '../../protocols/driver-executor/index.js';
import { errorMessage } from '../../protocols/errors/index.js';
import { AccumulatorError, JobDefinitionError } from './errors.js';

/**
 * Accumulators on the driver: values that tasks add to and only the driver reads, as Spark's
 * AccumulatorV2. A handle used in a task function travels as a small marker (id, name, merge
 * function); the executor rebuilds it as an adder that keeps the task's partial value, and a
 * successful task reports its partial values with its status (protocol 4). The engine merges them
 * here when it accepts that success, which the scheduler does once per partition of a task set
 * (and once more for a map task run again because the executor holding its output was lost):
 * updates of failed attempts, cancelled attempts and late duplicates are never merged.
 */

/** Combines two values of an accumulator; must be associative and commutative (tasks finish in any order). */
export type MergeFunction<T> = (a: T, b: T) => T;

/** An accumulator as the status page and progress lines show it (the AM status contract's). */
export type AccumulatorSnapshot = AmAccumulator;

/** Elements (and string characters) of a value shown in the status document. */
export const SHOWN_ELEMENTS = 100;
/** Longest value text in a progress line. */
const LINE_VALUE_CHARS = 60;

/** The merge function as shipped (closure.ts ShippedFn). */
export interface ShippedMerge {
  ref: FnRef;
  broadcasts: number[];
}

interface State<T> {
  value: T;
  merge: MergeFunction<T> | undefined;
  updates: number;
}

/**
 * A value tasks add to (`acc.add(v)`) and the driver reads (`acc.value`) once an action is done. Use
 * the handle in a task function like any other variable: it is captured, and travels as a reference.
 */
export class Accumulator<T> {
  readonly #state: State<T>;
  readonly #marker: EnvMarker;
  readonly #broadcasts: readonly number[];

  /** @internal */
  constructor(
    readonly id: number,
    readonly name: string,
    state: State<T>,
    merge: ShippedMerge | null,
  ) {
    this.#state = state;
    this.#marker = { [ENV_MARKER]: 'accumulator', id, name, merge: merge?.ref ?? null };
    this.#broadcasts = merge?.broadcasts ?? [];
  }

  /** The value: the initial one with every accepted task's updates merged in (on the driver only). */
  get value(): T {
    return this.#state.value;
  }

  /** Adds `v`: in a task, to the task's update; in the driver, to the value at once. */
  add(v: T): void {
    const s = this.#state;
    if (!s.merge) {
      checkNumber(this.name, v, 'add()');
      s.value = ((s.value as number) + (v as number)) as T;
      return;
    }
    s.value = s.merge(s.value, copyOf(this.name, v));
  }

  /** @internal How the handle travels in a function's closure values. */
  get marker(): EnvMarker {
    return this.#marker;
  }

  /** @internal Broadcasts the merge function uses (executors need them to rebuild it). */
  get broadcasts(): readonly number[] {
    return this.#broadcasts;
  }
}

/** The accumulators of one driver, by id. */
export class AccumulatorRegistry {
  private readonly all = new Map<number, { acc: Accumulator<unknown>; state: State<unknown> }>();
  private nextId = 1;

  /**
   * A new accumulator: summing numbers without `merge`, else combining values with it. `shipped`
   * is `merge` as executors get it.
   * @throws JobDefinitionError for a bad name, a non-number initial value of a summing accumulator,
   * a merge that is not a function, or an initial value structured clone cannot copy faithfully
   */
  create<T>(name: unknown, initial: T, merge: unknown, shipped: ShippedMerge | null): Accumulator<T> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new JobDefinitionError(`accumulator: the name must be a non-empty string (got ${describe(name)})`);
    }
    if (merge === undefined) {
      if (typeof initial !== 'number' || !Number.isFinite(initial)) {
        throw new JobDefinitionError(
          `accumulator "${name}": the initial value of a summing accumulator must be a finite number (got ${describe(initial)}); ` +
            'for other values give a merge function too, e.g. ctx.accumulator(name, new Set(), (a, b) => new Set([...a, ...b]))',
        );
      }
    } else {
      if (typeof merge !== 'function') {
        throw new JobDefinitionError(
          `accumulator "${name}": the merge function must be a function (a, b) => combined value (got ${describe(merge)})`,
        );
      }
      const problem = copyProblem(initial);
      if (problem) {
        throw new JobDefinitionError(
          `accumulator "${name}": the initial value ${problem}. Accumulator values travel between tasks and the driver as ` +
            'structured-clone copies: use numbers, strings, booleans, BigInt, arrays, plain objects, Map, Set, Date or typed arrays',
        );
      }
    }
    const id = this.nextId++;
    const state: State<T> = { value: initial, merge: merge as MergeFunction<T> | undefined, updates: 0 };
    const acc = new Accumulator<T>(id, name, state, shipped);
    this.all.set(id, { acc: acc as Accumulator<unknown>, state: state as State<unknown> });
    return acc;
  }

  /**
   * Merges the updates of one accepted successful task (`where` names it for errors).
   * @throws AccumulatorError when an update is of the wrong kind or the merge function throws
   */
  merge(updates: readonly AccumulatorUpdate[] | undefined, where: string): void {
    if (!updates || updates.length === 0) return;
    for (const u of updates) {
      const entry = this.all.get(u.id);
      if (!entry) throw new AccumulatorError(`${where} reported an update of accumulator ${u.id}, which this driver never created`);
      const { acc, state } = entry;
      const update = decodeValue(u.value);
      if (!state.merge) {
        if (typeof update !== 'number' || !Number.isFinite(update)) {
          throw new AccumulatorError(`accumulator "${acc.name}": ${where} reported ${describe(update)}, not a finite number`);
        }
        state.value = (state.value as number) + update;
      } else {
        try {
          state.value = state.merge(state.value, update);
        } catch (err) {
          throw new AccumulatorError(
            `accumulator "${acc.name}": its merge function threw while merging the update of ${where}: ${errorMessage(err)}`,
            { cause: err },
          );
        }
      }
      state.updates++;
    }
  }

  /** Every accumulator, for the status document. */
  snapshot(): AccumulatorSnapshot[] {
    return [...this.all.values()].map(({ acc, state }) => {
      const shown = jsonValue(state.value);
      return {
        id: acc.id,
        name: acc.name,
        value: shown.value,
        ...(shown.truncated ? { truncated: true as const } : {}),
        updates: state.updates,
      };
    });
  }
}

/** The progress line of a snapshot, `accumulators: bad records = 3, keys = ["a","b"]`; undefined when there are none. */
export function accumulatorsLine(snapshot: readonly AccumulatorSnapshot[]): string | undefined {
  if (snapshot.length === 0) return undefined;
  return `accumulators: ${snapshot.map((s) => `${s.name} = ${lineValue(s)}`).join(', ')}`;
}

function checkNumber(name: string, v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`accumulator "${name}": ${what} takes a finite number for a summing accumulator (got ${describe(v)})`);
  }
}

function copyOf<T>(name: string, v: T): T {
  try {
    return copyValue(v);
  } catch (err) {
    throw new TypeError(`accumulator "${name}": add() got a value that cannot be copied (${errorMessage(err)}); add plain data`);
  }
}

/** Prototypes of values structured clone copies as what they are. */
const COPYABLE = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  BigInt.prototype,
  Number.prototype,
  String.prototype,
  Boolean.prototype,
]);

/** Why `value` would not survive a structured-clone copy as itself, or undefined. */
function copyProblem(value: unknown): string | undefined {
  if (typeof value === 'function') return 'is a function';
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !COPYABLE.has(Object.getPrototypeOf(value))) {
    const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } }).constructor?.name;
    return `is an instance of ${ctor || 'a class'}, which would arrive as a plain object without its methods`;
  }
  try {
    serialize(value);
  } catch (err) {
    return `cannot be copied (${errorMessage(err).replace(/\.$/, '')})`;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  return typeof v;
}

/** `value` as JSON-compatible data, at most {@link SHOWN_ELEMENTS} elements per collection (and characters per string). */
function jsonValue(value: unknown): { value: unknown; truncated: boolean } {
  let truncated = false;
  const seen = new Set<object>();
  const cut = <E>(items: Iterable<E>): E[] => {
    const out: E[] = [];
    for (const x of items) {
      if (out.length === SHOWN_ELEMENTS) {
        truncated = true;
        break;
      }
      out.push(x);
    }
    return out;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') {
      if (v.length <= SHOWN_ELEMENTS * 10) return v;
      truncated = true;
      return v.slice(0, SHOWN_ELEMENTS * 10);
    }
    if (typeof v !== 'object' || v === null) return v ?? null;
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    try {
      if (v instanceof Date) return v.toISOString();
      if (v instanceof DataView) return `DataView(${v.byteLength})`;
      if (v instanceof Map) return cut(v).map(([k, x]) => [walk(k), walk(x)]);
      if (v instanceof Set || Array.isArray(v) || ArrayBuffer.isView(v)) return cut(v as Iterable<unknown>).map(walk);
      return Object.fromEntries(cut(Object.entries(v)).map(([k, x]) => [k, walk(x)]));
    } finally {
      seen.delete(v);
    }
  };
  const shown = walk(value);
  return { value: shown, truncated };
}

function lineValue(s: AccumulatorSnapshot): string {
  const text = typeof s.value === 'string' ? s.value : JSON.stringify(s.value);
  return text.length > LINE_VALUE_CHARS || s.truncated ? `${text.slice(0, LINE_VALUE_CHARS - 3)}...` : text;
}
