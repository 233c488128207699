/**
 * join: two generated pair files in HDFS ("key\tvalue" lines; the left big, the right with distinct
 * keys), joined on key into HDFS as "key\tv\tw" lines, with the same number of reduce partitions for
 * every tool. Each output is checked after its run (untimed): as many lines as the generator
 * expected, with the same order-independent checksum.
 */
import { ChunkedLineChecksum, joinData } from '../lib/record-data.js';
import type { Row } from '../lib/results.js';
import { joinJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { ensureInputs, inputDir, readParts, upload } from './inputs.js';
import type { YarnSample } from './measure.js';
import { runWithPeers, sparkRow, sparkSides, spindleSide, PYSPARK_GOAL } from './spark-peers.js';

const TIMEOUT_MS = 30 * 60_000;
/** Bump when joinData changes, so that old inputs are not reused. */
const DATA_VERSION = 1;

interface JoinInput {
  left: number;
  right: number;
  bytes: number;
  matches: { lines: number; sum: number };
}

export const join: Workload = {
  rows: ['join'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const { joinLeft, joinRight, shufflePartitions: partitions } = ctx.options.sizes;
    const base = `${inputDir(ctx)}/join-${joinLeft}x${joinRight}-v${DATA_VERSION}`;
    const [leftPath, rightPath] = [`${base}-left.txt`, `${base}-right.txt`];
    const input = await ensureInputs<JoinInput>(ctx, [leftPath, rightPath], `${base}.json`, async () => {
      const data = joinData(joinLeft, joinRight);
      const bytes = (await upload(ctx, leftPath, data.left)) + (await upload(ctx, rightPath, data.right));
      return { left: joinLeft, right: joinRight, bytes, matches: data.totals.matches.toJSON() };
    });
    const [left, right] = [`${ctx.defaultFs}${leftPath}`, `${ctx.defaultFs}${rightPath}`];
    const check = async (who: string, s: YarnSample, out: string): Promise<YarnSample> => {
      const sum = new ChunkedLineChecksum();
      await readParts(ctx, who, out, { file: () => sum.endFile(), chunk: (c) => sum.chunk(c) });
      await ctx.hdfs.delete(out, { recursive: true }).catch(() => false);
      const got = sum.result();
      if (got.lines !== input.matches.lines || got.sum !== input.matches.sum)
        throw new Error(
          `${who} join output ${out} has ${got.lines} records, checksum ${got.sum}; expected ${input.matches.lines}, checksum ${input.matches.sum}`,
        );
      return s;
    };
    const spindle = spindleSide(ctx, {
      row: 'join',
      timeoutMs: TIMEOUT_MS,
      source: (_i, out) => joinJob(left, right, out, partitions),
      check,
    });
    const peers = sparkSides(ctx, {
      row: 'join',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'join.py', args: (_i, out) => [left, right, out, String(partitions)] },
      jvm: { workload: 'join', args: (_i, out) => [left, right, out, String(partitions)] },
      check,
    });
    const r = await runWithPeers(ctx, 'join', spindle, peers);
    return [
      sparkRow(
        ctx,
        {
          name: 'join',
          goal: { field: 'speedup', min: PYSPARK_GOAL },
          spindleVia: 'cli',
          extra: {
            left: joinLeft,
            right: joinRight,
            joined: input.matches.lines,
            input_bytes: input.bytes,
            size_mib: Math.round(input.bytes / 2 ** 20),
            partitions,
            executors: ctx.executors,
          },
        },
        r,
      ),
    ];
  },
};
