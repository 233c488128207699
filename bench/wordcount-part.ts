/**
 * One process of bench/wordcount.ts's two-process baselines: counts the words of one byte range of
 * a file, in HDFS or on the local disk, without Spindle and prints {"words", "ms", "cpuMs"} on stdout.
 *
 *   node dist/bench/wordcount-part.js <hdfs|local> <path> <start> <end> <hand|job>
 */
import { openHarness } from '../test/integration/job-harness.js';
import { countRange, hdfsFile, localFile, type CountStyle } from './lib/local-count.js';

const [where, path, start, end, style] = process.argv.slice(2);
if ((where !== 'hdfs' && where !== 'local') || !path || !start || !end || (style !== 'hand' && style !== 'job')) {
  console.error('usage: wordcount-part.js <hdfs|local> <path> <start> <end> <hand|job>');
  process.exit(2);
}
const range = [Number(start), Number(end), style as CountStyle] as const;
if (where === 'local') {
  console.log(JSON.stringify(await countRange(localFile(path), ...range)));
} else {
  const h = openHarness();
  try {
    console.log(JSON.stringify(await countRange(hdfsFile(h.hdfs, path), ...range)));
  } finally {
    await h.close();
  }
}
