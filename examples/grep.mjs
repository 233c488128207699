// The lines of text files that contain a word, saved to a directory, with counts.
//
//   spindle fs put app.log /logs/app.log
//   spindle submit examples/grep.mjs /logs ERROR /out/errors
//
// prints {"lines":..., "matches":...}; /out/errors holds part-00000, ... and _SUCCESS.
/** @typedef {import('spindle').Context} Context */

/**
 * @param {Context} ctx
 * @param {string[]} args  [input (file, directory or glob), word, output directory]
 */
export default async function main(ctx, [input, word, output]) {
  if (!input || !word || !output) throw new Error('usage: grep.mjs <input> <word> <output>');
  const lines = ctx.textFile(input);
  // `word` is a local of main: it is captured with the lambda and sent to the executors.
  const matches = lines.filter((line) => line.includes(word));
  await matches.saveAsTextFile(output, { overwrite: true });
  return { lines: await lines.count(), matches: await matches.count() };
}
