import { ConfigError, errorMessage } from '../errors/index.js';
import type { LocalResource } from '../yarn-model/index.js';

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
/** In the AM container's log directory: one JSON line per container started or ended. */
export const CONTAINER_LIST_FILE = 'containers.jsonl';
export const APP_SPEC_VERSION = 1;

export interface ClusterSpec {
  /** host:port of each RM scheduler (several with RM HA). */
  schedulerAddresses: string[];
  /** NameNode HTTP base URLs (several with HDFS HA). */
  nameNodes: string[];
  /** fs.defaultFS, e.g. hdfs://127.0.0.1:8020. */
  defaultFs: string;
  /** hadoop.rpc.protection as configured on the client: authentication, integrity and/or privacy. */
  rpcProtection: string[];
  /**
   * Base URLs (`http://host:port`) of the web proxies that may call the AM's tracking URL: the RMs' web
   * addresses, or yarn.web-proxy.address. Absent in specs from older clients (then anyone is answered).
   */
  webProxies?: string[];
  /**
   * ResourceManager REST base URLs (several with RM HA), for the driver to ask whether the application
   * that left a hidden output directory has ended. Absent in specs from older clients (then never asked).
   */
  rmWebUrls?: string[];
  /**
   * yarn.scheduler.include-port-in-node-name is true: requests naming hosts would match no node, so
   * the AM asks for executors anywhere. Absent: false.
   */
  nodeNamesWithPort?: boolean;
}

/**
 * A keytab login the AM uses to obtain fresh HDFS delegation tokens before the submitted ones reach
 * their maximum lifetime (spark-submit's --principal/--keytab). Names only: the keytab itself is an
 * application-private local resource.
 */
export interface TokenRenewalSpec {
  /** The principal whose keys the keytab holds (as the keytab names it, with its realm). */
  principal: string;
  /** Name of the keytab among the AM container's local resources. */
  keytab: string;
  /** Name of the GSSAPI binding (the `kerberos` package's native addon) among the AM's local resources. */
  gssapiAddon: string;
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
 * The application spec. `Job` is the layout of the `job` section: this module only carries it (job
 * mode: the AM keeps executors for the driver; the section's contract is the job engine's, see
 * protocols/job-spec's JobSpec and parseJobAppSpec).
 */
export interface AppSpec<Job = unknown> {
  version: number;
  appId: string;
  name: string;
  user: string;
  /** HDFS path of the staging directory; the AM removes it when the application ends. */
  stagingDir: string;
  /** On a Kerberized cluster with --keytab: how the AM obtains fresh delegation tokens. */
  tokenRenewal?: TokenRenewalSpec;
  maxAttempts: number;
  cluster: ClusterSpec;
  shell?: ShellSpec;
  driver?: DriverSpec;
  job?: Job;
}

/** Throws the ConfigError of a bad spec field: "application spec: <field> <problem>". */
export function invalidSpec(field: string, problem: string): never {
  throw new ConfigError(`application spec: ${field} ${problem}`);
}

/** `v` if it is a whole number >= min, else the ConfigError naming `field`. */
export function wholeSpecNumber(field: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) invalidSpec(field, `must be a whole number >= ${min}, got ${String(v)}`);
  return v;
}

function strings(field: string, v: unknown, nonEmpty = true): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string') || (nonEmpty && v.length === 0)) {
    invalidSpec(field, `must be a list of strings${nonEmpty ? ' with at least one entry' : ''}`);
  }
  return v as string[];
}

/** Parses and validates a spec document; throws ConfigError naming the bad field. */
export function parseAppSpec(text: string): AppSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    invalidSpec('document', `is not JSON: ${errorMessage(err)}`);
  }
  const s = doc as Partial<AppSpec>;
  if (s.version !== APP_SPEC_VERSION) invalidSpec('version', `must be ${APP_SPEC_VERSION} (this AM is older or newer than the client)`);
  for (const f of ['appId', 'name', 'user', 'stagingDir'] as const) {
    if (typeof s[f] !== 'string' || s[f] === '') invalidSpec(f, 'must be a non-empty string');
  }
  wholeSpecNumber('maxAttempts', s.maxAttempts);
  const c = s.cluster as Partial<ClusterSpec> | undefined;
  if (!c || typeof c !== 'object') invalidSpec('cluster', 'is missing');
  strings('cluster.schedulerAddresses', c.schedulerAddresses);
  strings('cluster.nameNodes', c.nameNodes);
  strings('cluster.rpcProtection', c.rpcProtection);
  if (c.webProxies !== undefined) strings('cluster.webProxies', c.webProxies);
  if (c.rmWebUrls !== undefined) strings('cluster.rmWebUrls', c.rmWebUrls);
  if (typeof c.defaultFs !== 'string') invalidSpec('cluster.defaultFs', 'must be a string');
  if (s.tokenRenewal !== undefined) {
    const r = s.tokenRenewal as Partial<TokenRenewalSpec> | null;
    if (!r || typeof r !== 'object') invalidSpec('tokenRenewal', 'must be an object');
    for (const f of ['principal', 'keytab', 'gssapiAddon'] as const) {
      if (typeof r[f] !== 'string' || r[f] === '') invalidSpec(`tokenRenewal.${f}`, 'must be a non-empty string');
    }
  }
  if (s.shell !== undefined) {
    const sh = s.shell;
    wholeSpecNumber('shell.containers', sh.containers);
    wholeSpecNumber('shell.memoryMb', sh.memoryMb);
    wholeSpecNumber('shell.vcores', sh.vcores);
    wholeSpecNumber('shell.maxFailures', sh.maxFailures, 0);
    if (!sh.localResources || typeof sh.localResources !== 'object') invalidSpec('shell.localResources', 'must be an object');
    if (!sh.environment || typeof sh.environment !== 'object') invalidSpec('shell.environment', 'must be an object');
  }
  if (s.driver !== undefined) {
    const d = s.driver;
    if (typeof d.script !== 'string' || d.script === '') invalidSpec('driver.script', 'must be a non-empty string');
    strings('driver.args', d.args, false);
    wholeSpecNumber('driver.heapMb', d.heapMb);
    if (!d.environment || typeof d.environment !== 'object') invalidSpec('driver.environment', 'must be an object');
  }
  if (s.shell && s.driver) invalidSpec('shell', 'and driver cannot both be given');
  if (s.job !== undefined) {
    // The section's fields are the job engine's to check (parseJobAppSpec); its place is ours.
    if (!s.driver) invalidSpec('job', 'needs driver (the job bundle and its arguments)');
    if (!s.job || typeof s.job !== 'object') invalidSpec('job', 'must be an object');
  }
  return s as AppSpec;
}

export {
  decodeLogCopy,
  encodeLogCopy,
  expiredLogCopies,
  keptTail,
  LOG_COPY_FILES,
  LOG_COPY_MAX_BYTES,
  LOG_COPY_RETENTION_MS,
  logCopyDir,
  logCopyPath,
  logCopyRoot,
  type LogCopy,
} from './log-copy.js';
