// Word count in TypeScript (see wordcount.mjs):
//
//   spindle submit --executors 2 examples/wordcount.ts /books /out/counts 4
import type { Context } from 'spindle';

export default async function main(ctx: Context, [input, output, partitions = '4']: string[]) {
  if (!input || !output) throw new Error('usage: wordcount.ts <input> <output> [partitions]');
  const words = ctx.textFile(input).flatMap((line) => line.toLowerCase().split(/[^\p{L}\p{N}']+/u).filter(Boolean));
  const counts = words.map((w): [string, number] => [w, 1]).reduceByKey((a, b) => a + b, Number(partitions));
  await counts.saveAsJsonFile(output, { overwrite: true });
  const top = await counts.sortBy((kv) => kv[1], false, 1).take(10);
  return { words: await words.count(), distinct: await counts.count(), top };
}
