import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AM_BUNDLE_FILE, APP_SPEC_FILE, APP_SPEC_VERSION, SHELL_SCRIPT_FILE, type AppSpec } from '../protocols/app-spec/index.js';
import { ConfigError } from '../protocols/errors/index.js';
import type { ClientConfig } from '../protocols/hadoop-conf/index.js';
import type { AppSubmission, LocalResource as RestLocalResource, RmRestClient } from '../protocols/rm-rest/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import type { LocalResource } from '../protocols/yarn/index.js';
import { shellScript } from './shell-script.js';
import { StagingDir, stagingDirFor } from './staging.js';

/**
 * Submission: reserve an application id, check the requested sizes against the cluster's maximum,
 * stage the AM bundle, the application spec and the user's files on HDFS, and submit through the RM's
 * REST API. If anything fails before the RM accepted the application, the staging directory goes.
 */

export const APPLICATION_TYPE = 'SPINDLE';
export const DEFAULT_AM_MEMORY_MB = 256;
export const DEFAULT_AM_VCORES = 1;
export const DEFAULT_CONTAINER_MEMORY_MB = 256;
/** Memory a Node process needs beyond its JS heap (code, buffers, stacks), in MB. */
export const NODE_OVERHEAD_MB = 64;

/** Where the compiled client finds the AM bundle (dist/bundle/spindle-am.mjs). */
export const AM_BUNDLE_PATH = fileURLToPath(new URL('../bundle/spindle-am.mjs', import.meta.url));

export interface ShellAppOptions {
  /** Program and arguments, or one shell command line. */
  command: string[];
  containers: number;
  memoryMb?: number;
  vcores?: number;
  name?: string;
  queue?: string;
  priority?: number;
  tags?: string[];
  nodeLabel?: string;
  /** YARN attempts of the AM. Default 1: a shell command may have side effects. */
  maxAttempts?: number;
  /** Failed containers tolerated (and replaced). Default 0. */
  maxFailures?: number;
  environment?: Record<string, string>;
  amMemoryMb?: number;
  amVcores?: number;
  /** Node binary on the cluster's nodes. Default `node` from the NodeManager's PATH. */
  nodeBinary?: string;
}

export interface SubmitDeps {
  config: ClientConfig;
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  log?: (message: string) => void;
}

export interface SubmittedApp {
  appId: string;
  stagingDir: string;
  submittedAt: number;
}

/** `--max-old-space-size` for a container of `memoryMb`, leaving room for what is not heap. */
export function heapSizeFor(memoryMb: number): number {
  return Math.max(32, Math.floor(Math.min(memoryMb - NODE_OVERHEAD_MB, memoryMb * 0.8)));
}

function checkWhole(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be a whole number >= ${min} (got ${value})`);
  return value;
}

export async function submitShellApp(deps: SubmitDeps, options: ShellAppOptions): Promise<SubmittedApp> {
  const { config, rm, hdfs } = deps;
  const log = deps.log ?? (() => {});
  const containers = checkWhole('--containers', options.containers, 1);
  const memoryMb = checkWhole('--memory', options.memoryMb ?? DEFAULT_CONTAINER_MEMORY_MB, 1);
  const vcores = checkWhole('--vcores', options.vcores ?? 1, 1);
  const amMemoryMb = checkWhole('--am-memory', options.amMemoryMb ?? DEFAULT_AM_MEMORY_MB, 1);
  const amVcores = checkWhole('AM vcores', options.amVcores ?? DEFAULT_AM_VCORES, 1);
  const maxAttempts = checkWhole('--max-attempts', options.maxAttempts ?? 1, 1);
  const maxFailures = checkWhole('--max-failures', options.maxFailures ?? 0, 0);
  if (options.command.length === 0) throw new ConfigError('no command given: put it after --, e.g. spindle run -n 2 -- hostname');
  const bundle = await readFile(AM_BUNDLE_PATH).catch((err: unknown) => {
    throw new ConfigError(`the ApplicationMaster bundle is missing (${AM_BUNDLE_PATH}): run npm run build`, { cause: err });
  });

  const app = await rm.newApplication();
  const max = app.maximumResourceCapability;
  const tooBig = (what: string, value: number, limit: number, unit: string, option: string, key: string): never => {
    throw new ConfigError(
      `${what} of ${value}${unit} is more than the cluster allows (${limit}${unit}, ${key}): lower ${option}`,
      { appId: app.applicationId },
    );
  };
  if (memoryMb > max.memoryMb) tooBig('--memory', memoryMb, max.memoryMb, ' MB', '--memory', 'yarn.scheduler.maximum-allocation-mb');
  if (amMemoryMb > max.memoryMb) tooBig('--am-memory', amMemoryMb, max.memoryMb, ' MB', '--am-memory', 'yarn.scheduler.maximum-allocation-mb');
  if (vcores > max.vcores) tooBig('--vcores', vcores, max.vcores, '', '--vcores', 'yarn.scheduler.maximum-allocation-vcores');

  const appId = app.applicationId;
  const staging = new StagingDir(hdfs, config.hdfs.defaultFs, stagingDirFor(config.user, appId));
  log(`staging ${appId} in ${staging.path}`);
  try {
    await staging.create();
    const script = await staging.put(SHELL_SCRIPT_FILE, shellScript(options.command));
    const spec: AppSpec = {
      version: APP_SPEC_VERSION,
      appId,
      name: options.name ?? 'spindle-run',
      user: config.user,
      stagingDir: staging.path,
      maxAttempts,
      cluster: {
        schedulerAddresses: config.yarn.rmSchedulerAddresses,
        nameNodes: config.hdfs.nameNodeHttpUrls,
        defaultFs: config.hdfs.defaultFs,
        rpcProtection: config.rpcProtection,
      },
      shell: {
        containers,
        memoryMb,
        vcores,
        maxFailures,
        localResources: { [SHELL_SCRIPT_FILE]: script },
        environment: options.environment ?? {},
        ...(options.priority !== undefined ? { priority: options.priority } : {}),
        ...(options.nodeLabel ? { nodeLabel: options.nodeLabel } : {}),
      },
    };
    const [amBundle, specFile] = await Promise.all([
      staging.put(AM_BUNDLE_FILE, bundle),
      staging.put(APP_SPEC_FILE, JSON.stringify(spec, null, 2)),
    ]);
    const node = options.nodeBinary ?? 'node';
    const submission: AppSubmission = {
      applicationId: appId,
      name: spec.name,
      ...(options.queue ? { queue: options.queue } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      applicationType: APPLICATION_TYPE,
      maxAppAttempts: maxAttempts,
      ...(options.tags?.length ? { tags: options.tags } : {}),
      resource: { memoryMb: amMemoryMb, vcores: amVcores },
      amContainerSpec: {
        localResources: { [AM_BUNDLE_FILE]: toRest(amBundle), [APP_SPEC_FILE]: toRest(specFile) },
        environment: {},
        commands: [
          `${node} --max-old-space-size=${heapSizeFor(amMemoryMb)} --enable-source-maps ${AM_BUNDLE_FILE} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`,
        ],
      },
    };
    const submittedAt = Date.now();
    await rm.submit(submission);
    return { appId, stagingDir: staging.path, submittedAt };
  } catch (err) {
    await staging.remove().catch(() => {});
    throw err;
  }
}

function toRest(r: LocalResource): RestLocalResource {
  return {
    url: r.url,
    size: r.size,
    timestamp: r.timestamp,
    type: r.type.toUpperCase() as RestLocalResource['type'],
    visibility: r.visibility.toUpperCase() as RestLocalResource['visibility'],
  };
}
