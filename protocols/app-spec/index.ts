import { ConfigError } from '../errors/index.js';
import type { LocalResource } from '../yarn/index.js';

/**
 * The application spec: a JSON document the submit client writes into the staging directory and ships
 * to the ApplicationMaster as a local resource. No environment variable tells an AM where the
 * ResourceManager's scheduler is, so everything the AM and its containers need about the cluster
 * travels here. It holds no secrets (tokens travel in the container credentials).
 */

/** Name of the spec in the AM container's working directory. */
export const APP_SPEC_FILE = 'spindle-app.json';
/** Name of the AM bundle (our AM code as one JS file) in the AM container's working directory. */
export const AM_BUNDLE_FILE = 'spindle-am.mjs';
/** Name of the command script in each shell container's working directory. */
export const SHELL_SCRIPT_FILE = 'spindle-cmd.sh';
/** Name of the bundled job (the user's module, see bundleJob) in the AM's and executors' working directories. */
export const JOB_BUNDLE_FILE = 'spindle-job.mjs';
/** Name of the driver runtime bundle (runs the job's main with a Context) in the AM container. */
export const DRIVER_BUNDLE_FILE = 'spindle-driver.mjs';
/** Name of the executor runtime bundle in each executor container. */
export const EXECUTOR_BUNDLE_FILE = 'spindle-executor.mjs';
/** In the AM container's log directory: one JSON line per container started or ended. */
export const CONTAINER_LIST_FILE = 'containers.jsonl';
export const APP_SPEC_VERSION = 1;
/**
 * The job bundle's evaluator: a function the bundler appends to the job module (a direct `eval` in its
 * top-level scope), so executors rebuild shipped lambdas with the job's helpers and imports in scope.
 */
export const JOB_EVALUATOR_EXPORT = '__spindleEvaluate';
/** What the bundler appends to every job bundle (esbuild `footer`). */
export const JOB_BUNDLE_FOOTER = `export function ${JOB_EVALUATOR_EXPORT}(__spindle_source) { return eval(__spindle_source); }`;

/** Named defaults for JobSpec (the client fills them in; the AM checks them). */
export const DEFAULT_EXECUTORS = 2;
export const DEFAULT_EXECUTOR_MEMORY_MB = 512;
export const DEFAULT_EXECUTOR_CORES = 1;
export const DEFAULT_MAX_TASK_ATTEMPTS = 4;
/** Executor failures tolerated by default: twice the executors, at least 3 (as Spark does). */
export function defaultMaxExecutorFailures(executors: number): number {
  return Math.max(3, 2 * executors);
}

export interface ClusterSpec {
  /** host:port of each RM scheduler (several with RM HA). */
  schedulerAddresses: string[];
  /** NameNode HTTP base URLs (several with HDFS HA). */
  nameNodes: string[];
  /** fs.defaultFS, e.g. hdfs://127.0.0.1:8020. */
  defaultFs: string;
  /** hadoop.rpc.protection as configured on the client: authentication, integrity and/or privacy. */
  rpcProtection: string[];
}

/** The distributed-shell workload: run one command in N containers, each once. */
export interface ShellSpec {
  containers: number;
  memoryMb: number;
  vcores: number;
  priority?: number;
  nodeLabel?: string;
  /** Failed containers tolerated (each is replaced); one more fails the application. */
  maxFailures: number;
  /** Files every container gets, including the command script. */
  localResources: Record<string, LocalResource>;
  environment: Record<string, string>;
}

/**
 * A Node program run as the driver inside the AM container (`spindle submit`). Its stdout and stderr
 * are the AM container's; its exit code decides the final status.
 */
export interface DriverSpec {
  /** Name of the bundled program among the AM container's local resources. */
  script: string;
  args: string[];
  /** --max-old-space-size for the driver process, in MB. */
  heapMb: number;
  environment: Record<string, string>;
}

/**
 * Job mode (`spindle submit` of a job module): the driver runtime runs the job's default export
 * with a Context, and the AM keeps executor containers for it. `driver.script` names the job
 * bundle; the AM starts `driverBundle` with it. Without `job`, `driver.script` runs as a plain
 * Node program (no executors).
 */
export interface JobSpec {
  /** The driver runtime among the AM container's local resources. */
  driverBundle: string;
  /** The executor runtime among `localResources`. */
  executorBundle: string;
  /** Executor containers kept while the job runs. */
  executors: number;
  executorMemoryMb: number;
  /** Vcores of each executor container, and the tasks it runs at once (worker threads above 1). */
  executorCores: number;
  /** --max-old-space-size of executors, in MB. */
  executorHeapMb: number;
  /** Attempts of a task before the job fails. Default 4. */
  maxTaskAttempts: number;
  /** Failed executor containers tolerated (each replaced); one more fails the application. */
  maxExecutorFailures: number;
  /** Files every executor gets: the executor runtime and the job bundle. */
  localResources: Record<string, LocalResource>;
  /** Environment of executors (the driver's is driver.environment). */
  environment: Record<string, string>;
  /** Node binary on the cluster's nodes for executors. Default `node` from the NodeManager's PATH. */
  nodeBinary?: string;
}

/** What a client must give to build a JobSpec; the rest has defaults. */
export interface JobSpecOptions {
  executors: number;
  executorMemoryMb: number;
  executorCores: number;
  executorHeapMb: number;
  /** Files of every executor: must include EXECUTOR_BUNDLE_FILE and JOB_BUNDLE_FILE (and a shipped Node). */
  localResources: Record<string, LocalResource>;
  maxTaskAttempts?: number;
  maxExecutorFailures?: number;
  environment?: Record<string, string>;
  nodeBinary?: string;
}

/** A JobSpec with the default bundle names, task attempts and executor failure limit. */
export function makeJobSpec(o: JobSpecOptions): JobSpec {
  return {
    driverBundle: DRIVER_BUNDLE_FILE,
    executorBundle: EXECUTOR_BUNDLE_FILE,
    executors: o.executors,
    executorMemoryMb: o.executorMemoryMb,
    executorCores: o.executorCores,
    executorHeapMb: o.executorHeapMb,
    maxTaskAttempts: o.maxTaskAttempts ?? DEFAULT_MAX_TASK_ATTEMPTS,
    maxExecutorFailures: o.maxExecutorFailures ?? defaultMaxExecutorFailures(o.executors),
    localResources: o.localResources,
    environment: o.environment ?? {},
    ...(o.nodeBinary ? { nodeBinary: o.nodeBinary } : {}),
  };
}

export interface AppSpec {
  version: number;
  appId: string;
  name: string;
  user: string;
  /** HDFS path of the staging directory; the AM removes it when the application ends. */
  stagingDir: string;
  maxAttempts: number;
  cluster: ClusterSpec;
  shell?: ShellSpec;
  driver?: DriverSpec;
  job?: JobSpec;
}

function fail(field: string, problem: string): never {
  throw new ConfigError(`application spec: ${field} ${problem}`);
}

function positiveInt(field: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, `must be a whole number >= ${min}, got ${String(v)}`);
  return v;
}

function strings(field: string, v: unknown, nonEmpty = true): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string') || (nonEmpty && v.length === 0)) {
    fail(field, 'must be a list of strings' + (nonEmpty ? ' with at least one entry' : ''));
  }
  return v as string[];
}

/** Parses and validates a spec document; throws ConfigError naming the bad field. */
export function parseAppSpec(text: string): AppSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail('document', `is not JSON: ${(err as Error).message}`);
  }
  const s = doc as Partial<AppSpec>;
  if (s.version !== APP_SPEC_VERSION) fail('version', `must be ${APP_SPEC_VERSION} (this AM is older or newer than the client)`);
  for (const f of ['appId', 'name', 'user', 'stagingDir'] as const) {
    if (typeof s[f] !== 'string' || s[f] === '') fail(f, 'must be a non-empty string');
  }
  positiveInt('maxAttempts', s.maxAttempts);
  const c = s.cluster as Partial<ClusterSpec> | undefined;
  if (!c || typeof c !== 'object') fail('cluster', 'is missing');
  strings('cluster.schedulerAddresses', c.schedulerAddresses);
  strings('cluster.nameNodes', c.nameNodes);
  strings('cluster.rpcProtection', c.rpcProtection);
  if (typeof c.defaultFs !== 'string') fail('cluster.defaultFs', 'must be a string');
  if (s.shell !== undefined) {
    const sh = s.shell;
    positiveInt('shell.containers', sh.containers);
    positiveInt('shell.memoryMb', sh.memoryMb);
    positiveInt('shell.vcores', sh.vcores);
    positiveInt('shell.maxFailures', sh.maxFailures, 0);
    if (!sh.localResources || typeof sh.localResources !== 'object') fail('shell.localResources', 'must be an object');
    if (!sh.environment || typeof sh.environment !== 'object') fail('shell.environment', 'must be an object');
  }
  if (s.driver !== undefined) {
    const d = s.driver;
    if (typeof d.script !== 'string' || d.script === '') fail('driver.script', 'must be a non-empty string');
    strings('driver.args', d.args, false);
    positiveInt('driver.heapMb', d.heapMb);
    if (!d.environment || typeof d.environment !== 'object') fail('driver.environment', 'must be an object');
  }
  if (s.shell && s.driver) fail('shell', 'and driver cannot both be given');
  if (s.job !== undefined) {
    const j = s.job;
    if (!s.driver) fail('job', 'needs driver (the job bundle and its arguments)');
    for (const f of ['driverBundle', 'executorBundle'] as const) {
      if (typeof j[f] !== 'string' || j[f] === '') fail(`job.${f}`, 'must be a non-empty string');
    }
    positiveInt('job.executors', j.executors);
    positiveInt('job.executorMemoryMb', j.executorMemoryMb);
    positiveInt('job.executorCores', j.executorCores);
    positiveInt('job.executorHeapMb', j.executorHeapMb);
    positiveInt('job.maxTaskAttempts', j.maxTaskAttempts);
    positiveInt('job.maxExecutorFailures', j.maxExecutorFailures, 0);
    if (!j.localResources || typeof j.localResources !== 'object') fail('job.localResources', 'must be an object');
    if (!(j.executorBundle in j.localResources)) fail('job.localResources', `must include the executor bundle ${j.executorBundle}`);
    if (!j.environment || typeof j.environment !== 'object') fail('job.environment', 'must be an object');
    if (j.nodeBinary !== undefined && (typeof j.nodeBinary !== 'string' || j.nodeBinary === '')) fail('job.nodeBinary', 'must be a non-empty string');
  }
  return s as AppSpec;
}
