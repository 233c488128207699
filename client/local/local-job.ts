import { randomBytes } from 'node:crypto';
import {
  DriverRuntime,
  JobModuleError,
  resolveLocalModePath,
  runJobMain,
  type AmToDriver,
  type DriverToAm,
} from '../../appmaster/driver/index.js';
import { ConfigError, errorMessage } from '../../protocols/errors/index.js';
import { excludeOnFailure, loadJobModule } from '../../protocols/job-spec/index.js';
import { LocalFs, RoutingFs, type JobFs } from '../../protocols/localfs/index.js';
import { LocalExecutors, type LocalExecutorsOptions } from './local-executors.js';

/**
 * Local mode: the driver runtime in this process (task server on loopback, scheduler, engine, output
 * commit) and executor processes on this machine (LocalExecutors), reading and writing local files
 * (and a configured cluster's HDFS URIs). Nothing of YARN is involved; no Java, no Hadoop
 * configuration.
 */

/** Task attempts before a job fails, as on the cluster (spark.task.maxFailures; Spark's local[N] allows 1). */
export const LOCAL_MAX_TASK_ATTEMPTS = 4;

export interface LocalRunOptions {
  /** The bundled job (bundleJob's output file). */
  jobBundle: string;
  /**
   * Settles once jobBundle is written (rejects when bundling failed). Given, the driver and the
   * executors start while the job is still being bundled; without it, the file must exist.
   */
  bundled?: Promise<unknown>;
  /** The job's main, instead of the bundle's (spindle/testing's inline jobs; the bundle then only evaluates lambdas). */
  main?: (...args: unknown[]) => unknown;
  args: string[];
  /** Executor processes (one core each). */
  executors: number;
  /** Relative paths of the job resolve against this directory. */
  cwd: string;
  /** A private directory for the credentials file and shuffle files; the caller removes it. */
  workDir: string;
  /** The executors' environment (the user's). */
  env: Record<string, string | undefined>;
  execPath: string;
  executorBundle: string;
  /** The user the job runs as (its HDFS user when `hdfs` is given). */
  user: string;
  /** A cluster's HDFS for `hdfs://` paths: its WebHDFS client and NameNode URLs. */
  hdfs?: { client: JobFs; nameNodes: string[] };
  /** Progress and diagnostics (the driver's log lines). */
  log: (message: string) => void;
  writeResult: (line: string) => Promise<void>;
  writeStack: (stack: string) => void;
  /** Executors' own output, line by line (--verbose). */
  onExecutorOutput?: LocalExecutorsOptions['onOutput'];
  /** Registers a stop request (Ctrl-C); returns its unregistration. */
  onInterrupt?: (handler: () => void) => () => void;
  /** Called once the executors are asked for (tests reach their processes through it). */
  onExecutors?: (executors: LocalExecutors) => void;
}

export interface LocalRunResult {
  /** 0, or 1 when the job failed. */
  code: number;
  appId: string;
  result?: unknown;
  error?: unknown;
  interrupted: boolean;
}

/** Runs a bundled job in local mode. A module without a main is a plain program: it runs on import. */
export async function runLocalMode(o: LocalRunOptions): Promise<LocalRunResult> {
  const appId = `local-${Date.now()}-${process.pid}`;
  const secret = randomBytes(32);
  const fs = new RoutingFs(new LocalFs(), o.hdfs?.client);
  let runtime: DriverRuntime | undefined;
  const toDriver = (m: AmToDriver): void => runtime?.onAmMessage(m);
  const executors = new LocalExecutors({
    executorBundle: o.executorBundle,
    jobBundle: o.jobBundle,
    bundlePending: o.bundled !== undefined,
    secret,
    workDir: o.workDir,
    env: o.env,
    execPath: o.execPath,
    onEvent: toDriver,
    log: o.log,
    ...(o.onExecutorOutput ? { onOutput: o.onExecutorOutput } : {}),
  });
  const am = {
    send: (m: DriverToAm): void => {
      if (m.type === 'ready') executors.setDriverPort(m.port);
      else if (m.type === 'request-executors') executors.request(m.count);
    },
  };
  runtime = new DriverRuntime({
    init: {
      type: 'init',
      secret,
      appId,
      host: '127.0.0.1',
      nameNodes: o.hdfs?.nameNodes ?? [],
      user: o.user,
      // Exclusion avoids nodes and executors on a cluster; on one machine there is nowhere else to go.
      job: {
        executors: o.executors,
        executorVcores: 1,
        maxTaskAttempts: LOCAL_MAX_TASK_ATTEMPTS,
        excludeOnFailure: excludeOnFailure({ enabled: false }),
      },
    },
    am,
    fs,
    log: o.log,
    scheduler: { localityWaitMs: 0 },
    resolvePath: (p) => resolveLocalModePath(p, o.cwd, o.hdfs !== undefined),
    listenHost: '127.0.0.1',
  });
  let interrupted = false;
  const unregister = o.onInterrupt?.(() => {
    interrupted = true;
    toDriver({ type: 'abort', reason: 'interrupted (Ctrl-C)' });
  });
  let started = false;
  try {
    // Executors start now; they load the job once it is bundled (their start-up overlaps the bundling).
    await runtime.start();
    o.onExecutors?.(executors);
    await o.bundled;
    const main = o.main ?? (await loadJob(o.jobBundle, o.args)).main;
    if (!main) return { code: 0, appId, interrupted: false };
    executors.jobBundled();
    started = true;
    const outcome = await runJobMain(main, runtime, o.args, { writeResult: o.writeResult, log: o.log, writeStack: o.writeStack });
    return { ...outcome, appId, interrupted };
  } finally {
    // runJobMain stops the runtime; before it ran (the job did not bundle or load, or is a plain program) it is stopped here.
    if (!started) await runtime.stop('failed', 'the job did not start');
    unregister?.();
    await executors.stop();
    fs.close();
  }
}

/** Loads the bundled job as the driver does. A plain program reads its arguments from process.argv as it loads. */
async function loadJob(jobBundle: string, args: string[]): Promise<Awaited<ReturnType<typeof loadJobModule>>> {
  const argv = process.argv;
  process.argv = [process.execPath, jobBundle, ...args];
  try {
    return await loadJobModule(jobBundle);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new JobModuleError(`the job module threw while loading (at its top level, before main ran): ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    process.argv = argv;
  }
}
