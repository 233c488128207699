/**
 * Runs a job module in this process for tests: bundled with bundleJob (the real mechanism: one
 * module scope, the evaluator footer), a DriverRuntime with its task server on a local port, and
 * executors connected over TCP with the real handshake, all reading and writing a FakeFs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleJob } from '../../client/job-bundle.js';
import { ActionJournal } from '../../appmaster/driver/journal.js';
import { DriverRuntime } from '../../appmaster/driver/runtime.js';
import { BlockClient, BlockServer, BlockStore, Executor, TaskRunner, type ShuffleEnv } from '../../executor/index.js';
import { loadJobModule } from '../../protocols/job-spec/index.js';
import { connectToDriver, type MessageChannel } from '../../protocols/driver-executor/index.js';
import { FakeFs } from './job-fake-fs.js';
import type { EventLogTarget } from '../../appmaster/driver/event-recorder.js';
import type { DriverToAm } from '../../appmaster/driver/ipc.js';
import { errorMessage } from '../../protocols/errors/index.js';

export interface LocalJob {
  result?: unknown;
  error?: Error;
  logs: string[];
  fs: FakeFs;
  /** Map output files in the executors' shuffle directories when main returned. */
  shuffleFiles: string[];
  /** Each executor's cached partitions when main returned, by executor id. */
  blockStores: Map<string, BlockStore>;
}

export interface LocalJobOptions {
  args?: string[];
  /** The job file's extension (its language): default '.mjs'. */
  extension?: '.mjs' | '.js' | '.ts' | '.mts';
  /** More files beside the job file, by name (helper modules it imports). */
  files?: Record<string, string>;
  fs?: FakeFs;
  executors?: number;
  maxTaskAttempts?: number;
  /** Called with the running executors' channels once they are connected (to cut one, say). */
  onExecutors?: (channels: MessageChannel[]) => void;
  /** Memory budget of a map task's shuffle buckets (tiny values force spills). */
  shuffleMemoryBytes?: number;
  /** Called with each executor's shuffle directory and block server once they are up. */
  onShuffle?: (executors: { dir: string; server: BlockServer }[]) => void;
  /** Journal the actions' results in this directory of the fs (and replay what it holds), as on YARN. */
  journalDir?: string;
  /** The scheduler's locality wait (default 0: no delay scheduling). */
  localityWaitMs?: number;
  /** Memory budget of each executor's cached partitions (default 64 MiB). */
  cacheMemoryBytes?: number;
  /** Called with the driver runtime once it runs (to look at its cache tracker, say). */
  onRuntime?: (runtime: DriverRuntime) => void;
  /** Where the application's events go (the event log), as on YARN. */
  eventLog?: EventLogTarget;
  /** Told of every message the driver sends the ApplicationMaster. */
  onAmMessage?: (m: DriverToAm) => void;
}

let counter = 0;

export async function runLocalJob(source: string, options: LocalJobOptions = {}): Promise<LocalJob> {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-unit-job-'));
  const file = join(dir, `job${counter++}${options.extension ?? '.mjs'}`);
  writeFileSync(file, source);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  const bundlePath = join(dir, 'bundle.mjs');
  await bundleJob(file, { outFile: bundlePath });
  const job = await loadJobModule(bundlePath);
  const fs = options.fs ?? new FakeFs();
  const logs: string[] = [];
  const secret = randomBytes(32);
  const executors = options.executors ?? 2;
  const journal = options.journalDir
    ? await ActionJournal.open({ fs: fs as never, dir: options.journalDir, log: (m) => logs.push(m) })
    : undefined;
  const runtime = new DriverRuntime({
    init: {
      type: 'init',
      secret,
      appId: 'application_1_0001',
      host: '127.0.0.1',
      nameNodes: ['http://nn.invalid:9870'],
      user: 'alice',
      job: { executors, executorVcores: 1, maxTaskAttempts: options.maxTaskAttempts ?? 4 },
    },
    am: { send: (m) => options.onAmMessage?.(m) },
    fs: fs as never,
    log: (m) => logs.push(m),
    scheduler: { localityWaitMs: options.localityWaitMs ?? 0 },
    ...(journal ? { journal } : {}),
    ...(options.eventLog ? { eventLog: options.eventLog } : {}),
  });
  const port = await runtime.start();
  options.onRuntime?.(runtime);
  const blockStores = new Map<string, BlockStore>();
  const channels: MessageChannel[] = [];
  const shuffles: { dir: string; server: BlockServer; client: BlockClient }[] = [];
  for (let i = 1; i <= executors; i++) {
    const shuffleDir = mkdtempSync(join(tmpdir(), `spindle-unit-shuffle-${i}-`));
    const server = new BlockServer(secret, shuffleDir, { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' });
    const blockPort = await server.listen(0);
    const client = new BlockClient(secret, String(i));
    shuffles.push({ dir: shuffleDir, server, client });
    const shuffle: ShuffleEnv = {
      dir: shuffleDir,
      address: `127.0.0.1:${blockPort}`,
      memoryBytes: options.shuffleMemoryBytes ?? 64 * 1024 * 1024,
      fetch: (address, files, reduceId) => client.fetch(address, files, reduceId),
      fetchToFile: (address, file, reduceId, path) => client.fetchToFile(address, file, reduceId, path),
    };
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const { channel } = await connectToDriver(socket, secret, {
      executorId: String(i),
      host: 'localhost',
      containerId: `c${i}`,
      cores: 1,
      pid: process.pid,
    });
    channels.push(channel);
    const blocks = new BlockStore(join(shuffleDir, 'blocks'), options.cacheMemoryBytes ?? 64 * 1024 * 1024);
    blockStores.set(String(i), blocks);
    void new Executor(channel, new TaskRunner(job.evaluate, fs, shuffle, blocks), {
      cores: 1,
      log: (m) => logs.push(`executor ${i}: ${m}`),
    }).run();
  }
  options.onExecutors?.(channels);
  options.onShuffle?.(shuffles.map(({ dir, server }) => ({ dir, server })));
  const out: LocalJob = { logs, fs, shuffleFiles: [], blockStores };
  try {
    out.result = await job.main!(runtime.context, options.args ?? []);
    await runtime.stop('succeeded', 'done');
  } catch (err) {
    out.error = err as Error;
    await runtime.stop('failed', 'failed', { cause: errorMessage(err) });
  }
  await journal?.settle();
  for (const sh of shuffles) {
    out.shuffleFiles.push(...readdirSync(sh.dir).filter((f) => f !== 'blocks'));
    sh.client.close();
    await sh.server.close();
    rmSync(sh.dir, { recursive: true, force: true });
  }
  return out;
}
