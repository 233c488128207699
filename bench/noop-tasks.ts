/**
 * No-op task throughput (a benchmark, not a test): how many empty tasks per second the driver gets
 * through two executors, and what each task costs. The job runs `range(n, n).foreach(() => {})`,
 * one record per task, after warm-up rounds (executors connected, code hot).
 *
 *   node dist/bench/noop-tasks.js [--tasks 20000] [--runs 5] [--mode local|cluster]
 *
 * local:   the driver runtime in this process, two executor processes of the real executor bundle
 *          on this machine (the task protocol alone: framing, batching, pipelining).
 * cluster: the same job submitted to the local YARN cluster with two executor containers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleJob } from '../client/job-bundle.js';
import { DriverRuntime } from '../appmaster/driver/runtime.js';
import { loadJobModule } from '../protocols/job-spec/index.js';
import { createCredentials, serializeCredentials } from '../protocols/credentials/index.js';
import { APP_SECRET_ALIAS } from '../protocols/driver-executor/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { repoRoot } from '../test/integration/cluster.js';
import { openHarness, runJob } from '../test/integration/job-harness.js';
import { median } from './lib/stats.js';
import { errorStack } from '../protocols/errors/index.js';

const EXECUTORS = 2;

const JOB = `
export default async function main(ctx, [tasks, runs]) {
  const n = Number(tasks);
  for (let i = 0; i < 3; i++) await ctx.range(n, n).foreach(() => {});
  const ms = [];
  for (let i = 0; i < Number(runs); i++) {
    const t0 = performance.now();
    await ctx.range(n, n).foreach(() => {});
    ms.push(performance.now() - t0);
  }
  return { tasks: n, ms };
}`;

function flags(argv: string[]): { tasks: number; runs: number; mode: 'local' | 'cluster' } {
  const out = { tasks: 20_000, runs: 5, mode: 'local' as 'local' | 'cluster' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--tasks') out.tasks = Number(v);
    else if (k === '--runs') out.runs = Number(v);
    else if (k === '--mode' && (v === 'local' || v === 'cluster')) out.mode = v;
    else throw new Error(`unknown argument ${k} (known: --tasks n --runs n --mode local|cluster)`);
  }
  return out;
}

async function local(jobFile: string, tasks: number, runs: number): Promise<{ ms: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-bench-'));
  const bundlePath = join(dir, 'job.mjs');
  await bundleJob(jobFile, { outFile: bundlePath });
  const job = await loadJobModule(bundlePath);
  const secret = randomBytes(32);
  const tokenFile = join(dir, 'container_tokens');
  writeFileSync(tokenFile, serializeCredentials(createCredentials([], [[APP_SECRET_ALIAS, secret]])));
  const fs = new WebHdfsClient({ nameNodes: ['http://127.0.0.1:9870'], user: 'bench' });
  const runtime = new DriverRuntime({
    init: {
      type: 'init',
      secret,
      appId: 'bench',
      host: '127.0.0.1',
      nameNodes: ['http://127.0.0.1:9870'],
      user: 'bench',
      job: { executors: EXECUTORS, executorVcores: 1, maxTaskAttempts: 4 },
    },
    am: { send: () => {} },
    fs,
    log: () => {},
  });
  const port = await runtime.start();
  const exits: Promise<unknown>[] = [];
  for (let i = 1; i <= EXECUTORS; i++) {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(repoRoot, 'dist', 'bundle', 'spindle-executor.mjs'),
        '--driver',
        `127.0.0.1:${port}`,
        '--executor-id',
        String(i),
        '--cores',
        '1',
        '--job',
        bundlePath,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, HADOOP_TOKEN_FILE_LOCATION: tokenFile, NM_HOST: 'localhost' } },
    );
    exits.push(new Promise((r) => child.once('exit', r)));
  }
  while (runtime.server.executors().length < EXECUTORS) await new Promise((r) => setTimeout(r, 20));
  const result = (await job.main!(runtime.context, [String(tasks), String(runs)])) as { ms: number[] };
  await runtime.stop('succeeded', 'benchmark done');
  await Promise.all(exits);
  fs.close();
  return result;
}

async function cluster(jobFile: string, tasks: number, runs: number): Promise<{ ms: number[] }> {
  const h = openHarness();
  try {
    const run = await runJob(h, {
      file: jobFile,
      args: [String(tasks), String(runs)],
      executors: EXECUTORS,
      executorMemoryMb: 512,
      name: 'spindle-bench-noop',
    });
    if (run.report.finalStatus !== 'SUCCEEDED') throw new Error(`the benchmark job failed: ${run.report.diagnostics}\n${run.stderr}`);
    return run.result as { ms: number[] };
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const { tasks, runs, mode } = flags(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'spindle-bench-job-'));
  const jobFile = join(dir, 'noop.mjs');
  writeFileSync(jobFile, JOB);
  const { ms } = mode === 'local' ? await local(jobFile, tasks, runs) : await cluster(jobFile, tasks, runs);
  const med = median(ms);
  const rate = (tasks / med) * 1000;
  process.stdout.write(
    `no-op tasks, ${mode}, ${EXECUTORS} executors x 1 core, ${tasks} tasks per run, ${runs} runs\n` +
      `  runs (ms):          ${ms.map((m) => m.toFixed(0)).join(' ')}\n` +
      `  median:             ${med.toFixed(0)} ms = ${rate.toFixed(0)} tasks/s (goal >= 10000)\n` +
      `  per task:           ${((med * 1000) / tasks).toFixed(1)} us of wall time; ` +
      `${((med * 1000 * EXECUTORS) / tasks).toFixed(1)} us of executor time (wall x executors / tasks)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${errorStack(err)}\n`);
  process.exit(1);
});
