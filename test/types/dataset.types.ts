/**
 * Type tests of the job API, checked by `tsc` in `npm run build` and never run: every
 * expectType must match exactly, and every line after `@ts-expect-error` must fail to compile
 * (tsc reports an unused expect-error as an error). They use the public door, as job files do.
 */
import type { Context, Dataset, GroupValues } from '../../client/index.js';
import { expectType } from './expect-type.js';

declare const stop: { value: Set<string> };

export function tuples(ctx: Context): void {
  const words = ctx.textFile('/books').flatMap((line) => line.split(' '));
  expectType<Dataset<string>>()(words);

  // A two-element array literal is a [key, value] pair: no annotation, no `as const`.
  const ones = words.map((w) => [w, 1]);
  expectType<Dataset<[string, number]>>()(ones);
  expectType<Dataset<[string, number]>>()(ones.reduceByKey((a, b) => a + b));
  expectType<Dataset<[string, number]>>()(words.flatMap((l) => l.split(',').map((w) => [w, 1])));
  expectType<Dataset<[string, number]>>()(words.map((w) => (w ? [w, 1] : [w, 2])));
  expectType<Dataset<[string, number]>>()(
    ctx.parallelize([
      ['a', 1],
      ['b', 2],
    ]),
  );
  expectType<Dataset<[number, string]>>()(words.keyBy((w) => w.length));

  // Other results keep their types.
  expectType<Dataset<string[]>>()(words.map((w) => w.split('')));
  expectType<Dataset<{ w: string }>>()(words.map((w) => ({ w })));
  expectType<Dataset<number>>()(ctx.parallelize([1, 2, 3]));
  expectType<Dataset<number[]>>()(ctx.parallelize([[1, 2, 3]]));
  expectType<Dataset<string>>()(words.filter((w) => !stop.value.has(w), { stop }));

  // Key-value methods need pairs.
  // @ts-expect-error words are not [key, value] pairs
  words.reduceByKey((a: string, b: string) => a + b);
  // @ts-expect-error the values are numbers
  ones.reduceByKey((a: string, b: string) => a + b);
}

export function options(ones: Dataset<[string, number]>): void {
  expectType<Dataset<[string, number]>>()(ones.reduceByKey((a, b) => a * w + b, { partitions: 4, closure: { w: 2 } }));
  const sums = ones.aggregateByKey(
    { n: 0 },
    (acc, v) => ({ n: acc.n + v }),
    (a, b) => ({ n: a.n + b.n }),
    { partitions: 2 },
  );
  expectType<Dataset<[string, { n: number }]>>()(sums);
  expectType<Dataset<[string, number[]]>>()(
    ones.combineByKey(
      (v) => [v],
      (c, v) => [...c, v],
      (a, b) => a.concat(b),
      { closure: {} },
    ),
  );
  expectType<Dataset<[string, GroupValues<number>]>>()(ones.groupByKey({ partitions: 3 }));
  expectType<Dataset<[string, number]>>()(ones.distinct({ partitions: 2 }));
  expectType<Dataset<[string, number]>>()(ones.sortByKey({ ascending: false, partitions: 1 }));
  expectType<Dataset<[string, number]>>()(ones.sortBy((kv) => kv[1] * w, { ascending: false, partitions: 1, closure: { w: 2 } }));
  expectType<Dataset<[string, number]>>()(ones.sortBy((kv) => kv[1]));

  // The deprecated positional forms still type.
  expectType<Dataset<[string, number]>>()(ones.reduceByKey((a, b) => a + b, 4, { w: 2 }));
  expectType<Dataset<[string, number]>>()(ones.sortBy((kv) => kv[1], false, 1));
  expectType<Dataset<[string, number]>>()(ones.sortByKey(true, 2));
  expectType<Dataset<[string, GroupValues<number>]>>()(ones.groupByKey(3));

  // @ts-expect-error closure values go in { closure }
  ones.reduceByKey((a, b) => a + b, { w: 2 });
  // @ts-expect-error sortByKey has no closure
  ones.sortByKey({ closure: {} });
  // @ts-expect-error groupByKey takes no functions, so no closure either
  ones.groupByKey({ partitions: 2, closure: {} });
  // @ts-expect-error partitions is a number
  ones.join(ones, { partitions: '4' });
}
declare const w: number;

export function joins(ctx: Context): void {
  const people = ctx.parallelize([
    [1, 'ada'],
    [2, 'bob'],
  ]);
  const ages = ctx.parallelize([[1, 36]]);
  const towns = ctx.jsonFile<{ id: number; town: string }>('/towns').keyBy((t) => t.id);

  expectType<Dataset<[number, [string[], number[]]]>>()(people.cogroup([ages]));
  expectType<Dataset<[number, [string[], number[], { id: number; town: string }[]]]>>()(people.cogroup([ages, towns], { partitions: 2 }));
  expectType<Dataset<[number, [string[]]]>>()(people.cogroup([]));
  expectType<Dataset<[number, [string, number]]>>()(people.join(ages));
  expectType<Dataset<[number, [string, number | undefined]]>>()(people.leftOuterJoin(ages, { partitions: 2 }));
  expectType<Dataset<[number, [string | undefined, number]]>>()(people.rightOuterJoin(ages));
  expectType<Dataset<[number, [string | undefined, number | undefined]]>>()(people.fullOuterJoin(ages, 3));

  const byName = ctx.parallelize([['ada', 36]]);
  // @ts-expect-error the keys differ (number vs string)
  people.cogroup([byName]);
  // @ts-expect-error the keys differ (number vs string)
  people.join(byName);
}

export function helper(ds: Dataset<[string, number]>): void {
  // The assertion helper itself: a near miss does not pass.
  // @ts-expect-error [string, number] is not [string, number | undefined]
  expectType<Dataset<[string, number | undefined]>>()(ds);
  // @ts-expect-error nor is a wider array type the same
  expectType<Dataset<(string | number)[]>>()(ds);
}

export function anyResults(ctx: Context): void {
  // A function returning any (JSON.parse) keeps a Dataset<any>, not a pair of anys.
  const parsed = ctx.textFile('/in').map((l) => JSON.parse(l));
  expectType<Dataset<any>>()(parsed);
  expectType<Dataset<unknown>>()(ctx.textFile('/in').flatMap((l) => JSON.parse(l)));
  expectType<Dataset<[string, unknown]>>()(ctx.textFile('/in').map((l) => [l, JSON.parse(l) as unknown]));
  expectType<Dataset<unknown>>()(ctx.textFile('/in').map((l): unknown => l));
  expectType<Dataset<any>>()(ctx.parallelize(JSON.parse('[]') as any[]));
  expectType<Dataset<unknown>>()(ctx.parallelize(JSON.parse('[]')));
  expectType<Dataset<[any, string]>>()(ctx.textFile('/in').map((l) => [JSON.parse(l), l]));
}
