import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../appmaster/driver/index.js';
import { JOB_BUNDLE_FOOTER } from '../../protocols/job-spec/index.js';
import { bundleJob } from '../job-bundle.js';
import { EXECUTOR_BUNDLE_PATH } from '../submission.js';
import type { LocalExecutors } from './local-executors.js';
import { runLocalMode } from './local-job.js';

/**
 * `import { runLocal } from 'spindle/testing'`: a job run in local mode from a test (mocha, vitest,
 * node:test), with the engine `spindle submit --local` uses: the driver in the test's process, the
 * executors as processes on this machine, local files (or in-memory data from `parallelize`).
 */

/** A job's main, given inline. */
export type JobMain<T> = (ctx: Context, args: string[]) => T | Promise<T>;

export interface RunLocalOptions {
  /** The job's arguments. Default none. */
  args?: string[];
  /** Executor processes. Default 2 (at most the machine's cores). */
  executors?: number;
  /** Relative paths (the job file's and the job's) resolve against this directory. Default process.cwd(). */
  cwd?: string;
  /** The driver's progress lines. Default: dropped (the error of a failed job says what failed). */
  log?: (line: string) => void;
  /** The executors' environment. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Called once the executors are asked for (to reach their processes). */
  onExecutors?: (executors: LocalExecutors) => void;
}

/**
 * Runs a job in local mode and resolves with what its main returned; rejects with the error that
 * failed it (a TaskFailedError for a task's, with the task's own message).
 *
 * `job` is a job file (bundled as `spindle submit` bundles it: lambdas capture main's locals) or a
 * main function. An inline main's lambdas run on the executors from their source text alone: they
 * may use globals and the closure values passed with them (`ds.map(fn, { factor })`), not the test
 * module's imports or locals.
 */
export async function runLocal<T = unknown>(job: string | JobMain<T>, options: RunLocalOptions = {}): Promise<T> {
  const cwd = options.cwd ?? process.cwd();
  const workDir = await mkdtemp(join(tmpdir(), 'spindle-test-'));
  try {
    const jobBundle = join(workDir, 'spindle-job.mjs');
    if (typeof job === 'string') await bundleJob(job, { cwd, outFile: jobBundle });
    else await writeFile(jobBundle, `${JOB_BUNDLE_FOOTER}\nexport default function main() {}\n`);
    let failure: unknown;
    const run = await runLocalMode({
      jobBundle,
      ...(typeof job === 'function' ? { main: job as (...args: unknown[]) => unknown } : {}),
      args: options.args ?? [],
      executors: options.executors ?? Math.min(2, availableParallelism()),
      cwd,
      workDir,
      env: options.env ?? process.env,
      execPath: process.execPath,
      executorBundle: EXECUTOR_BUNDLE_PATH,
      user: userInfo().username,
      log: options.log ?? (() => {}),
      writeResult: async () => {},
      writeStack: () => {},
      ...(options.onExecutors ? { onExecutors: options.onExecutors } : {}),
    }).catch((err: unknown) => {
      failure = err;
      return undefined;
    });
    if (!run) throw failure;
    if (run.code !== 0) throw run.error;
    return run.result as T;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
