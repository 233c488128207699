/**
 * wordcount: generated text in HDFS, counted with flatMap / map / reduceByKey / saveAsTextFile by
 * 2 executors of 1 core each, output to HDFS. Both outputs are checked after each run (untimed):
 * the counts must add up to the number of words generated.
 *
 * am-memory comes from the same runs: the peak resident memory of each side's AM container (Spindle's
 * AM and driver processes; Spark's AM/driver JVM and its Python driver), sampled from /proc.
 */
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import type { Row } from '../lib/results.js';
import { textData } from '../lib/text-data.js';
import { wordcountJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import type { YarnSample } from './measure.js';
import { amMemoryRow, runWithPeers, sparkRow, sparkSides, spindleSide } from './spark-peers.js';

const MiB = 1024 * 1024;
const TIMEOUT_MS = 30 * 60_000;
const GOAL = 1.5;
/** Bump when textData changes, so that old inputs are not reused. */
const DATA_VERSION = 1;

/** The input file for `mib` MiB, generated and uploaded once (kept for later runs), and its word total. */
async function ensureInput(ctx: BenchContext, mib: number): Promise<{ path: string; words: number; bytes: number }> {
  const dir = `/user/${ctx.user}/spindle-bench`;
  const path = `${dir}/wordcount-${mib}MiB-v${DATA_VERSION}.txt`;
  const meta = `${path}.words`;
  if ((await ctx.hdfs.exists(path)) && (await ctx.hdfs.exists(meta))) {
    const words = Number(await readAll(ctx.hdfs, meta));
    const bytes = (await ctx.hdfs.getFileStatus(path)).length;
    if (words > 0) return { path, words, bytes };
  }
  console.log(`  generating ${mib} MiB of text into ${path} (once; kept for later runs)`);
  const start = performance.now();
  await ctx.hdfs.mkdirs(dir);
  const data = textData(mib * MiB);
  await ctx.hdfs.create(path, data.stream, { overwrite: true });
  await ctx.hdfs.create(meta, Buffer.from(String(data.totals.words)), { overwrite: true });
  console.log(
    `  generated ${(data.totals.bytes / MiB).toFixed(0)} MiB, ${data.totals.words} words in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  return { path, words: data.totals.words, bytes: data.totals.bytes };
}

async function readAll(hdfs: WebHdfsClient, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await hdfs.open(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Sums the last number of every line of the part files in `dir`: "('word', 3)" (PySpark) and
 * whatever pair format Spindle writes both end with the count.
 */
async function countedWords(hdfs: WebHdfsClient, dir: string): Promise<{ words: number; distinct: number }> {
  let words = 0;
  let distinct = 0;
  for (const f of await hdfs.listStatus(dir)) {
    if (f.type !== 'file' || f.name.startsWith('_') || f.name.startsWith('.')) continue;
    for (const line of (await readAll(hdfs, f.path)).split('\n')) {
      const m = /(\d+)\D*$/.exec(line);
      if (!m) continue;
      words += Number(m[1]);
      distinct++;
    }
  }
  return { words, distinct };
}

export const wordcount: Workload = {
  rows: ['wordcount', 'am-memory'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const mib = ctx.options.sizes.wordcountMib;
    const input = await ensureInput(ctx, mib);
    const source = `${ctx.defaultFs}${input.path}`;
    const check = async (side: string, s: YarnSample, out: string): Promise<YarnSample> => {
      if (!(await ctx.hdfs.exists(out))) throw new Error(`${side}'s job ended without writing its output ${out}`);
      const got = await countedWords(ctx.hdfs, out);
      await ctx.hdfs.delete(out, { recursive: true }).catch(() => false);
      if (got.words !== input.words)
        throw new Error(`${side} wordcount output ${out} adds up to ${got.words} words, expected ${input.words}`);
      return s;
    };
    const spindle = spindleSide(ctx, { row: 'wordcount', timeoutMs: TIMEOUT_MS, source: (_i, out) => wordcountJob(source, out), check });
    const peers = sparkSides(ctx, {
      row: 'wordcount',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'wordcount.py', args: (_i, out) => [source, out] },
      jvm: { workload: 'wordcount', args: (_i, out) => [source, out] },
      check,
    });
    const r = await runWithPeers(ctx, 'wordcount', spindle, peers);
    const sizeFields = { size_mib: mib, input_bytes: input.bytes, input_words: input.words, executors: ctx.executors };
    const wc = sparkRow(ctx, { name: 'wordcount', goal: { field: 'speedup', min: GOAL }, spindleVia: 'cli', extra: sizeFields }, r);
    return [wc, amMemoryRow(ctx, r, `wordcount ${mib} MiB`, wc.spindle_note)];
  },
};
