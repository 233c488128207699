/**
 * avro-scan: a filter and a count over a generated Avro file (codec null) in HDFS. Spindle reads it
 * with ctx.avroFile (records as objects); Spark on the JVM with Hadoop's AvroKeyInputFormat
 * (GenericRecord, the RDD way; avro-mapred ships with Spark); PySpark with the same input format
 * and the benchmark jar's AvroToMap converter (each record a dict). Every tool prints its count,
 * checked against the generator's.
 */
import { AVRO_FILTER, avroData } from '../lib/avro-data.js';
import type { Row } from '../lib/results.js';
import { amLog } from '../lib/yarn.js';
import { avroCountIn, avroScanJob } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import { ensureInputs, inputDir, upload } from './inputs.js';
import type { YarnSample } from './measure.js';
import { runWithPeers, sparkRow, sparkSides, spindleSide, PYSPARK_GOAL } from './spark-peers.js';

const TIMEOUT_MS = 30 * 60_000;
/** Bump when avroData changes, so that old inputs are not reused. */
const DATA_VERSION = 1;

interface AvroInput {
  records: number;
  matches: number;
  bytes: number;
}

export const avroScan: Workload = {
  rows: ['avro-scan'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const records = ctx.options.sizes.avroRecords;
    const path = `${inputDir(ctx)}/sales-${records}-v${DATA_VERSION}.avro`;
    const input = await ensureInputs<AvroInput>(ctx, [path], `${path}.json`, async () => {
      const data = avroData(records);
      const bytes = await upload(ctx, path, data.stream);
      return { records: data.totals.records, matches: data.totals.matches, bytes };
    });
    const source = `${ctx.defaultFs}${path}`;
    const expect = (who: string, s: YarnSample, printed: string): YarnSample => {
      const n = avroCountIn(printed);
      if (n !== input.matches)
        throw new Error(
          `${who} ${s.appId} counted ${n ?? '(nothing printed)'}, expected ${input.matches}; output: ${printed.trim().slice(-300)}`,
        );
      return s;
    };
    const spindle = spindleSide(ctx, {
      row: 'avro-scan',
      timeoutMs: TIMEOUT_MS,
      source: () => avroScanJob(source, AVRO_FILTER.category, AVRO_FILTER.minAmount),
      check: async (who, s) => expect(who, s, s.run.stdout),
    });
    const args = (): string[] => [source, AVRO_FILTER.category, String(AVRO_FILTER.minAmount)];
    const peers = sparkSides(ctx, {
      row: 'avro-scan',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'avro_scan.py', args, jars: [ctx.sparkJvm.jar] },
      jvm: { workload: 'avro', args },
      check: async (who, s) => expect(who, s, await amLog(ctx.rm, s.appId, 'stdout')),
    });
    const r = await runWithPeers(ctx, 'avro-scan', spindle, peers);
    return [
      sparkRow(
        ctx,
        {
          name: 'avro-scan',
          goal: { field: 'speedup', min: PYSPARK_GOAL },
          spindleVia: 'cli',
          extra: {
            records,
            matches: input.matches,
            input_bytes: input.bytes,
            size_mib: Math.round(input.bytes / 2 ** 20),
            filter: AVRO_FILTER,
            executors: ctx.executors,
          },
        },
        r,
      ),
    ];
  },
};
