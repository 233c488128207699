/**
 * `spindle submit --local[=N] job.ts [args]` (or `--master local[N]`, as Spark users write it): the
 * driver runs in this process and N executor processes on this machine (client/local). The job's
 * result line goes to stdout and its progress to stderr as with a cluster, with the same exit codes;
 * no Hadoop configuration and no Java are needed. With HADOOP_CONF_DIR set, `hdfs://` paths reach that
 * cluster's HDFS.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../protocols/errors/index.js';
import { bundleJob } from '../../job-bundle.js';
import { runLocalMode } from '../../local/index.js';
import { EXECUTOR_BUNDLE_PATH } from '../../submission.js';
import { parseCount } from '../args.js';
import type { CliContext } from '../context.js';
import { EXIT_INTERRUPTED } from '../exit-codes.js';

/** Executors a local run may ask for. */
export const MAX_LOCAL_EXECUTORS = 256;

/** The executors of `--local[=N]` / `--master local[N]`, or undefined for a cluster run. */
export function localExecutorCount(local: string | boolean | undefined, master: string | undefined, cores: number): number | undefined {
  if (master !== undefined && local !== undefined) throw new ConfigError('give --local or --master, not both');
  if (master !== undefined) {
    const m = /^local(?:\[(.*)\])?$/.exec(master.trim());
    if (!m) {
      if (master.trim() === 'yarn') return undefined;
      throw new ConfigError(`--master: "${master}" is not a master Spindle knows; use local, local[N], local[*] or yarn (the default)`);
    }
    return m[1] === undefined || m[1] === '*' ? cores : parseCount('--master local[N]', m[1], 1, MAX_LOCAL_EXECUTORS);
  }
  if (local === undefined || local === false) return undefined;
  if (local === true || local === '*') return cores;
  return parseCount('--local', local, 1, MAX_LOCAL_EXECUTORS);
}

/** Runs the job in local mode; resolves with the exit code. */
export async function submitLocal(ctx: CliContext, jobFile: string, jobArgs: string[], executors: number): Promise<number> {
  const { out } = ctx;
  const started = Date.now();
  if (!existsSync(EXECUTOR_BUNDLE_PATH))
    throw new ConfigError(`the executor bundle is missing (${EXECUTOR_BUNDLE_PATH}): run npm run build`);
  const workDir = await mkdtemp(join(tmpdir(), 'spindle-local-'));
  try {
    const jobBundle = join(workDir, 'spindle-job.mjs');
    // Not awaited here: the driver and the executors start while the job is bundled (runLocalMode waits for it).
    const bundled = bundleJob(jobFile, { cwd: ctx.process.cwd, outFile: jobBundle }).then((bundle) => {
      for (const w of bundle.warnings) out.warn(w);
      out.debug(`bundled ${jobFile} (${bundle.size} bytes) in ${Date.now() - started} ms`);
    });
    // Its failure is reported by runLocalMode, which may only await it after the executors started.
    bundled.catch(() => undefined);
    const hdfs = clusterHdfs(ctx);
    out.info(
      `running ${jobFile} in local mode: ${executors} executor(s) on this machine${hdfs ? '; hdfs:// paths read the configured cluster' : ''}`,
    );
    const log = (m: string): void => out.rawErr(`${new Date().toISOString()} spindle-driver: ${m}\n`);
    const run = await runLocalMode({
      jobBundle,
      bundled,
      args: jobArgs,
      executors,
      cwd: ctx.process.cwd,
      workDir,
      env: ctx.process.env,
      execPath: ctx.process.execPath,
      executorBundle: EXECUTOR_BUNDLE_PATH,
      user: hdfs?.user ?? userInfo().username,
      ...(hdfs ? { hdfs: { client: ctx.hdfs, nameNodes: hdfs.nameNodes } } : {}),
      log,
      writeResult: async (line) => out.rawAsync(line),
      writeStack: (stack) => out.rawErr(stack),
      ...(out.verbose ? { onExecutorOutput: (id: string, line: string) => out.rawErr(`[executor ${id}] ${line}\n`) } : {}),
      onInterrupt: ctx.process.onInterrupt,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (run.interrupted) {
      out.warn(`${run.appId} interrupted after ${seconds} s`);
      return EXIT_INTERRUPTED;
    }
    if (run.code === 0) out.info(`${run.appId} succeeded in ${seconds} s`);
    else out.warn(`${run.appId} failed after ${seconds} s`);
    return run.code;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The configured cluster's HDFS (simple authentication), when a configuration directory is named. */
function clusterHdfs(ctx: CliContext): { user: string; nameNodes: string[] } | undefined {
  const env = ctx.process.env;
  if (ctx.options.confDir === undefined && !env.HADOOP_CONF_DIR?.trim() && !env.YARN_CONF_DIR?.trim()) return undefined;
  const config = ctx.config;
  if (ctx.kerberos) {
    ctx.out.warn('local mode: the configured cluster uses Kerberos; hdfs:// paths are not available to local jobs (local paths are)');
    return undefined;
  }
  return { user: config.user, nameNodes: config.hdfs.nameNodeHttpUrls };
}
