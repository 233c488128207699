// Word count in TypeScript (see wordcount.mjs):
//
//   spindle submit --executors 2 examples/wordcount.ts /books /out/counts 4 [min-length]
//   spindle submit --local examples/wordcount.ts README.md /tmp/counts
import type { Context } from 'spindle';

export default async function main(ctx: Context, [input, output, partitions = '4', minLength = '1']: string[]) {
  if (!input || !output) throw new Error('usage: wordcount.ts <input> <output> [partitions] [min-length]');
  // A local of main, used in a lambda below: Spindle ships its value with the function, as Spark does.
  const shortest = Number(minLength);
  const words = ctx
    .textFile(input)
    .flatMap((line) =>
      line
        .toLowerCase()
        .split(/[^\p{L}\p{N}']+/u)
        .filter(Boolean),
    )
    .filter((w) => w.length >= shortest);
  // [w, 1] is a [string, number] pair without annotations: map types two-element array literals as tuples.
  const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: Number(partitions) });
  await counts.saveAsJsonFile(output, { overwrite: true });
  const top = await counts.sortBy((kv) => kv[1], { ascending: false, partitions: 1 }).take(10);
  return { words: await words.count(), distinct: await counts.count(), top };
}
