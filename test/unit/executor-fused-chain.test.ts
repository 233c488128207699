import { expect } from 'chai';
import { ClosureError } from '../../executor/index.js';
import { type ChainOp, fuseChain } from '../../executor/fused-chain.js';
import type { RecordOp } from '../../protocols/driver-executor/index.js';

type Fn = (...args: unknown[]) => unknown;
const weight = (v: unknown): number => JSON.stringify(v).length;

/** Functions that accept any record, so that every order of ops makes sense. */
const FNS: Record<RecordOp, Fn[]> = {
  map: [(v) => (weight(v) * 7) % 11, (v) => [weight(v) % 3, v]],
  filter: [(v) => weight(v) % 3 !== 0],
  flatMap: [
    (v) => [v, weight(v)],
    function* (v: unknown) {
      yield weight(v);
      yield [v];
    } as Fn,
    () => [],
  ],
  keyBy: [(v) => weight(v) % 4],
  mapValues: [(v) => weight(v) + 1],
};
const OPS = Object.keys(FNS) as RecordOp[];

/** The ops' meaning, one op at a time over whole arrays: what the compiled chain must match. */
function reference(chain: readonly ChainOp[], input: unknown[]): unknown[] {
  let records = input;
  for (const { op, fn } of chain) {
    const next: unknown[] = [];
    for (const x of records) {
      if (op === 'map') next.push(fn(x));
      else if (op === 'filter') {
        if (fn(x)) next.push(x);
      } else if (op === 'keyBy') next.push([fn(x), x]);
      else if (op === 'mapValues') {
        if (!Array.isArray(x) || x.length !== 2) throw new TypeError('not a pair');
        next.push([x[0], fn(x[1])]);
      } else next.push(...(fn(x) as Iterable<unknown>));
    }
    records = next;
  }
  return records;
}

function outcome(run: () => unknown[]): { records?: unknown[]; error?: string } {
  try {
    return { records: run() };
  } catch (err) {
    return { error: err instanceof TypeError && /mapValues needs|not a pair/.test(err.message) ? 'not a pair' : String(err) };
  }
}

function compiled(chain: ChainOp[], input: unknown[]): unknown[] {
  const out: unknown[] = [];
  const run = fuseChain({}, chain, (x) => out.push(x));
  for (const x of input) run(x);
  return out;
}

/** Every chain of 1 to 3 ops, with every function each op has. */
function* chains(length: number): Generator<ChainOp[]> {
  if (length === 0) {
    yield [];
    return;
  }
  for (const head of chains(length - 1)) for (const op of OPS) for (const fn of FNS[op]) yield [...head, { op, fn }];
}

describe('fused chains compiled into one function', () => {
  const input: unknown[] = [0, 1, 2, 'ab', [3, 'x'], { k: 4 }, null, [5, 6], 7.5];

  it('give the records of the ops applied one by one, for every chain of up to 3 ops', () => {
    let n = 0;
    for (let length = 1; length <= 3; length++) {
      for (const chain of chains(length)) {
        const shape = chain.map((c) => c.op).join(' → ');
        expect(
          outcome(() => compiled(chain, input)),
          shape,
        ).to.deep.equal(outcome(() => reference(chain, input)));
        n++;
      }
    }
    expect(n).to.equal(8 + 8 * 8 + 8 * 8 * 8);
  });

  it("reuse one compiled function per chain key, with each call's own functions and sink", () => {
    const key = {};
    const a: unknown[] = [];
    const b: unknown[] = [];
    const double = fuseChain(key, [{ op: 'map', fn: (x) => (x as number) * 2 }], (x) => a.push(x));
    const negate = fuseChain(key, [{ op: 'map', fn: (x) => -(x as number) }], (x) => b.push(x));
    double(3);
    negate(3);
    expect([a, b]).to.deep.equal([[6], [-3]]);
  });

  it("name the op in a missing top-level name's error, from the function and from flatMap's iterator", () => {
    const missing = (): never => {
      throw new ReferenceError('lookupTable is not defined');
    };
    for (const [op, fn] of [
      ['map', missing],
      ['filter', missing],
      ['keyBy', missing],
      ['flatMap', missing],
      [
        'flatMap',
        function* () {
          yield 1;
          missing();
        },
      ],
    ] as [RecordOp, Fn][]) {
      const run = fuseChain(
        {},
        [
          { op: 'map', fn: (x) => x },
          { op, fn },
        ],
        () => {},
      );
      expect(() => run(1), op)
        .to.throw(ClosureError)
        .with.property('message')
        .that.matches(new RegExp(`cannot use lookupTable on the executor \\(in the function given to ${op}\\)`));
    }
  });

  it("pass the sink's and later ops' errors on as they are", () => {
    const boom = new ReferenceError('later is not defined');
    const sinkFails = fuseChain({}, [{ op: 'flatMap', fn: (x) => [x] }], () => {
      throw boom;
    });
    expect(() => sinkFails(1))
      .to.throw(ReferenceError)
      .that.equals(boom);
    const other = new RangeError('user error');
    const userFails = fuseChain(
      {},
      [
        {
          op: 'map',
          fn: () => {
            throw other;
          },
        },
      ],
      () => {},
    );
    expect(() => userFails(1))
      .to.throw(RangeError)
      .that.equals(other);
  });

  it('refuse what flatMap and mapValues cannot take, saying what they got', () => {
    const flat = (fn: Fn) => fuseChain({}, [{ op: 'flatMap', fn }], () => {});
    expect(() => flat(() => 'abc')(1)).to.throw(TypeError, 'must return an array or another iterable (got a string)');
    expect(() => flat(() => 5)(1)).to.throw(TypeError, 'must return an array or another iterable (got 5)');
    expect(() => flat(() => undefined)(1)).to.throw(TypeError, '(got undefined)');
    const values = fuseChain({}, [{ op: 'mapValues', fn: (v) => v }], () => {});
    expect(() => values([1, 2, 3])).to.throw(TypeError, 'mapValues needs [key, value] pairs, got an array of 3');
    expect(() => values('k')).to.throw(TypeError, 'got a string');
  });
});
