// Word count: the words of text files and how often each occurs, most frequent first.
//
//   spindle fs put book.txt /books/book.txt
//   spindle submit --executors 2 examples/wordcount.mjs /books /out/counts 4
//
// prints {"words":..., "distinct":..., "top":[["the",1234],...]}; /out/counts holds one JSON
// line [word, count] per word in 4 part files (a shuffle: each word's count in exactly one file).
/** @typedef {import('spindle').Context} Context */

/**
 * @param {Context} ctx
 * @param {string[]} args  [input (file, directory or glob), output directory, partitions]
 */
export default async function main(ctx, [input, output, partitions = '4']) {
  if (!input || !output) throw new Error('usage: wordcount.mjs <input> <output> [partitions]');
  const words = ctx.textFile(input).flatMap((line) =>
    line
      .toLowerCase()
      .split(/[^\p{L}\p{N}']+/u)
      .filter(Boolean),
  );
  // reduceByKey adds up counts on each map task before the shuffle, then per word at the reducer.
  const counts = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: Number(partitions) });
  await counts.saveAsJsonFile(output, { overwrite: true });
  const top = await counts.sortBy((kv) => kv[1], { ascending: false, partitions: 1 }).take(10);
  return { words: await words.count(), distinct: await counts.count(), top };
}
