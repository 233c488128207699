import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { JobAppSpec, JobSpec } from '../protocols/job-spec/index.js';
import { AM_BUNDLE_FILE, APP_SPEC_FILE, APP_SPEC_VERSION, type DriverSpec, type ShellSpec } from '../protocols/app-spec/index.js';
import { encodeTokenUrlString } from '../protocols/credentials/index.js';
import { ConfigError, errorMessage } from '../protocols/errors/index.js';
import type { ClientConfig } from '../protocols/hadoop-conf/index.js';
import type { AppSubmission, Resource, RmRestClient } from '../protocols/rm-rest/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { containerCommandWord, type LocalResource } from '../protocols/yarn/index.js';
import { cacheDirFor, HdfsCache } from './cache.js';
import { checkCount, type CountRequest } from './capacity.js';
import { gssapiAddonToShip, obtainHdfsToken, SHIPPED_GSSAPI_ADDON, SHIPPED_KEYTAB, type TokenPlan } from './delegation-tokens.js';
import { checkShippedFiles, shipFiles, type ShippedFile } from './resources.js';
import { StagingDir, stagingDirFor } from './staging.js';

/**
 * What every submission shares, whatever the workload: check sizes against the cluster's maximum
 * before anything is uploaded, reserve an application id, put the AM bundle, the user's files and
 * (with --ship-node) the Node binary in the HDFS cache, write the spec into the staging directory,
 * and submit through the RM's REST API. If anything fails before the RM accepted the application,
 * the staging directory goes. `submit.ts` adds the shell and driver workloads on top.
 */

export const APPLICATION_TYPE = 'SPINDLE';
export const DEFAULT_AM_MEMORY_MB = 256;
export const DEFAULT_AM_VCORES = 1;
/**
 * --max-attempts when not given: YARN's default (yarn.resourcemanager.am.max-attempts), as Spark
 * uses it. The RM caps it at that setting.
 */
export const DEFAULT_MAX_ATTEMPTS = 2;
/** Link name of a shipped Node binary in the working directory. */
export const SHIPPED_NODE_NAME = 'node';

/** Where the compiled client finds the AM bundle (dist/bundle/spindle-am.mjs). */
export const AM_BUNDLE_PATH = fileURLToPath(new URL('../bundle/spindle-am.mjs', import.meta.url));
/** The job engine's driver runtime and executor bundles, beside it. */
export const DRIVER_BUNDLE_PATH = fileURLToPath(new URL('../bundle/spindle-driver.mjs', import.meta.url));
export const EXECUTOR_BUNDLE_PATH = fileURLToPath(new URL('../bundle/spindle-executor.mjs', import.meta.url));

/** Options every kind of application takes. */
export interface CommonAppOptions {
  /** Application name shown by YARN. Default per workload. */
  name?: string;
  queue?: string;
  priority?: number;
  tags?: string[];
  nodeLabel?: string;
  /**
   * YARN attempts of the AM. Default {@link DEFAULT_MAX_ATTEMPTS}. A job that fails (its driver
   * throws, its containers fail) unregisters FAILED and is not run again; only an AM that dies
   * without unregistering (lost node, SIGKILL, memory kill, preemption) gets another attempt.
   */
  maxAttempts?: number;
  /** Files and archives for the workload's containers. */
  files?: ShippedFile[];
  /** Node binary on the cluster's nodes (name on PATH or absolute path). Default `node`. */
  nodeBinary?: string;
  /**
   * A local Node binary to ship (cached by its hash) for clusters without Node; containers then run
   * `./node`. Overrides nodeBinary.
   */
  shipNode?: string;
}

export interface SubmitDeps {
  config: ClientConfig;
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  /** Notes for --verbose. */
  log?: (message: string) => void;
  /**
   * On a Kerberized cluster: how to obtain the application's HDFS delegation token (`hdfs` must then
   * speak SPNEGO). Absent on a cluster with simple authentication.
   */
  tokens?: TokenPlan;
}

export interface SubmittedApp {
  appId: string;
  stagingDir: string;
  /** Epoch ms just before the submission request was sent. */
  submittedAt: number;
  /** Files found in the HDFS cache / uploaded to it. */
  cacheHits: number;
  cacheUploads: number;
}

/** One size to check against the cluster maximum, with the option that set it. */
export interface SizeRequest {
  option: string;
  memoryMb?: number;
  vcores?: number;
}

/** What the cluster must be able to grant, checked before anything is staged. */
export interface SubmitLimits {
  /** Container sizes, each against the scheduler's maximum allocation. */
  sizes: readonly SizeRequest[];
  /** The workload's container count, against what the running nodes hold at once (see capacity.ts). */
  count?: CountRequest;
}

/** What a workload builder gets once the id is reserved and the shared files are in place. */
export interface StageContext {
  appId: string;
  staging: StagingDir;
  cache: HdfsCache;
  /** The user's files, and the Node binary when shipped: alias → resource. */
  files: Record<string, LocalResource>;
  /** How containers start Node: "node", "/opt/node/bin/node" or "./node". */
  nodeCommand: string;
  /** Whether the Node binary travels as a resource named SHIPPED_NODE_NAME. */
  nodeShipped: boolean;
}

/** What a workload adds to the submission. */
export interface Workload {
  /** Default application name. */
  name: string;
  shell?: ShellSpec;
  driver?: DriverSpec;
  /** The job engine's part (executors): the driver runtime runs the job's default export. */
  job?: JobSpec;
  /** AM container size. */
  amResource: Resource;
  /** --max-old-space-size of the AM process. */
  amHeapMb: number;
  /** Extra files for the AM container (the job bundle, the user's files for a driver). */
  amFiles?: Record<string, LocalResource>;
}

/** A whole number from min to max, or a ConfigError naming the option. */
export function checkWhole(option: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${option} must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/**
 * Submits an application. The `limits` are checked against the cluster before anything is staged
 * (the count before an application id is reserved); `build` turns the staged context into the
 * workload part of the spec.
 */
export async function submitApp(
  deps: SubmitDeps,
  common: CommonAppOptions,
  limits: SubmitLimits,
  build: (stage: StageContext) => Promise<Workload>,
): Promise<SubmittedApp> {
  const { config, rm, hdfs } = deps;
  const log = deps.log ?? (() => {});
  const maxAttempts = checkWhole('--max-attempts', common.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1);
  const files = common.files ?? [];
  // Everything local is checked before the cluster hears from us.
  const bundle = await readFile(AM_BUNDLE_PATH).catch((err: unknown) => {
    throw new ConfigError(`the ApplicationMaster bundle is missing (${AM_BUNDLE_PATH}): run npm run build`, { cause: err });
  });
  await checkShippedFiles(files);
  if (common.shipNode !== undefined) {
    const s = await stat(common.shipNode).catch(() => undefined);
    if (!s?.isFile()) throw new ConfigError(`--ship-node: no Node binary at ${common.shipNode}`);
  }

  const app = await rm.newApplication();
  const appId = app.applicationId;
  log(`reserved ${appId}`);
  // A reserved id that is never submitted leaves nothing behind in the RM.
  checkSizes(limits.sizes, app.maximumResourceCapability, appId);
  if (limits.count && limits.count.count > 0) {
    // A cluster that will not list its nodes to us (an ACL, an old RM) is not a reason to refuse.
    const nodes = await rm.nodes({ states: ['RUNNING'] }).catch((err: unknown) => {
      log(`not checking ${limits.count!.option} against the cluster: listing its nodes failed: ${errorMessage(err)}`);
      return [];
    });
    checkCount(limits.count, nodes);
  }

  const addon = deps.tokens?.keytab ? gssapiAddonToShip() : undefined;
  // Before anything is staged: a cluster that will not issue the token gets nothing uploaded.
  const hdfsToken = deps.tokens ? await obtainHdfsToken(hdfs, deps.tokens) : undefined;
  if (hdfsToken) log(`obtained an HDFS delegation token (service ${hdfsToken.service}, renewer ${deps.tokens!.renewer})`);

  const staging = new StagingDir(hdfs, config.hdfs.defaultFs, stagingDirFor(config.user, appId));
  const cache = new HdfsCache(hdfs, config.hdfs.defaultFs, cacheDirFor(config.user), log);
  log(`staging ${appId} in ${staging.path}, cache ${cache.dir}`);
  try {
    const [, amBundle, shipped, node, gssapiAddon] = await Promise.all([
      staging.create(),
      cache.put({ bytes: bundle }),
      shipFiles({ hdfs, cache, defaultFs: config.hdfs.defaultFs }, files),
      common.shipNode !== undefined ? cache.put({ localPath: common.shipNode }) : undefined,
      addon !== undefined ? cache.put({ localPath: addon }) : undefined,
    ]);
    // The keytab goes only into the staging directory (mode 700, the file 600, private to the application).
    const keytab = deps.tokens?.keytab;
    const keytabFile = keytab ? await staging.put(SHIPPED_KEYTAB, { localPath: keytab.path }) : undefined;
    const userFiles = { ...shipped, ...(node ? { [SHIPPED_NODE_NAME]: node.resource } : {}) };
    const nodeCommand = node ? `./${SHIPPED_NODE_NAME}` : (common.nodeBinary ?? 'node');
    const workload = await build({ appId, staging, cache, files: userFiles, nodeCommand, nodeShipped: node !== undefined });
    checkSizes(
      [{ option: '--am-memory', memoryMb: workload.amResource.memoryMb, vcores: workload.amResource.vcores }],
      app.maximumResourceCapability,
      appId,
    );

    const spec: JobAppSpec = {
      version: APP_SPEC_VERSION,
      appId,
      name: common.name ?? workload.name,
      user: config.user,
      stagingDir: staging.path,
      maxAttempts,
      ...(keytab ? { tokenRenewal: { principal: keytab.principal, keytab: SHIPPED_KEYTAB, gssapiAddon: SHIPPED_GSSAPI_ADDON } } : {}),
      cluster: {
        schedulerAddresses: config.yarn.rmSchedulerAddresses,
        nameNodes: config.hdfs.nameNodeHttpUrls,
        defaultFs: config.hdfs.defaultFs,
        rpcProtection: config.rpcProtection,
        webProxies: webProxiesOf(config.yarn),
        rmWebUrls: config.yarn.rmWebUrls,
        ...(config.yarn.nodeNamesWithPort ? { nodeNamesWithPort: true } : {}),
      },
      ...(workload.shell ? { shell: workload.shell } : {}),
      ...(workload.driver ? { driver: workload.driver } : {}),
      ...(workload.job ? { job: workload.job } : {}),
    };
    const specFile = await staging.put(APP_SPEC_FILE, JSON.stringify(spec, null, 2));
    const amFiles: Record<string, LocalResource> = {
      ...(workload.amFiles ?? {}),
      ...(node ? { [SHIPPED_NODE_NAME]: node.resource } : {}),
      [AM_BUNDLE_FILE]: amBundle.resource,
      [APP_SPEC_FILE]: specFile,
      ...(keytabFile && gssapiAddon ? { [SHIPPED_KEYTAB]: keytabFile, [SHIPPED_GSSAPI_ADDON]: gssapiAddon.resource } : {}),
    };
    const submission: AppSubmission = {
      applicationId: appId,
      name: spec.name,
      ...(common.queue ? { queue: common.queue } : {}),
      ...(common.priority !== undefined ? { priority: common.priority } : {}),
      applicationType: APPLICATION_TYPE,
      maxAppAttempts: maxAttempts,
      ...(common.tags?.length ? { tags: common.tags } : {}),
      ...(common.nodeLabel ? { nodeLabel: common.nodeLabel } : {}),
      resource: workload.amResource,
      amContainerSpec: {
        localResources: amFiles,
        environment: {},
        commands: [
          `${containerCommandWord(nodeCommand)} --max-old-space-size=${workload.amHeapMb} --enable-source-maps ${AM_BUNDLE_FILE} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`,
        ],
        // Hadoop files tokens under their service; the RM renews them and cancels them at the end.
        ...(hdfsToken ? { credentials: { tokens: { [hdfsToken.service]: encodeTokenUrlString(hdfsToken) } } } : {}),
      },
    };
    const submittedAt = Date.now();
    await rm.submit(submission);
    return { appId, stagingDir: staging.path, submittedAt, cacheHits: cache.hits, cacheUploads: cache.uploads };
  } catch (err) {
    // The submission's error is the one to report; a staging directory that could not be removed holds
    // only this failed submission's copies, and a token nobody holds expires on its own.
    await staging.remove().catch(() => {});
    if (hdfsToken) await hdfs.cancelDelegationToken(encodeTokenUrlString(hdfsToken)).catch(() => {});
    throw err;
  }
}

function checkSizes(sizes: readonly SizeRequest[], max: Resource, appId: string): void {
  for (const s of sizes) {
    if (s.memoryMb !== undefined && s.memoryMb > max.memoryMb) {
      throw new ConfigError(
        `${s.option} of ${s.memoryMb} MB is more than the cluster allows (${max.memoryMb} MB, yarn.scheduler.maximum-allocation-mb): lower ${s.option}`,
        { appId },
      );
    }
    if (s.vcores !== undefined && s.vcores > max.vcores) {
      throw new ConfigError(
        `${s.option} of ${s.vcores} vcores is more than the cluster allows (${max.vcores}, yarn.scheduler.maximum-allocation-vcores): lower ${s.option}`,
        { appId },
      );
    }
  }
}

/** Who may call the AM's tracking URL: the stand-alone web proxy if there is one, else every RM (HA). */
function webProxiesOf(yarn: { rmWebUrls: string[]; webProxyAddress: string | undefined }): string[] {
  if (!yarn.webProxyAddress) return yarn.rmWebUrls;
  const scheme = new URL(yarn.rmWebUrls[0] ?? 'http://x').protocol;
  return [`${scheme}//${yarn.webProxyAddress}`];
}
