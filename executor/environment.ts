import { ConfigError } from '../protocols/errors/index.js';

/**
 * The executor's view of its container and command line, read in this one place. The command line
 * carries only what is not secret (the driver's address, the executor id); the application secret
 * comes from the container credentials (HADOOP_TOKEN_FILE_LOCATION).
 */

export interface ExecutorArgs {
  driverHost: string;
  driverPort: number;
  executorId: string;
  cores: number;
  /** The job bundle in the working directory. */
  jobPath: string;
  /** Memory for cached partitions, in MB (`--cache-memory-mb`); absent: a share of the heap. */
  cacheMemoryMb?: number;
}

export interface ExecutorEnvironment {
  tokenFile: string;
  /** NM_HOST: the host this executor runs on (for locality). */
  host: string;
  containerId: string;
  /** LOCAL_DIRS (else the working directory): where shuffle files go; YARN removes them with the application. */
  localDirs: string[];
  /** SPINDLE_CPU_PROFILE_DIR: where to write a CPU profile of this executor (for benchmarks), if set. */
  cpuProfileDir?: string;
  /**
   * SPINDLE_LOCAL_MODE=1 (`spindle submit --local`): plain paths are this machine's files, HDFS URIs
   * the cluster's (RoutingFs). Otherwise every path is an HDFS path.
   */
  localMode: boolean;
}

/** Parses `--driver host:port --executor-id N --cores C --job file [--cache-memory-mb M]`. */
export function parseExecutorArgs(argv: readonly string[]): ExecutorArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) throw new ConfigError(`executor: bad argument ${key} (expected --name value pairs)`);
    values.set(key.slice(2), value);
  }
  const need = (k: string): string => {
    const v = values.get(k);
    if (!v) throw new ConfigError(`executor: --${k} is required`);
    return v;
  };
  const driver = need('driver');
  const colon = driver.lastIndexOf(':');
  const port = Number(driver.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`executor: --driver must be host:port, got ${driver}`);
  const cores = Number(values.get('cores') ?? '1');
  if (!Number.isInteger(cores) || cores < 1)
    throw new ConfigError(`executor: --cores must be a whole number >= 1, got ${values.get('cores')}`);
  const cacheText = values.get('cache-memory-mb');
  const cacheMemoryMb = cacheText === undefined ? undefined : Number(cacheText);
  if (cacheMemoryMb !== undefined && (!/^\d+$/.test(cacheText!) || !Number.isSafeInteger(cacheMemoryMb)))
    throw new ConfigError(`executor: --cache-memory-mb must be a whole number of MB >= 0, got ${cacheText}`);
  return {
    driverHost: driver.slice(0, colon),
    driverPort: port,
    executorId: need('executor-id'),
    cores,
    jobPath: need('job'),
    ...(cacheMemoryMb !== undefined ? { cacheMemoryMb } : {}),
  };
}

export function readExecutorEnvironment(env: Record<string, string | undefined>): ExecutorEnvironment {
  const tokenFile = env.HADOOP_TOKEN_FILE_LOCATION;
  if (!tokenFile)
    throw new ConfigError('executor: HADOOP_TOKEN_FILE_LOCATION is not set: executors must run in a YARN container started by the AM');
  const localDirs = (env.LOCAL_DIRS ?? '').split(',').filter((d) => d !== '');
  const cpuProfileDir = env.SPINDLE_CPU_PROFILE_DIR?.trim();
  return {
    tokenFile,
    host: env.NM_HOST ?? 'localhost',
    containerId: env.CONTAINER_ID ?? '',
    localDirs: localDirs.length > 0 ? localDirs : [env.PWD ?? process.cwd()],
    ...(cpuProfileDir ? { cpuProfileDir } : {}),
    localMode: env.SPINDLE_LOCAL_MODE === '1',
  };
}
