import { AsyncLocalStorage } from 'node:async_hooks';
import type { AccumulatorUpdate } from '../protocols/driver-executor/index.js';
import { copyValue, encodeValue } from '../protocols/driver-executor/index.js';
import { errorMessage } from '../protocols/errors/index.js';

/**
 * Accumulators on an executor. A task function's accumulator handle is rebuilt here as an adder;
 * the adder finds the task it is called in through async context (the functions of a stage are
 * built once and shared by its tasks, and in-process test executors run several tasks at once), and
 * adds to that task's partial value. A successful task reports its partial values with its status;
 * a failed one reports none, and the driver merges only accepted successes.
 */

type Merge = (a: unknown, b: unknown) => unknown;

/** The partial values of one task attempt. */
export class TaskAccumulators {
  private readonly partial = new Map<number, { name: string; value: unknown }>();
  private closed = false;

  /** Adds `v` to accumulator `id`: summed, or combined with `merge` (the first value is copied, so merge may change it). */
  add(id: number, name: string, v: unknown, merge: Merge | undefined): void {
    if (this.closed) return; // work the task left running after it ended counts for nothing
    const entry = this.partial.get(id);
    if (!merge) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TypeError(`accumulator "${name}": add() takes a finite number for a summing accumulator (got ${describe(v)})`);
      }
      if (entry) entry.value = (entry.value as number) + v;
      else this.partial.set(id, { name, value: v });
      return;
    }
    if (entry) {
      entry.value = merge(entry.value, v);
      return;
    }
    let copy: unknown;
    try {
      copy = copyValue(v);
    } catch (err) {
      throw new TypeError(
        `accumulator "${name}": add() got a value that cannot be copied to the driver (${errorMessage(err).replace(/\.$/, '')}); ` +
          'accumulator values must be data structured clone copies (no functions or symbols)',
      );
    }
    this.partial.set(id, { name, value: copy });
  }

  /** The updates to report; no more are taken. Throws (the task fails) for a value that cannot be sent. */
  finish(): AccumulatorUpdate[] {
    this.closed = true;
    return [...this.partial].map(([id, { name, value }]) => ({ id, value: encodeValue(value, `the value of accumulator "${name}"`) }));
  }

  /** Runs `fn` (the task) with this as the target of every adder it calls. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return current.run(this, fn);
  }
}

const current = new AsyncLocalStorage<TaskAccumulators>();

/** An accumulator handle as task functions see it on an executor: `add` only. */
export class ExecutorAccumulator {
  constructor(
    readonly id: number,
    readonly name: string,
    private readonly merge: Merge | undefined,
  ) {}

  add(v: unknown): void {
    const task = current.getStore();
    if (!task) {
      throw new Error(
        `accumulator "${this.name}": add() was called outside a task (at the job module's top level on an executor?); ` +
          'call it in the functions given to dataset methods',
      );
    }
    task.add(this.id, this.name, v, this.merge);
  }

  /** Spark's rule: tasks add, only the driver reads. */
  get value(): never {
    throw new Error(
      `accumulator "${this.name}": its value can be read only in the driver (in main, after an action); tasks can only add to it`,
    );
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return `${typeof v} ${String(v)}`;
}
