/**
 * sort: TeraSort-like. Generated 100-byte records (10-byte key) in HDFS, sortByKey into HDFS by
 * 2 executors of 1 core each, with the same number of reduce partitions for every tool. Each output
 * is checked after its run (untimed): the part files in order must be globally sorted by key, hold
 * as many records as the input and carry the same order-independent checksum.
 */
import { sortData, SortValidator } from '../lib/record-data.js';
import type { Row } from '../lib/results.js';
import { sortJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { ensureInputs, inputDir, readParts, upload } from './inputs.js';
import type { YarnSample } from './measure.js';
import { runWithPeers, sparkRow, sparkSides, spindleSide, PYSPARK_GOAL } from './spark-peers.js';

const TIMEOUT_MS = 30 * 60_000;
/** Bump when sortData changes, so that old inputs are not reused. */
const DATA_VERSION = 1;

interface SortInput {
  records: number;
  bytes: number;
  checksum: { lines: number; sum: number };
}

export const sort: Workload = {
  rows: ['sort'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const { sortRecords: records, shufflePartitions: partitions } = ctx.options.sizes;
    const path = `${inputDir(ctx)}/sort-${records}-v${DATA_VERSION}.txt`;
    const input = await ensureInputs<SortInput>(ctx, [path], `${path}.json`, async () => {
      const data = sortData(records);
      const bytes = await upload(ctx, path, data.stream);
      return { records: data.totals.records, bytes, checksum: data.totals.checksum.toJSON() };
    });
    const source = `${ctx.defaultFs}${path}`;
    const check = async (who: string, s: YarnSample, out: string): Promise<YarnSample> => {
      const v = new SortValidator();
      await readParts(ctx, who, out, { file: (f) => v.file(f), chunk: (c) => v.chunk(c) });
      await ctx.hdfs.delete(out, { recursive: true }).catch(() => false);
      const got = v.end();
      if (got.problem) throw new Error(`${who} sort output is not sorted: ${got.problem}`);
      if (got.checksum.lines !== input.checksum.lines || got.checksum.sum !== input.checksum.sum)
        throw new Error(
          `${who} sort output ${out} has ${got.records} records, checksum ${got.checksum.sum}; the input has ${input.records}, checksum ${input.checksum.sum}`,
        );
      return s;
    };
    const spindle = spindleSide(ctx, { row: 'sort', timeoutMs: TIMEOUT_MS, source: (_i, out) => sortJob(source, out, partitions), check });
    const peers = sparkSides(ctx, {
      row: 'sort',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'sort.py', args: (_i, out) => [source, out, String(partitions)] },
      jvm: { workload: 'sort', args: (_i, out) => [source, out, String(partitions)] },
      check,
    });
    const r = await runWithPeers(ctx, 'sort', spindle, peers);
    return [
      sparkRow(
        ctx,
        {
          name: 'sort',
          goal: { field: 'speedup', min: PYSPARK_GOAL },
          spindleVia: 'cli',
          extra: { records, input_bytes: input.bytes, size_mib: Math.round(input.bytes / 2 ** 20), partitions, executors: ctx.executors },
        },
        r,
      ),
    ];
  },
};
