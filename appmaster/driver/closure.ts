import type { EnvMarker, FnRef } from '../../protocols/driver-executor/index.js';
import { encodeValue, ENV_MARKER } from '../../protocols/driver-executor/index.js';
import { Accumulator } from './accumulators.js';
import { Broadcast } from './broadcast.js';
import { capturedValues } from './captured.js';
import { JobDefinitionError } from './errors.js';

export { Broadcast } from './broadcast.js';

/**
 * How a function given to `map`, `filter`, ... travels to executors. The job module is bundled
 * into one ESM file that the driver and every executor load; a function's source text, as the
 * driver's copy prints it (`fn.toString()`), is rebuilt on the executor inside that module's scope,
 * so every top-level name of the job (helpers, constants, npm imports) resolves there to the same
 * thing. What lives only inside `main` (its locals and arguments) does not exist on executors and
 * must be passed as a closure value: `ds.filter((l) => l.includes(word), { word })`; large values
 * go through `ctx.broadcast(value)`, whose handle is passed the same way. The bundler passes the
 * locals a lambda uses by itself (captured.ts); values given explicitly win over captured ones.
 */

/** Closure values: names the function uses, and their values. */
export type ClosureValues = Record<string, unknown>;

/** A function ready to travel, with the broadcasts its closure values (and their accumulators' merge functions) refer to. */
export interface ShippedFn {
  ref: FnRef;
  broadcasts: number[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval'
  ).split(' '),
);

let builtins: Map<Function, string> | undefined;

/** Well-known native functions by name, e.g. `Number`, `JSON.parse`, `Math.sqrt`. */
function builtinName(fn: Function): string | undefined {
  if (!builtins) {
    builtins = new Map();
    const g = globalThis as Record<string, unknown>;
    for (const name of [
      'String',
      'Number',
      'Boolean',
      'BigInt',
      'Symbol',
      'Date',
      'Array',
      'Object',
      'parseInt',
      'parseFloat',
      'isNaN',
      'isFinite',
      'encodeURIComponent',
      'decodeURIComponent',
      'encodeURI',
      'decodeURI',
    ]) {
      if (typeof g[name] === 'function') builtins.set(g[name] as Function, name);
    }
    for (const ns of ['JSON', 'Math', 'Number', 'String', 'Object', 'Array', 'Date']) {
      const holder = g[ns] as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(holder)) {
        const v = holder[key];
        if (typeof v === 'function' && !builtins.has(v)) builtins.set(v, `${ns}.${key}`);
      }
    }
  }
  return builtins.get(fn);
}

function compiles(expression: string): boolean {
  try {
    // Syntax only: the Function is never called.
    new Function(`return (${expression});`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The source of `fn` as an expression that evaluates to an equivalent function. Arrow functions and
 * function expressions print as expressions already; methods (`parse(line) { ... }`) are wrapped in
 * an object literal so that they keep their meaning (no self-binding name, `super` allowed).
 */
export function functionExpression(fn: Function, what: string): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new JobDefinitionError(
      `${what}: ${fn.name ? `the native or bound function ${fn.name}` : 'a native or bound function'} cannot be sent to executors; ` +
        'wrap it in an arrow function, e.g. (x) => f(x)',
    );
  }
  if (source.startsWith('class ') || source.startsWith('class{')) {
    throw new JobDefinitionError(`${what}: a class cannot be used as a function; pass (x) => new C(x)`);
  }
  if (compiles(source)) return source;
  const method = `(() => { const __spindle_o = ({ ${source} }); return __spindle_o[Reflect.ownKeys(__spindle_o)[0]]; })()`;
  if (compiles(method)) return method;
  throw new JobDefinitionError(`${what}: cannot ship this function (its source does not parse on its own): ${abbreviate(source)}`);
}

/**
 * Describes `fn` with its closure values (captured by the bundler, and `closure`) for the wire.
 * Throws JobDefinitionError for a value that cannot travel (a native bound function, a value
 * structured clone cannot copy, a bad name, a captured value captured.ts refuses).
 */
export function shipFunction(fn: unknown, closure: ClosureValues | undefined, what: string): ShippedFn {
  if (typeof fn !== 'function') throw new JobDefinitionError(`${what}: expected a function, got ${typeof fn}`);
  const builtin = builtinName(fn);
  if (builtin && closure === undefined) return { ref: { source: '', builtin, env: null }, broadcasts: [] };
  if (closure !== undefined && (typeof closure !== 'object' || closure === null || Array.isArray(closure))) {
    throw new JobDefinitionError(`${what}: closure values must be an object such as { threshold, words }`);
  }
  // Captured now, when the transformation is defined: a later assignment in main does not change them.
  const captured = capturedValues(fn, closure, what);
  const values = captured ? { ...captured, ...closure } : closure;
  const source = functionExpression(fn, what);
  if (values === undefined) return { ref: { source, builtin: null, env: null }, broadcasts: [] };
  const broadcasts: number[] = [];
  const env: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new JobDefinitionError(`${what}: closure value name ${JSON.stringify(name)} is not a usable variable name`);
    }
    env[name] = envValue(value, `${what}: closure value ${name}`, broadcasts);
  }
  return { ref: { source, builtin: null, env: encodeValue(env, `${what}: closure values`) }, broadcasts };
}

function envValue(value: unknown, what: string, broadcasts: number[]): unknown {
  if (value instanceof Broadcast) {
    broadcasts.push(value.id);
    return { [ENV_MARKER]: 'broadcast', id: value.id } satisfies EnvMarker;
  }
  if (value instanceof Accumulator) {
    broadcasts.push(...value.broadcasts);
    return value.marker;
  }
  if (typeof value === 'function') {
    const builtin = builtinName(value);
    const ref = builtin ? { source: '', builtin } : { source: functionExpression(value, what), builtin: null };
    return { [ENV_MARKER]: 'fn', ref } satisfies EnvMarker;
  }
  return value;
}

function abbreviate(source: string): string {
  const one = source.replace(/\s+/g, ' ');
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}
