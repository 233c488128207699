/**
 * Submitting job-mode applications for the job integration tests: bundles a job file with
 * bundleJob, stages the AM, driver and executor bundles, writes a spec with a `job` section and
 * submits through the RM's REST API; then waits for the end and reads the AM container's stdout
 * (the job's result line) and stderr from its NodeManager.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killApp, StagingDir, stagingDirFor, waitForEnd } from '../../client/index.js';
import { bundleJob } from '../../client/job-bundle.js';
import {
  AM_BUNDLE_FILE,
  APP_SPEC_FILE,
  APP_SPEC_VERSION,
  DRIVER_BUNDLE_FILE,
  EXECUTOR_BUNDLE_FILE,
  JOB_BUNDLE_FILE,
  makeJobSpec,
  type AppSpec,
} from '../../protocols/app-spec/index.js';
import { loadClientConfig, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import { RmRestClient, type AppReport } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import type { LocalResource } from '../../protocols/yarn/index.js';
import { repoRoot, testCluster } from './cluster.js';

export interface JobHarness {
  config: ClientConfig;
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  user: string;
  started: string[];
  close(): Promise<void>;
}

export function openHarness(): JobHarness {
  const cluster = testCluster();
  const config = loadClientConfig({ env: process.env, confDir: cluster.confDir });
  const rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
  const hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
  const started: string[] = [];
  return {
    config,
    rm,
    hdfs,
    user: config.user,
    started,
    async close() {
      for (const appId of started) await killApp({ rm, hdfs, user: config.user }, appId).catch(() => {});
      hdfs.close();
    },
  };
}

export interface JobOptions {
  /** Job source (written to a temp file with `extension`), or a path. */
  source?: string;
  file?: string;
  extension?: '.mjs' | '.ts';
  args?: string[];
  executors?: number;
  executorMemoryMb?: number;
  executorCores?: number;
  maxTaskAttempts?: number;
  maxExecutorFailures?: number;
  name?: string;
}

const toRest = (r: LocalResource) => ({
  url: r.url,
  size: r.size,
  timestamp: r.timestamp,
  type: r.type.toUpperCase() as 'FILE',
  visibility: r.visibility.toUpperCase() as 'APPLICATION',
});

/** Writes job source into a fresh temp directory; returns its path. */
export function jobFile(source: string, extension: '.mjs' | '.ts' = '.mjs'): string {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-job-'));
  const file = join(dir, `job${extension}`);
  writeFileSync(file, source);
  return file;
}

export async function submitJob(h: JobHarness, options: JobOptions): Promise<string> {
  const file = options.file ?? jobFile(options.source!, options.extension);
  const bundle = await bundleJob(file);
  const bundles = join(repoRoot, 'dist', 'bundle');
  const [am, driver, executor] = await Promise.all(
    [AM_BUNDLE_FILE, DRIVER_BUNDLE_FILE, EXECUTOR_BUNDLE_FILE].map((f) => readFile(join(bundles, f))),
  );
  const app = await h.rm.newApplication();
  const appId = app.applicationId;
  h.started.push(appId);
  const staging = new StagingDir(h.hdfs, h.config.hdfs.defaultFs, stagingDirFor(h.user, appId));
  await staging.create();
  const [amRes, driverRes, executorRes, jobRes] = await Promise.all([
    staging.put(AM_BUNDLE_FILE, am!),
    staging.put(DRIVER_BUNDLE_FILE, driver!),
    staging.put(EXECUTOR_BUNDLE_FILE, executor!),
    staging.put(JOB_BUNDLE_FILE, bundle.code),
  ]);
  const executors = options.executors ?? 2;
  const executorMemoryMb = options.executorMemoryMb ?? 256;
  const spec: AppSpec = {
    version: APP_SPEC_VERSION,
    appId,
    name: options.name ?? 'spindle-it-job',
    user: h.user,
    stagingDir: staging.path,
    maxAttempts: 1,
    cluster: {
      schedulerAddresses: h.config.yarn.rmSchedulerAddresses,
      nameNodes: h.config.hdfs.nameNodeHttpUrls,
      defaultFs: h.config.hdfs.defaultFs,
      rpcProtection: h.config.rpcProtection,
    },
    driver: { script: JOB_BUNDLE_FILE, args: options.args ?? [], heapMb: 320, environment: {} },
    job: makeJobSpec({
      executors,
      executorMemoryMb,
      executorCores: options.executorCores ?? 1,
      executorHeapMb: Math.max(64, executorMemoryMb - 96),
      ...(options.maxTaskAttempts !== undefined ? { maxTaskAttempts: options.maxTaskAttempts } : {}),
      ...(options.maxExecutorFailures !== undefined ? { maxExecutorFailures: options.maxExecutorFailures } : {}),
      localResources: { [EXECUTOR_BUNDLE_FILE]: executorRes, [JOB_BUNDLE_FILE]: jobRes },
    }),
  };
  const specRes = await staging.put(APP_SPEC_FILE, JSON.stringify(spec, null, 2));
  await h.rm.submit({
    applicationId: appId,
    name: spec.name,
    applicationType: 'SPINDLE',
    maxAppAttempts: 1,
    tags: ['spindle-it'],
    resource: { memoryMb: 640, vcores: 1 },
    amContainerSpec: {
      localResources: Object.fromEntries(
        Object.entries({
          [AM_BUNDLE_FILE]: amRes,
          [DRIVER_BUNDLE_FILE]: driverRes,
          [EXECUTOR_BUNDLE_FILE]: executorRes,
          [JOB_BUNDLE_FILE]: jobRes,
          [APP_SPEC_FILE]: specRes,
        }).map(([k, r]) => [k, toRest(r)]),
      ),
      environment: {},
      commands: [`node --max-old-space-size=96 --enable-source-maps ${AM_BUNDLE_FILE} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`],
    },
  });
  return appId;
}

export interface JobRun {
  appId: string;
  report: AppReport;
  stdout: string;
  stderr: string;
  /** The job's result line, parsed (undefined if there is none). */
  result: unknown;
}

/** Where the AM container of an application ran: its id and NodeManager web address. */
export async function amContainer(h: JobHarness, appId: string): Promise<{ containerId: string; nodeHttp: string }> {
  const rmUrl = h.config.yarn.rmWebUrls[0]!;
  const res = await fetch(`${rmUrl}/ws/v1/cluster/apps/${appId}/appattempts?user.name=${h.user}`);
  const body = (await res.json()) as { appAttempts: { appAttempt: { containerId: string; nodeHttpAddress: string }[] } };
  const a = body.appAttempts.appAttempt[body.appAttempts.appAttempt.length - 1]!;
  return { containerId: a.containerId, nodeHttp: `http://${a.nodeHttpAddress}` };
}

/** A container's log file through its NodeManager (log aggregation is off on the test cluster). */
export async function containerLog(nodeHttp: string, containerId: string, file: string, user: string): Promise<string> {
  const res = await fetch(`${nodeHttp}/ws/v1/node/containerlogs/${containerId}/${file}?user.name=${user}`);
  if (!res.ok) return '';
  // The NodeManager wraps the file: "...LogContents:\n<file>\nEnd of LogType:<name>.".
  const text = await res.text();
  const start = text.indexOf('LogContents:\n');
  const end = text.lastIndexOf('\nEnd of LogType:');
  return start < 0 ? text : text.slice(start + 'LogContents:\n'.length, end < 0 ? undefined : end);
}

/** Submits, waits for the end, reads the AM container's output. */
export async function runJob(h: JobHarness, options: JobOptions): Promise<JobRun> {
  const appId = await submitJob(h, options);
  const report = await waitForEnd({ rm: h.rm, hdfs: h.hdfs, user: h.user }, appId);
  const { containerId, nodeHttp } = await amContainer(h, appId);
  const [stdout, stderr] = await Promise.all([
    containerLog(nodeHttp, containerId, 'stdout', h.user),
    containerLog(nodeHttp, containerId, 'stderr', h.user),
  ]);
  const lines = stdout.trim().split('\n').filter(Boolean);
  let result: unknown;
  if (lines.length > 0) {
    try {
      result = JSON.parse(lines[lines.length - 1]!);
    } catch {
      result = undefined;
    }
  }
  return { appId, report, stdout, stderr, result };
}

/** Reads an HDFS file as text. */
export async function readText(hdfs: WebHdfsClient, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await hdfs.open(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
