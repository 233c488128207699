/**
 * Runs a job module in this process for tests: bundled with bundleJob (the real mechanism: one
 * module scope, the evaluator footer), a DriverRuntime with its task server on a local port, and
 * executors connected over TCP with the real handshake, all reading and writing a FakeFs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleJob } from '../../client/job-bundle.js';
import { DriverRuntime } from '../../appmaster/driver/runtime.js';
import { Executor, loadJobModule, TaskRunner } from '../../executor/index.js';
import { connectToDriver, type MessageChannel } from '../../protocols/driver-executor/index.js';
import { FakeFs } from './job-fake-fs.js';

export interface LocalJob {
  result?: unknown;
  error?: Error;
  logs: string[];
  fs: FakeFs;
}

export interface LocalJobOptions {
  args?: string[];
  fs?: FakeFs;
  executors?: number;
  maxTaskAttempts?: number;
  /** Called with the running executors' channels once they are connected (to cut one, say). */
  onExecutors?: (channels: MessageChannel[]) => void;
}

let counter = 0;

export async function runLocalJob(source: string, options: LocalJobOptions = {}): Promise<LocalJob> {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-unit-job-'));
  const file = join(dir, `job${counter++}.mjs`);
  writeFileSync(file, source);
  const bundlePath = join(dir, 'bundle.mjs');
  await bundleJob(file, { outFile: bundlePath });
  const job = await loadJobModule(bundlePath);
  const fs = options.fs ?? new FakeFs();
  const logs: string[] = [];
  const secret = randomBytes(32);
  const executors = options.executors ?? 2;
  const runtime = new DriverRuntime({
    init: {
      type: 'init',
      secret,
      appId: 'application_1_0001',
      host: '127.0.0.1',
      nameNodes: ['http://nn.invalid:9870'],
      user: 'alice',
      job: { executors, executorCores: 1, maxTaskAttempts: options.maxTaskAttempts ?? 4 },
    },
    am: { send: () => {} },
    fs: fs as never,
    log: (m) => logs.push(m),
    scheduler: { localityWaitMs: 0 },
  });
  const port = await runtime.start();
  const channels: MessageChannel[] = [];
  for (let i = 1; i <= executors; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const { channel } = await connectToDriver(socket, secret, { executorId: String(i), host: 'localhost', containerId: `c${i}`, cores: 1, pid: process.pid });
    channels.push(channel);
    void new Executor(channel, new TaskRunner(job.evaluate, fs), { cores: 1, log: (m) => logs.push(`executor ${i}: ${m}`) }).run();
  }
  options.onExecutors?.(channels);
  const out: LocalJob = { logs, fs };
  try {
    out.result = await job.main!(runtime.context, options.args ?? []);
    await runtime.stop('succeeded', 'done');
  } catch (err) {
    out.error = err as Error;
    await runtime.stop('failed', 'failed');
  }
  return out;
}
