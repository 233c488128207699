import { serialize } from 'node:v8';
import { bundleNames, capturedOf, CAPTURING_GLOBAL } from '../../protocols/job-spec/index.js';
import { errorMessage } from '../../protocols/errors/index.js';
import { Accumulator } from './accumulators.js';
import { Broadcast } from './broadcast.js';
import type { ClosureValues } from './closure.js';
import { JobDefinitionError } from './errors.js';

/**
 * Captured closure values on the driver: the locals of main that a lambda uses, which the bundler
 * made the lambda carry (protocols/job-spec captured.ts). They are read when the transformation is
 * defined, as Spark serializes a closure when `map` is called, and checked there: a value that
 * cannot reach executors fails the definition, naming the variable and the lambda's line, rather
 * than a task on the cluster.
 */

/**
 * Largest copy of one captured value. Every task carries its closure values, so a larger one should
 * be broadcast (sent to each executor once); Spark warns about tasks over 1000 KiB for the same reason.
 */
export const MAX_CAPTURED_BYTES = 1024 * 1024;
// This process ships functions: the job's wrapped lambdas record their captures (protocols/job-spec
// captured.ts). Set when the driver's code loads, before it loads the job; executors never load it.
(globalThis as Record<string, unknown>)[CAPTURING_GLOBAL] = true;

/** Objects looked into for functions and class instances; a larger value is judged by its copied size. */
const MAX_INSPECTED = 10_000;

/** Prototypes whose instances v8.serialize copies faithfully. */
const COPYABLE = new Set<unknown>([
  Object.prototype,
  null,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
]);

/**
 * The captured values of `fn` that `explicit` does not name (explicit values win), checked; undefined
 * when the bundler captured nothing for `fn`.
 * @throws JobDefinitionError naming the variable, the lambda (`file:line`) and the remedy
 */
export function capturedValues(fn: object, explicit: ClosureValues | undefined, what: string): ClosureValues | undefined {
  const captured = capturedOf(fn);
  if (!captured) return undefined;
  let values: unknown[];
  try {
    values = captured.values();
  } catch (err) {
    // A `let` read before its declaration ran (the temporal dead zone).
    throw new JobDefinitionError(
      `${what}: the function at ${captured.at} uses a variable that has no value yet when it is given to ${what} ` +
        `(${errorMessage(err)}); give it its value before this line`,
      { cause: err },
    );
  }
  const out: ClosureValues = {};
  const inBundle = bundleNames(captured);
  captured.names.forEach((name, i) => {
    const bundled = inBundle[i]!;
    if (explicit && Object.hasOwn(explicit, bundled)) return;
    // Explicit values win; under the name the shipped source uses, should esbuild have renamed it.
    if (explicit && Object.hasOwn(explicit, name)) {
      out[bundled] = explicit[name];
      return;
    }
    const problem = uncopyable(name, values[i]);
    if (problem) throw new JobDefinitionError(`${what}: the function at ${captured.at} uses ${name}, ${problem}`);
    out[bundled] = values[i];
  });
  return out;
}

/** Why `value` (the variable `name`) cannot be captured, or undefined when it can. */
function uncopyable(name: string, value: unknown): string | undefined {
  if (value instanceof Broadcast || value instanceof Accumulator) return undefined;
  if (typeof value === 'function') {
    return (
      'a function defined inside main: functions are not copied to executors. Move it to the module’s top level ' +
      '(executors have every top-level name of the job)'
    );
  }
  const found = findUncopyable(value, name);
  if (found) {
    const [path, kind] = found;
    const where = path === name ? '' : ` (${path})`;
    return (
      `which holds ${kind}${where}: it cannot be copied to executors. Create it at the module’s top level or inside the ` +
      'function, or pass plain data (share a large read-only value with ctx.broadcast(value) and use the handle)'
    );
  }
  let bytes: number;
  try {
    bytes = serialize(value).length;
  } catch (err) {
    return `which cannot be copied to executors (${errorMessage(err)}); use plain data`;
  }
  if (bytes > MAX_CAPTURED_BYTES) {
    return (
      `which is ${(bytes / 1024 / 1024).toFixed(1)} MB when copied: too large to go with every task. ` +
      `Share it with ctx.broadcast(value) instead (each executor receives it once) and use the handle in the function`
    );
  }
  return undefined;
}

/** The path and kind of the first function or class instance inside `root`. */
function findUncopyable(root: unknown, rootPath: string): [string, string] | undefined {
  const seen = new Set<object>();
  const queue: [unknown, string][] = [[root, rootPath]];
  while (queue.length > 0 && seen.size < MAX_INSPECTED) {
    const [value, path] = queue.shift()!;
    if (typeof value === 'function') return [path, 'a function'];
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) continue;
    const proto = Object.getPrototypeOf(value);
    if (!COPYABLE.has(proto)) {
      const ctor = (proto as { constructor?: { name?: string } }).constructor?.name;
      const kind =
        value instanceof Broadcast
          ? 'a broadcast handle inside another value'
          : value instanceof Accumulator
            ? 'an accumulator handle inside another value (use the handle itself)'
            : `an instance of ${ctor || 'a class'}`;
      return [path, kind];
    }
    if (value instanceof Map) {
      for (const [k, v] of value) queue.push([k, `${path} key`], [v, `${path}.get(${String(k)})`]);
    } else if (value instanceof Set) {
      for (const v of value) queue.push([v, `${path} element`]);
    } else {
      const array = Array.isArray(value);
      for (const key of Object.keys(value)) {
        queue.push([(value as Record<string, unknown>)[key], array ? `${path}[${key}]` : `${path}.${key}`]);
      }
    }
  }
  return undefined;
}
