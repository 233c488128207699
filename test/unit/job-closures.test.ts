import { expect } from 'chai';
import { Broadcast, functionExpression, shipFunction } from '../../appmaster/driver/closure.js';
import { JobDefinitionError } from '../../appmaster/driver/errors.js';
import { asClosureError, ClosureError, ExecutorBroadcast, FunctionBuilder } from '../../executor/index.js';
import { encodeValue } from '../../protocols/driver-executor/index.js';

/** Evaluates in the global scope: stands in for the job module's evaluator. */
// Indirect eval: the source runs in the global scope, as an executor rebuilds a shipped function.
// biome-ignore lint/security/noGlobalEval: this test plays the executor's part
const indirectEval = eval;
const globalEval = (src: string): unknown => indirectEval(src);

function rebuild(fn: unknown, closure?: Record<string, unknown>, broadcasts: Record<number, unknown> = {}): (...a: unknown[]) => unknown {
  const shipped = shipFunction(fn, closure, 'map');
  const builder = new FunctionBuilder(globalEval, (id) => new ExecutorBroadcast(id, encodeValue(broadcasts[id], 'b')));
  return builder.build(shipped.ref, 'map');
}

describe('shipping functions to executors', () => {
  it('rebuilds arrows, function expressions, async functions and generators from their source', async () => {
    expect(rebuild((x: number) => x + 1)(1)).to.equal(2);
    expect(
      rebuild(function named(x: number) {
        return x * 3;
      })(2),
    ).to.equal(6);
    expect(await rebuild(async (x: number) => x - 1)(5)).to.equal(4);
    expect([
      ...(rebuild(function* (n: number) {
        yield n;
        yield n;
      })(7) as Iterable<number>),
    ]).to.deep.equal([7, 7]);
  });

  it('rebuilds methods, keeping method semantics (no self-binding name)', () => {
    const o = {
      map(x: number) {
        return x * 10;
      },
      async other(x: number) {
        return x;
      },
      *gen() {
        yield 1;
      },
      'quoted name'(x: number) {
        return -x;
      },
    };
    expect(functionExpression(o.map, 'map')).to.match(/^\(\(\) => \{ const __spindle_o = \(\{ map\(x\)/);
    expect(rebuild(o.map)(2)).to.equal(20);
    expect(rebuild(o['quoted name'])(2)).to.equal(-2);
    expect([...(rebuild(o.gen)() as Iterable<number>)]).to.deep.equal([1]);
  });

  it('ships well-known built-ins by name and refuses bound functions', () => {
    expect(shipFunction(Number, undefined, 'map').ref).to.deep.equal({ source: '', builtin: 'Number', env: null });
    expect(shipFunction(JSON.parse, undefined, 'map').ref.builtin).to.equal('JSON.parse');
    expect(rebuild(JSON.parse)('{"a":1}')).to.deep.equal({ a: 1 });
    expect(rebuild(Math.sqrt)(9)).to.equal(3);
    expect(() => shipFunction(((x: number) => x).bind(null), undefined, 'map')).to.throw(
      JobDefinitionError,
      /wrap it in an arrow function/,
    );
    expect(() => shipFunction(class C {}, undefined, 'map')).to.throw(JobDefinitionError, /a class cannot be used/);
    expect(() => shipFunction('x => x', undefined, 'map')).to.throw(JobDefinitionError, /expected a function, got string/);
  });

  it('passes closure values, including broadcasts and functions, as variables of the rebuilt function', () => {
    const big = new Broadcast(3, new Set(['x']));
    const trim = (s: string): string => s.trim();
    // @ts-expect-error: the names exist only through the closure values
    const f = rebuild((s: string) => big.value.has(trim(s)) && s.length > min, { big, trim, min: 1 }, { 3: new Set(['x']) });
    expect(f(' x ')).to.equal(true);
    expect(f('x')).to.equal(false);
    expect(shipFunction((s: string) => s, { big }, 'map').broadcasts).to.deep.equal([3]);
  });

  it('checks closure value names and values on the driver', () => {
    expect(() => shipFunction((x: number) => x, { 'not-a-name': 1 }, 'filter')).to.throw(
      JobDefinitionError,
      /"not-a-name" is not a usable variable name/,
    );
    expect(() => shipFunction((x: number) => x, { class: 1 }, 'filter')).to.throw(JobDefinitionError, /"class"/);
    expect(() => shipFunction((x: number) => x, { sym: Symbol('s') }, 'filter')).to.throw(/cannot be sent between driver and executors/);
  });

  it('turns "x is not defined" into an error naming x and how to pass it', () => {
    // @ts-expect-error: `localThing` is not defined anywhere, as on an executor
    const f = rebuild((x: number) => x + localThing);
    let err: unknown;
    try {
      f(1);
    } catch (e) {
      err = asClosureError(e, 'map') ?? e;
    }
    expect(err).to.be.instanceOf(ClosureError);
    expect((err as ClosureError).identifier).to.equal('localThing');
    expect((err as Error).message).to.equal(
      "cannot use localThing on the executor (in the function given to map): executors have the job module's top-level names, " +
        'not the local variables of main. Pass it as a closure value, e.g. .map(fn, { localThing }), or share a large value ' +
        'with ctx.broadcast(value) and pass the handle the same way',
    );
    expect(asClosureError(new TypeError('x is not defined'), 'map')).to.equal(undefined);
    // The shuffles that take functions have their closure values in an options object.
    const inOptions = asClosureError(new ReferenceError('weight is not defined'), 'reduceByKey');
    expect(inOptions!.message).to.include('.reduceByKey(fn, { closure: { weight } })');
  });
});

describe('errors sent back from executors', () => {
  it('keep the user frames and drop the executor runtime’s own', async () => {
    const { userStack, errorInfo } = await import('../../executor/runner.js');
    const runtime = new URL('../../executor/compute.js', import.meta.url).href;
    const stack = [
      'TypeError: record 7 has no id',
      '    at check (/cache/12/job.ts:3:11)',
      '    at eval (eval at __spindleEvaluate (file:///cache/12/spindle-job.mjs:15:62), <anonymous>:1:9)',
      `    at mapBatches (${runtime}:120:13)`,
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      `    at async TaskRunner.run (${runtime}:300:5)`,
    ].join('\n');
    expect(userStack(stack).split('\n')).to.deep.equal(stack.split('\n').slice(0, 3));
    const e = new RangeError('x');
    expect(errorInfo(e)).to.include({ kind: 'USER', name: 'RangeError', message: 'x' });
    expect(errorInfo('plain string')).to.include({ kind: 'USER', message: 'a non-Error value was thrown: plain string' });
  });
});
