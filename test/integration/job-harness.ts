/**
 * Submitting job-mode applications for the job integration tests, through the same client path as
 * `spindle submit` (bundleJob + submitDriverApp); then waiting for the end and reading the AM
 * container's stdout (the job's result line) and stderr from its NodeManager.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killApp, submitDriverApp, waitForEnd, type DynamicAllocationOptions } from '../../client/index.js';
import { bundleJob } from '../../client/job-bundle.js';
import { loadClientConfig, type ClientConfig } from '../../protocols/hadoop-conf/index.js';
import type { ExcludeOnFailure, Speculation } from '../../protocols/job-spec/index.js';
import type { EventLogSettings } from '../../protocols/event-log/index.js';
import { RmRestClient, type AppReport } from '../../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { testCluster } from './cluster.js';

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
  excludeOnFailure?: Partial<ExcludeOnFailure>;
  /** Turns speculation on (`{}` for the defaults). */
  speculation?: Partial<Speculation>;
  /** Executor memory for cached partitions, in MB (`--cache-memory`). */
  cacheMemoryMb?: number;
  /** On: `executors` (default none) only raises the initial count. */
  dynamicAllocation?: DynamicAllocationOptions;
  /** `--network-timeout`, in ms. */
  networkTimeoutMs?: number;
  /** `--event-log off|<dir>`; absent: on, in the default directory. */
  eventLog?: EventLogSettings;
  name?: string;
}

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
  const app = await submitDriverApp(
    { config: h.config, rm: h.rm, hdfs: h.hdfs },
    {
      bundle: bundle.code,
      args: options.args ?? [],
      name: options.name ?? 'spindle-it-job',
      tags: ['spindle-it'],
      maxAttempts: 1,
      driverMemoryMb: 640,
      ...(options.dynamicAllocation
        ? { dynamicAllocation: options.dynamicAllocation, ...(options.executors !== undefined ? { executors: options.executors } : {}) }
        : { executors: options.executors ?? 2 }),
      executorMemoryMb: options.executorMemoryMb ?? 256,
      executorVcores: options.executorCores ?? 1,
      ...(options.maxTaskAttempts !== undefined ? { maxTaskAttempts: options.maxTaskAttempts } : {}),
      ...(options.maxExecutorFailures !== undefined ? { maxExecutorFailures: options.maxExecutorFailures } : {}),
      ...(options.excludeOnFailure ? { excludeOnFailure: options.excludeOnFailure } : {}),
      ...(options.speculation ? { speculation: options.speculation } : {}),
      ...(options.cacheMemoryMb !== undefined ? { cacheMemoryMb: options.cacheMemoryMb } : {}),
      ...(options.networkTimeoutMs !== undefined ? { networkTimeoutMs: options.networkTimeoutMs } : {}),
      ...(options.eventLog ? { eventLog: options.eventLog } : {}),
    },
  );
  h.started.push(app.appId);
  return app.appId;
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
  // Through the RM client: with HA it asks whichever ResourceManager is active.
  const attempts = await h.rm.attempts(appId);
  const a = attempts[attempts.length - 1];
  if (!a?.containerId || !a.nodeHttpAddress) throw new Error(`${appId}: the ResourceManager names no AM container (${JSON.stringify(a)})`);
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
  return awaitJob(h, await submitJob(h, options));
}

/** Waits for a submitted job's end, reads the AM container's output. */
export async function awaitJob(h: JobHarness, appId: string): Promise<JobRun> {
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
