/**
 * trivial-job: from submission to the printed result, cold, for a job that counts a 10-element
 * parallelized collection. Spindle: `spindle submit` (the count is printed on the terminal).
 * PySpark and Spark on the JVM: spark-submit in YARN cluster mode (the count is printed into the AM
 * container's stdout, checked after the run, untimed); the clock stops when spark-submit exits.
 */
import { errorMessage } from '../../protocols/errors/index.js';
import type { Row } from '../lib/results.js';
import { amLog } from '../lib/yarn.js';
import { TRIVIAL_JOB } from '../spindle/jobs.js';
import type { BenchContext, Workload } from './context.js';
import type { YarnSample } from './measure.js';
import { runWithPeers, sparkRow, sparkSides, spindleSide } from './spark-peers.js';

const TIMEOUT_MS = 5 * 60_000;
/** Against PySpark (issue #7). */
const GOAL = 5;

export const trivialJob: Workload = {
  rows: ['trivial-job'],
  async run(ctx: BenchContext): Promise<Row[]> {
    const spindle = spindleSide(ctx, {
      row: 'trivial-job',
      timeoutMs: TIMEOUT_MS,
      source: () => TRIVIAL_JOB,
      check: async (_who, s) => {
        if (!/^10$/m.test(s.run.stdout))
          throw new Error(
            `the job ran (${s.appId} SUCCEEDED) but printed no 10${s.run.stdout.trim() ? `; stdout: ${s.run.stdout.trim().slice(-200)}` : ''}`,
          );
        return s;
      },
    });
    const peers = sparkSides<YarnSample>(ctx, {
      row: 'trivial-job',
      timeoutMs: TIMEOUT_MS,
      python: { script: 'trivial_count.py' },
      jvm: { workload: 'trivial' },
      check: async (who, s) => {
        const printed = await amLog(ctx.rm, s.appId, 'stdout').catch((e: unknown) => `(${errorMessage(e)})`);
        if (!/^10$/m.test(printed)) throw new Error(`${who} ${s.appId} did not print 10; AM stdout: ${printed.slice(-300)}`);
        return s;
      },
    });
    const r = await runWithPeers(ctx, 'trivial-job', spindle, peers);
    return [
      sparkRow(
        ctx,
        { name: 'trivial-job', goal: { field: 'speedup', min: GOAL }, spindleVia: 'cli', extra: { executors: ctx.executors } },
        r,
      ),
    ];
  },
};
