import type { RecordOp } from '../protocols/driver-executor/index.js';
import { asClosureError } from './functions.js';

/**
 * A fused chain of map, filter, flatMap, keyBy and mapValues compiled into one function per stage:
 * every op's call written out in place, the records in local variables, so that V8 optimizes the
 * chain as a single loop body. The alternative, a closure per op calling the next, leaves one or
 * two calls per op and record that V8 only removes while the chain is short enough to inline.
 *
 * The generated source holds nothing but op shapes and indexes (the ops come from a decoded plan:
 * only the five below reach here); the user's functions and the sink are arguments.
 */

type Fn = (...args: unknown[]) => unknown;
export type Sink = (x: unknown) => void;

export interface ChainOp {
  op: RecordOp;
  fn: Fn;
}

/** The rare paths the generated code calls out to. */
interface Helpers {
  /** What to throw when op k's function threw `err` (a ClosureError named after the op, or `err`). */
  fail(err: unknown, k: number): unknown;
  /** flatMap's result when it is not an array: its items, or a TypeError for a non-iterable. */
  spread(result: unknown, k: number): unknown[];
  /** mapValues's input when it is not a [key, value] pair. */
  notPair(record: unknown): never;
}

type Factory = (fns: readonly Fn[], h: Helpers, sink: Sink) => Sink;

/** Compiled per chain (its last op's node object), reused by every task of the stage. */
const compiled = new WeakMap<object, Factory>();

/**
 * The function that takes one record through `ops` and hands every record coming out to `sink`.
 * `key` identifies the chain (the stage's node object) for reusing the compiled code.
 */
export function fuseChain(key: object, ops: readonly ChainOp[], sink: Sink): Sink {
  let make = compiled.get(key);
  if (!make) {
    make = new Function('fns', 'h', 'sink', chainSource(ops.map((o) => o.op))) as Factory;
    compiled.set(key, make);
  }
  return make(
    ops.map((o) => o.fn),
    helpers(ops.map((o) => o.op)),
    sink,
  );
}

/**
 * The body of a Factory. For [flatMap, map]:
 *
 *   const f0 = fns[0], f1 = fns[1]; ...
 *   return function fusedChain(x0) {
 *     let r0; try { r0 = f0(x0); } catch (e) { throw fail(e, 0); }
 *     if (!Array.isArray(r0)) r0 = spread(r0, 0);
 *     for (let i0 = 0; i0 < r0.length; i0++) { const x1 = r0[i0];
 *       let r1; try { r1 = f1(x1); } catch (e) { throw fail(e, 1); }
 *       const x2 = r1;
 *       sink(x2); }
 *   };
 *
 * Only the user's call sits in each `try`: errors from later ops and the sink pass through as they are.
 */
function chainSource(ops: readonly RecordOp[]): string {
  const out: string[] = ['"use strict";'];
  for (let k = 0; k < ops.length; k++) out.push(`const f${k} = fns[${k}];`);
  out.push('const fail = h.fail, spread = h.spread, notPair = h.notPair;', 'return function fusedChain(x0) {');
  let blocks = 0;
  for (let k = 0; k < ops.length; k++) {
    const x = `x${k}`;
    const r = `r${k}`;
    const next = `x${k + 1}`;
    const call = (arg: string): string => `let ${r}; try { ${r} = f${k}(${arg}); } catch (e) { throw fail(e, ${k}); }`;
    const op = ops[k]!;
    switch (op) {
      case 'map':
        out.push(call(x), `const ${next} = ${r};`);
        break;
      case 'filter':
        out.push(call(x), `if (${r}) { const ${next} = ${x};`);
        blocks++;
        break;
      case 'keyBy':
        out.push(call(x), `const ${next} = [${r}, ${x}];`);
        break;
      case 'mapValues':
        out.push(`if (!Array.isArray(${x}) || ${x}.length !== 2) notPair(${x});`, call(`${x}[1]`), `const ${next} = [${x}[0], ${r}];`);
        break;
      case 'flatMap':
        out.push(
          call(x),
          `if (!Array.isArray(${r})) ${r} = spread(${r}, ${k});`,
          `for (let i${k} = 0; i${k} < ${r}.length; i${k}++) { const ${next} = ${r}[i${k}];`,
        );
        blocks++;
        break;
      default: {
        const unhandled: never = op;
        throw new Error(`internal: ${String(unhandled)} cannot be fused`);
      }
    }
  }
  out.push(`sink(x${ops.length});`, '}'.repeat(blocks), '};');
  return out.join('\n');
}

function helpers(ops: readonly RecordOp[]): Helpers {
  return {
    fail: (err, k) => asClosureError(err, ops[k]!) ?? err,
    spread: (result, k) => {
      if (
        result === null ||
        result === undefined ||
        typeof result === 'string' ||
        typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function'
      ) {
        throw new TypeError(
          `the function given to flatMap must return an array or another iterable (got ${typeof result === 'string' ? 'a string' : String(result)})`,
        );
      }
      try {
        return [...(result as Iterable<unknown>)];
      } catch (err) {
        throw asClosureError(err, ops[k]!) ?? err;
      }
    },
    notPair: (record) => {
      throw new TypeError(`mapValues needs [key, value] pairs, got ${describeValue(record)}`);
    },
  };
}

/** A record as error messages name it. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return 'a string';
  return typeof v === 'object' ? 'an object' : String(v);
}
