import type { Evaluate } from '../protocols/job-spec/index.js';
import type { EnvMarker, FnRef } from '../protocols/driver-executor/index.js';
import { decodeValue, ENV_MARKER } from '../protocols/driver-executor/index.js';
import { ExecutorAccumulator } from './accumulators.js';

/**
 * Rebuilding the job's functions on an executor. The job bundle exports an evaluator that runs
 * source text with a direct `eval` inside the bundle's module scope (see bundleJob), so a
 * function's free names resolve to the job's top-level bindings exactly as on the driver. Closure
 * values become parameters of a wrapper around the source, shadowing module names of the same name.
 */

/** A broadcast value on an executor: deserialized on first use, then shared by all tasks. */
export class ExecutorBroadcast<T = unknown> {
  private decoded = false;
  private cached: T | undefined;

  constructor(
    readonly id: number,
    private readonly bytes: Buffer,
  ) {}

  get value(): T {
    if (!this.decoded) {
      this.cached = decodeValue(this.bytes) as T;
      this.decoded = true;
    }
    return this.cached as T;
  }
}

/** A user function used a name that does not exist on the executor. */
export class ClosureError extends Error {
  override readonly name = 'ClosureError';
  constructor(
    message: string,
    readonly identifier: string,
  ) {
    super(message);
  }
}

export class FunctionBuilder {
  constructor(
    private readonly evaluate: Evaluate,
    private readonly broadcast: (id: number) => ExecutorBroadcast,
  ) {}

  /** The function an FnRef describes. `what` names where it is used, for errors. */
  build(ref: FnRef, what: string): (...args: unknown[]) => unknown {
    if (ref.builtin) return resolveBuiltin(ref.builtin, what);
    if (!ref.env) return this.evaluateFunction(`(${ref.source})`, what);
    const env = decodeValue(ref.env) as Record<string, unknown>;
    const names = Object.keys(env);
    const values = names.map((n) => this.envValue(env[n], `${what}: closure value ${n}`));
    const wrapper = this.evaluateFunction(`(function (${names.join(', ')}) { return (${ref.source}); })`, what);
    return wrapper(...values) as (...args: unknown[]) => unknown;
  }

  private envValue(value: unknown, what: string): unknown {
    if (value !== null && typeof value === 'object' && ENV_MARKER in value) {
      const m = value as EnvMarker;
      if (m[ENV_MARKER] === 'broadcast') return this.broadcast(m.id);
      if (m[ENV_MARKER] === 'fn') return this.build({ ...m.ref, env: null }, what);
      if (m[ENV_MARKER] === 'accumulator') {
        return new ExecutorAccumulator(m.id, m.name, m.merge ? this.build(m.merge, `accumulator ${m.name}: merge`) : undefined);
      }
    }
    return value;
  }

  private evaluateFunction(expression: string, what: string): (...args: unknown[]) => unknown {
    let fn: unknown;
    try {
      fn = this.evaluate(expression);
    } catch (err) {
      throw asClosureError(err, what) ?? err;
    }
    if (typeof fn !== 'function') throw new TypeError(`${what}: the shipped source did not evaluate to a function`);
    return fn as (...args: unknown[]) => unknown;
  }
}

function resolveBuiltin(path: string, what: string): (...args: unknown[]) => unknown {
  let v: unknown = globalThis;
  for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  if (typeof v !== 'function') throw new TypeError(`${what}: the built-in ${path} does not exist on this executor`);
  const holder = path.includes('.') ? (globalThis as Record<string, unknown>)[path.split('.')[0]!] : undefined;
  return holder ? (v as (...a: unknown[]) => unknown).bind(holder) : (v as (...a: unknown[]) => unknown);
}

/**
 * Turns "x is not defined" into the error users need: which name, and how to pass it. Returns
 * undefined for any other error.
 */
export function asClosureError(err: unknown, what: string): ClosureError | undefined {
  if (!(err instanceof ReferenceError)) return undefined;
  const m = /^(\S+) is not defined$/.exec(err.message);
  if (!m) return undefined;
  const name = m[1]!;
  const method = /^[A-Za-z]+$/.test(what) ? what : 'map';
  // reduceByKey, aggregateByKey and combineByKey take closure values in their options object.
  const closure = method.endsWith('ByKey') ? `{ closure: { ${name} } }` : `{ ${name} }`;
  const e = new ClosureError(
    `cannot use ${name} on the executor (in the function given to ${what}): executors have the job module's ` +
      `top-level names, not the local variables of main. Pass it as a closure value, e.g. .${method}(fn, ${closure}), ` +
      `or share a large value with ctx.broadcast(value) and pass the handle the same way`,
    name,
  );
  e.stack = `${e.name}: ${e.message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
  return e;
}
