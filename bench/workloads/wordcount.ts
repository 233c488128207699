/**
 * wordcount: generated text in HDFS, counted with flatMap / map / reduceByKey / saveAsTextFile by
 * 2 executors of 1 core each, output to HDFS. Both outputs are checked after each run (untimed):
 * the counts must add up to the number of words generated.
 *
 * am-memory comes from the same runs: the peak resident memory of each side's AM container (Spindle's
 * AM and driver processes; Spark's AM/driver JVM and its Python driver), sampled from /proc.
 */
import { join } from 'node:path';
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { median } from '../lib/stats.js';
import { ratioOf, type Row } from '../lib/results.js';
import { textData } from '../lib/text-data.js';
import { sparkSubmit } from '../peers/pyspark.js';
import { wordcountJob, writeJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { alternate, describeAm, describePhases, yarnFields, yarnRun, type Side, type YarnSample } from './measure.js';
import { comparisonRow } from './row.js';

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
    const check = async (side: string, out: string): Promise<number> => {
      if (!(await ctx.hdfs.exists(out))) throw new Error(`${side}'s job ended without writing its output ${out}`);
      const got = await countedWords(ctx.hdfs, out);
      await ctx.hdfs.delete(out, { recursive: true }).catch(() => false);
      if (got.words !== input.words)
        throw new Error(`${side} wordcount output ${out} adds up to ${got.words} words, expected ${input.words}`);
      return got.distinct;
    };
    const describe = (s: YarnSample): string => `${describePhases(s.phases)} ${describeAm(s.am)}`;
    const spindle: Side<YarnSample> | { unavailable: string } =
      ctx.spindle.via.submit === 'cli'
        ? {
            label: 'Spindle',
            run: async (i) => {
              const out = `${ctx.hdfsScratch}/wordcount-spindle-${i}`;
              const file = writeJob(ctx.tmp, `wordcount-${i}`, wordcountJob(source, `${ctx.defaultFs}${out}`));
              const app = { name: `bench-wordcount-${i}`, tag: `${ctx.session}-wordcount-s${i}` };
              const cmd = ctx.spindle.submit(file, ctx.executors, app)!;
              const s = await yarnRun(ctx, { what: 'spindle submit wordcount', cmd, tag: app.tag, timeoutMs: TIMEOUT_MS, spindleAm: true });
              await check('Spindle', out);
              return s;
            },
            describe,
          }
        : { unavailable: '`spindle submit` is not in the CLI (dist/client/cli.js) yet' };
    const peer: Side<YarnSample> = {
      label: `PySpark ${ctx.spark.version}`,
      run: async (i) => {
        const out = `${ctx.hdfsScratch}/wordcount-pyspark-${i}`;
        const tag = `${ctx.session}-wordcount-${i}`;
        const cmd = sparkSubmit(ctx.spark, {
          name: `bench-wordcount-${i}`,
          tag,
          executors: ctx.executors,
          confDir: ctx.confDir,
          script: join(ctx.repoRoot, 'bench', 'jobs', 'wordcount.py'),
          args: [source, `${ctx.defaultFs}${out}`],
        });
        const s = await yarnRun(ctx, { what: 'PySpark wordcount.py', cmd, tag, timeoutMs: TIMEOUT_MS });
        await check('PySpark', out);
        return s;
      },
      describe,
    };
    const r = await alternate('wordcount', ctx.options.runs, spindle, peer);
    const sizeFields = { size_mib: mib, input_bytes: input.bytes, input_words: input.words, executors: ctx.executors };
    const wc = comparisonRow(
      ctx,
      {
        name: 'wordcount',
        peer: `PySpark ${ctx.spark.version} RDD (spark-submit, YARN cluster mode)`,
        goal: { field: 'speedup', min: GOAL },
        spindleVia: 'cli',
        extra: { ...sizeFields, ...yarnFields(r.spindle.samples, r.peer.samples) },
      },
      r,
    );
    return [wc, amMemoryRow(ctx, r.spindle.samples, r.peer.samples, wc, mib)];
  },
};

/** am-memory: medians of the AM containers' peak RSS over the wordcount runs. */
function amMemoryRow(ctx: BenchContext, spindle: readonly YarnSample[], peer: readonly YarnSample[], wc: Row, mib: number): Row {
  const mb = (kb: number[]): number | null => (kb.length ? Math.round(median(kb) / 1024) : null);
  const spindleMb = mb(spindle.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : [])));
  const peerMb = mb(peer.flatMap((s) => (s.am ? [s.am.peakSumRssKb] : [])));
  const row: Row = {
    name: 'am-memory',
    spindle_s: null,
    peer: `PySpark ${ctx.spark.version} AM/driver (JVM + Python driver)`,
    peer_s: null,
    speedup: null,
    spindle_mb: spindleMb,
    peer_mb: peerMb,
    ratio: ratioOf(peerMb, spindleMb),
    spindle_hwm_sum_mb: mb(spindle.flatMap((s) => (s.am ? [s.am.sumHwmKb] : []))),
    peer_hwm_sum_mb: mb(peer.flatMap((s) => (s.am ? [s.am.sumHwmKb] : []))),
    spindle_am_process_mb: mb(spindle.flatMap((s) => (s.amSelfRssKb ? [s.amSelfRssKb] : []))),
    spindle_processes: spindle[0]?.am?.processes,
    peer_processes: peer[0]?.am?.processes,
    during: `wordcount ${mib} MiB`,
    quick: ctx.options.quick,
    measured_at: new Date().toISOString(),
  };
  if (spindleMb == null) row.spindle_note = wc.spindle_note ?? 'not available yet: no Spindle wordcount run';
  if (peerMb == null) row.peer_note = wc.peer_note ?? 'the AM container was not seen in /proc';
  return row;
}
