import type { SeededRandom } from './random.js';

/**
 * The chaos suite's job and its data: a word count over generated text, joined with a small
 * word→category table, sorted by count (descending) then word, and saved as text. The expected
 * output is computed here from the same generated data, so a run is checked line for line.
 *
 * The text has a few words that occur exactly once (`once<k>`): the task-throw fault names one of
 * them, and the task whose partition holds it throws the first time it meets it (see JOB_SOURCE).
 */

/** Words that occur exactly once, at seeded lines: the candidates for the task-throw trigger. */
export const SINGLE_WORDS = 32;
const VOCABULARY = 4000;
const WORDS_PER_LINE = 12;

export interface ChaosData {
  /** The text input, newline-terminated lines of space-separated words. */
  text: string;
  /** The join's other side: `word,category` lines. */
  categories: string;
  /** Every line the job must save, in order (part files concatenated). */
  expected: string[];
  /** The words that occur exactly once in `text`. */
  singles: string[];
}

/** Generates about `bytes` of text and its expected output. */
export function generateData(random: SeededRandom, bytes: number): ChaosData {
  const vocabulary = Array.from({ length: VOCABULARY }, (_, i) => `w${i.toString(36)}`);
  const singles = Array.from({ length: SINGLE_WORDS }, (_, k) => `once${k}`);
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    // Skewed towards the first words (r²), as word frequencies are.
    const words = Array.from({ length: WORDS_PER_LINE }, () => vocabulary[Math.floor(VOCABULARY * random.next() ** 2)]!);
    const line = words.join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  for (const word of singles) {
    const at = random.int(lines.length);
    lines[at] = `${lines[at]} ${word}`;
  }
  // Three words in four have a category (so the join drops some), and half the single words.
  const table = new Map<string, string>();
  vocabulary.forEach((w, i) => {
    if (i % 4 !== 0) table.set(w, `c${i % 7}`);
  });
  singles.forEach((w, k) => {
    if (k % 2 === 0) table.set(w, 'rare');
  });
  // A category for a word the text never has: the inner join drops it too.
  table.set('absent', 'none');
  const text = `${lines.join('\n')}\n`;
  return { text, categories: [...table].map(([w, c]) => `${w},${c}\n`).join(''), expected: expectedLines(text, table), singles };
}

/** What the job saves: `word count category` for the words in both, by count descending, then word. */
export function expectedLines(text: string, categories: ReadonlyMap<string, string>): string[] {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    for (const w of line.split(' ')) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts]
    .filter(([w]) => categories.has(w))
    .sort(([wa, na], [wb, nb]) => nb - na || (wa < wb ? -1 : wa > wb ? 1 : 0))
    .map(([w, n]) => `${w} ${n} ${categories.get(w)}`);
}

/**
 * The job: `main(ctx, [text, categories, output, marker, trigger, burnMicros])`. Each word costs
 * about `burnMicros` of CPU so that the job runs for tens of seconds. With a trigger word, the first
 * task attempt that meets it creates `marker` (exclusively, on the local filesystem, which every
 * container of the single-host test cluster shares) and throws; later attempts find the marker and
 * go on. `-` as the trigger turns that off.
 */
export const JOB_SOURCE = `import { closeSync, openSync } from 'node:fs';

export default async function main(ctx, [text, categories, output, marker, trigger, burnMicros]) {
  const burnMs = Number(burnMicros) / 1000;
  const counts = ctx
    .textFile(text, { minPartitions: 12 })
    .flatMap((line) => line.split(' '))
    .map((word) => {
      const end = performance.now() + burnMs;
      while (performance.now() < end);
      if (word === trigger) {
        let first = true;
        try {
          closeSync(openSync(marker, 'wx'));
        } catch {
          first = false;
        }
        if (first) throw new Error('chaos: the injected task failure (first attempt to meet ' + trigger + ')');
      }
      return [word, 1];
    })
    .reduceByKey((a, b) => a + b, { partitions: 4 });
  const table = ctx.textFile(categories).map((line) => line.split(','));
  const sorted = counts
    .join(table, { partitions: 3 })
    .sortBy(([word, [n]]) => [-n, word], { partitions: 3 })
    .map(([word, [n, category]]) => word + ' ' + n + ' ' + category);
  await sorted.saveAsTextFile(output);
  return 'saved';
}
`;
