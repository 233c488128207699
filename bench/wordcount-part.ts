/**
 * One process of bench/wordcount.ts's two-process baseline: counts the words of one byte range of
 * a file in HDFS without Spindle and prints {"words": N, "ms": T} on stdout.
 *
 *   node dist/bench/wordcount-part.js <path> <start> <end> <hand|job>
 */
import { openHarness } from '../test/integration/job-harness.js';
import { countRange, type CountStyle } from './lib/local-count.js';

const [path, start, end, style] = process.argv.slice(2);
if (!path || !start || !end || (style !== 'hand' && style !== 'job')) {
  console.error('usage: wordcount-part.js <path> <start> <end> <hand|job>');
  process.exit(2);
}
const h = openHarness();
try {
  console.log(JSON.stringify(await countRange(h.hdfs, path, Number(start), Number(end), style as CountStyle)));
} finally {
  await h.close();
}
