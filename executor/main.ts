#!/usr/bin/env node
/**
 * Entry point of an executor (bundled into spindle-executor.mjs; the AM starts one per executor
 * container). Loads the job bundle, connects to the driver and authenticates with the application
 * secret from the container credentials, then runs tasks until the driver says stop. Started as a
 * worker thread (executor cores above 1), the same file serves tasks for the main thread instead.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { workerData } from 'node:worker_threads';
import { APP_SECRET_ALIAS, connectToDriver, type ExecutorMetricsWire } from '../protocols/driver-executor/index.js';
import { encodeTokenUrlString, readCredentialsFile, selectToken, TokenKinds } from '../protocols/credentials/index.js';
import { ConfigError, ConnectionError, SpindleError, errorMessage, errorStack } from '../protocols/errors/index.js';
import { JOB_PROCESS_RETRY } from '../protocols/webhdfs/index.js';
import { parseExecutorArgs, readExecutorEnvironment } from './environment.js';
import { startCpuProfile } from './cpu-profile.js';
import { Executor } from './executor.js';
import { executorFs } from './job-fs.js';
import { BlockClient } from './block-server.js';
import { isBlockServerThread, runBlockServerThread, startBlockServerThread } from './block-server-thread.js';
import { executorMetrics } from './executor-metrics.js';
import { BlockStore, CACHE_HEAP_FRACTION } from './block-store.js';
import { loadJobModule } from '../protocols/job-spec/index.js';
import { shuffleMemoryOverride, type ShuffleEnv } from './shuffle-writer.js';
import { defaultShuffleMemory } from './task-memory.js';
import { TaskRunner, type TaskRunnerLike } from './runner.js';
import { isTaskWorker, serveWorker, WorkerPool, type WorkerSetup } from './workers.js';

/** How long an executor keeps trying to reach the driver. */
const CONNECT_DEADLINE_MS = 60_000;

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} spindle-executor: ${message}\n`);
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.off('error', reject);
      s.setNoDelay(true);
      s.setKeepAlive(true, 10_000);
      resolve(s);
    });
    s.once('error', reject);
  });
}

async function dialWithRetry(host: string, port: number): Promise<Socket> {
  const deadline = Date.now() + CONNECT_DEADLINE_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await dial(host, port);
    } catch (err) {
      if (Date.now() + wait > deadline) {
        throw new ConnectionError(`could not reach the driver at ${host}:${port} for ${CONNECT_DEADLINE_MS} ms: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Local mode starts executors while the CLI is still bundling the job, so that their start-up and the
 * bundling overlap. Over the IPC channel the CLI gave it, the executor says it is waiting, and the CLI
 * answers once the bundle is written; a CLI that gives up (the job did not bundle) disconnects.
 */
function jobBundled(): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (m !== 'job-bundled') return;
      done();
      process.disconnect();
      resolve();
    };
    const onDisconnect = (): void => {
      done();
      reject(new ConfigError('the local driver stopped before the job was bundled'));
    };
    const done = (): void => {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
    };
    process.on('message', onMessage);
    process.once('disconnect', onDisconnect);
    process.send?.('waiting-for-job');
  });
}

function hashId(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return h;
}

async function worker(): Promise<void> {
  const setup = workerData as WorkerSetup;
  const job = await loadJobModule(setup.jobPath);
  let token = setup.delegationToken;
  const fs = executorFs({
    nameNodes: setup.nameNodes,
    user: setup.hdfsUser,
    delegationToken: () => token,
    localMode: setup.localMode === true,
    retry: JOB_PROCESS_RETRY,
  });
  let shuffle: ShuffleEnv | undefined;
  if (setup.shuffle) {
    const { address, dir } = setup.shuffle;
    const client = new BlockClient(Buffer.from(setup.shuffle.secret), setup.shuffle.executorId, { address, dir });
    shuffle = {
      ...setup.shuffle,
      fetch: (address, files, reduceId) => client.fetch(address, files, reduceId),
      fetchToFile: (address, file, reduceId, path) => client.fetchToFile(address, file, reduceId, path),
      note: log,
    };
  }
  const blocks = setup.cache && new BlockStore(join(setup.cache.dir, `thread-${threadId}`), setup.cache.memoryBytes);
  serveWorker(
    job.evaluate,
    fs,
    shuffle,
    (hdfs) => {
      token = hdfs;
    },
    blocks,
  );
}

async function main(): Promise<number> {
  const args = parseExecutorArgs(process.argv.slice(2));
  const env = readExecutorEnvironment(process.env);
  const credentials = await readCredentialsFile(env.tokenFile);
  const secret = credentials.secrets.get(APP_SECRET_ALIAS);
  if (!secret) throw new ConfigError(`executor: the container credentials hold no ${APP_SECRET_ALIAS}; was it started by the Spindle AM?`);
  const hdfsToken = selectToken(credentials, TokenKinds.HDFS_DELEGATION);
  // Replaced when the driver hands out a fresh one (a long job whose AM holds a keytab).
  let delegationToken = hdfsToken ? encodeTokenUrlString(hdfsToken) : undefined;
  const stopProfile = await startCpuProfile(env.cpuProfileDir, args.executorId);
  if (env.localMode && process.send) await jobBundled();
  const job = await loadJobModule(args.jobPath);

  const socket = await dialWithRetry(args.driverHost, args.driverPort);
  const { channel, welcome } = await connectToDriver(socket, secret, {
    executorId: args.executorId,
    host: env.host,
    containerId: env.containerId,
    cores: args.cores,
    pid: process.pid,
  });
  log(`executor ${args.executorId} registered with the driver at ${args.driverHost}:${args.driverPort} (${args.cores} core(s))`);
  const fs = executorFs({
    nameNodes: welcome.nameNodes,
    user: welcome.hdfsUser,
    delegationToken: () => delegationToken,
    localMode: env.localMode,
    retry: JOB_PROCESS_RETRY,
  });
  // Map output lives in one of the container's local dirs, served to other executors by the block server.
  const localDir = env.localDirs[Math.abs(hashId(args.executorId)) % env.localDirs.length]!;
  const shuffleDir = join(localDir, `spindle-shuffle-${args.executorId}`);
  mkdirSync(shuffleDir, { recursive: true });
  const blockServer = await startBlockServerThread(new URL(import.meta.url), secret, shuffleDir, welcome);
  const blockPort = blockServer.port;
  // Each task thread's share of the heap (see task-memory.ts); SPINDLE_SHUFFLE_MEMORY_MB
  // (spindle submit --env) sets each task's budget instead.
  const memoryBytes =
    shuffleMemoryOverride(process.env.SPINDLE_SHUFFLE_MEMORY_MB, log) ??
    defaultShuffleMemory(getHeapStatistics().heap_size_limit, args.cores);
  const shuffleSetup = { dir: shuffleDir, address: `${env.host}:${blockPort}`, memoryBytes };
  const blockClient = new BlockClient(secret, args.executorId, { address: shuffleSetup.address, dir: shuffleDir });
  // Cached partitions: within the budget in memory (split between the worker threads), the rest in the local dir.
  const cacheDir = join(localDir, `spindle-blocks-${args.executorId}`);
  const cacheBytes =
    args.cacheMemoryMb !== undefined ? args.cacheMemoryMb * 2 ** 20 : Math.floor(getHeapStatistics().heap_size_limit * CACHE_HEAP_FRACTION);
  const cache = { dir: cacheDir, memoryBytes: Math.floor(cacheBytes / args.cores) };
  const shuffle: ShuffleEnv = {
    ...shuffleSetup,
    fetch: (address, files, reduceId) => blockClient.fetch(address, files, reduceId),
    fetchToFile: (address, file, reduceId, path) => blockClient.fetchToFile(address, file, reduceId, path),
    note: log,
  };
  const runner: TaskRunnerLike =
    args.cores > 1
      ? new WorkerPool(
          new URL(import.meta.url),
          args.cores,
          {
            jobPath: args.jobPath,
            nameNodes: welcome.nameNodes,
            hdfsUser: welcome.hdfsUser,
            localMode: env.localMode,
            shuffle: { ...shuffleSetup, secret: new Uint8Array(secret), executorId: args.executorId },
            cache,
            ...(delegationToken ? { delegationToken } : {}),
          },
          Math.max(32, Math.floor((getHeapStatistics().heap_size_limit / 2 ** 20 - 16) / args.cores)),
        )
      : new TaskRunner(job.evaluate, fs, shuffle, new BlockStore(cacheDir, cache.memoryBytes));
  const onTokens = (hdfs: string): void => {
    delegationToken = hdfs;
    if (runner instanceof WorkerPool) runner.useTokens(hdfs);
    log('received a fresh HDFS delegation token from the driver');
  };
  const metrics = (): ExecutorMetricsWire =>
    executorMetrics({
      served: blockServer.served,
      ...(runner instanceof WorkerPool ? { workerHeaps: () => runner.workerHeaps() } : {}),
    });
  const reason = await new Executor(channel, runner, { cores: args.cores, log, onTokens, metrics }).run();
  const profile = await stopProfile().catch((err: unknown) => log(`writing the CPU profile failed: ${errorMessage(err)}`));
  if (profile) log(`CPU profile written to ${profile}`);
  log(`stopping: ${reason} (peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)`);
  await runner.close();
  blockClient.close();
  await blockServer.close();
  rmSync(shuffleDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
  fs.close();
  return 0;
}

if (isBlockServerThread()) {
  runBlockServerThread().catch((err: unknown) => {
    log(`block server thread failed: ${errorStack(err)}`);
    process.exit(1);
  });
} else if (isTaskWorker()) {
  worker().catch((err: unknown) => {
    log(`worker thread failed: ${errorStack(err)}`);
    process.exit(1);
  });
} else {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      log(`fatal: ${errorMessage(err)}`);
      // Our own errors (the driver gone, a bad token file) say all there is; a stack is for bugs.
      if (err instanceof Error && err.stack && !(err instanceof SpindleError)) process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    },
  );
}
