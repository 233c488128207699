import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCredentials, serializeCredentials } from '../../protocols/credentials/index.js';
import { APP_SECRET_ALIAS } from '../../protocols/driver-executor/index.js';

/**
 * Local mode's executor provider, in the place of the AM's executor pool: each executor is a child
 * process running the executor bundle, started with what a YARN container would give it
 *
 *   node spindle-executor.mjs --driver 127.0.0.1:<port> --executor-id N --cores 1 --job <bundle>
 *   HADOOP_TOKEN_FILE_LOCATION  credentials holding the application secret (a 0600 file, never argv)
 *   NM_HOST=127.0.0.1  CONTAINER_ID=local_executor_N  LOCAL_DIRS=<work dir>/executor-N  SPINDLE_LOCAL_MODE=1
 *   and an IPC channel, over which it waits for the job bundle when started before it was written
 *
 * so the executor runtime, its block server and the driver's scheduler are the cluster's. An
 * executor that dies is reported lost (its tasks are retried) and replaced, until more than
 * `maxFailures` have died; then the job is stopped.
 */

/** What the provider tells the driver runtime (the AM's messages of the same names). */
export type LocalExecutorEvent =
  | { type: 'executor-launched'; executorId: string; containerId: string; host: string; node: string }
  | { type: 'executor-lost'; executorId: string; containerId: string; description: string; countsAsFailure: boolean }
  | { type: 'abort'; reason: string };

export interface LocalExecutorsOptions {
  /** The executor runtime bundle (dist/bundle/spindle-executor.mjs). */
  executorBundle: string;
  /** The job bundle, as executors load it. */
  jobBundle: string;
  /**
   * The bundle is still being written: executors start anyway and wait (over an IPC channel) until
   * jobBundled() says it is there, so that their start-up overlaps the bundling.
   */
  bundlePending?: boolean;
  /** The application secret executors authenticate with. */
  secret: Buffer;
  /** A private directory for the credentials file and the executors' shuffle directories. */
  workDir: string;
  /** The environment executors start from (the user's), before the container variables. */
  env: Record<string, string | undefined>;
  /** This Node binary. */
  execPath: string;
  onEvent: (event: LocalExecutorEvent) => void;
  /** Executor deaths tolerated before the job is stopped. Default DEFAULT_MAX_LOCAL_EXECUTOR_FAILURES. */
  maxFailures?: number;
  /** Each line an executor writes to stdout or stderr, when they should be shown (--verbose). */
  onOutput?: (executorId: string, line: string) => void;
  log: (message: string) => void;
}

/** Executor deaths local mode tolerates (replacing each) before it gives up. */
export const DEFAULT_MAX_LOCAL_EXECUTOR_FAILURES = 8;
/** Lines of an executor's output kept to explain its death. */
const TAIL_LINES = 10;
/** How long executors get to exit after the driver said stop, before they are killed. */
const STOP_GRACE_MS = 5_000;

interface Running {
  id: string;
  child: ChildProcess;
  tail: string[];
  exited: Promise<void>;
  /** It asked for the job and has not been told yet. */
  waitingForJob: boolean;
}

export class LocalExecutors {
  private driverPort: number | undefined;
  private wanted = 0;
  private nextId = 1;
  private failures = 0;
  private stopping = false;
  private bundled: boolean;
  private readonly running = new Map<string, Running>();
  private readonly tokenFile: string;

  constructor(private readonly options: LocalExecutorsOptions) {
    this.bundled = options.bundlePending !== true;
    this.tokenFile = join(options.workDir, 'executor.tokens');
    const credentials = createCredentials([], [[APP_SECRET_ALIAS, options.secret]]);
    writeFileSync(this.tokenFile, serializeCredentials(credentials), { mode: 0o600 });
  }

  /** The driver listens on `port`: executors can start. */
  setDriverPort(port: number): void {
    this.driverPort = port;
    this.fill();
  }

  /** The job bundle is written: executors waiting for it load it. */
  jobBundled(): void {
    this.bundled = true;
    for (const r of this.running.values()) if (r.waitingForJob) this.tellBundled(r);
  }

  private tellBundled(r: Running): void {
    r.waitingForJob = false;
    if (r.child.connected) r.child.send('job-bundled', (err) => err && r.tail.push(`could not be told the job is bundled: ${err.message}`));
  }

  /** The driver wants `count` executors (0 when it stops). */
  request(count: number): void {
    this.wanted = Math.max(0, Math.floor(count));
    this.fill();
  }

  /** Process ids of the running executors (tests kill one to see it replaced). */
  pids(): number[] {
    return [...this.running.values()].flatMap((r) => (r.child.pid !== undefined ? [r.child.pid] : []));
  }

  /** Waits for the executors to exit (the driver told them to stop); kills those that do not in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wanted = 0;
    const all = [...this.running.values()];
    // Never told the job is bundled (bundling failed, or the job did not load): they hold nothing, so
    // they go at once. (Not by closing their channel: a child the parent disconnected emits no 'close'.)
    if (!this.bundled) for (const r of all) r.child.kill('SIGKILL');
    const timer = setTimeout(() => {
      for (const r of all) r.child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    timer.unref();
    await Promise.all(all.map((r) => r.exited));
    clearTimeout(timer);
  }

  private fill(): void {
    if (this.stopping || this.driverPort === undefined) return;
    while (this.running.size < this.wanted) this.start();
  }

  private start(): void {
    const o = this.options;
    const id = String(this.nextId++);
    const containerId = `local_executor_${id}`;
    const localDir = join(o.workDir, `executor-${id}`);
    mkdirSync(localDir, { recursive: true });
    const args = [
      '--enable-source-maps',
      o.executorBundle,
      ...['--driver', `127.0.0.1:${this.driverPort}`, '--executor-id', id, '--cores', '1', '--job', o.jobBundle],
    ];
    const child = spawn(o.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...o.env,
        HADOOP_TOKEN_FILE_LOCATION: this.tokenFile,
        NM_HOST: '127.0.0.1',
        CONTAINER_ID: containerId,
        LOCAL_DIRS: localDir,
        SPINDLE_EXECUTOR_ID: id,
        SPINDLE_LOCAL_MODE: '1',
      },
    });
    const r: Running = {
      id,
      child,
      tail: [],
      waitingForJob: false,
      exited: new Promise((resolve) => child.once('close', (code, signal) => resolve(this.exited(r, code, signal)))),
    };
    child.once('error', (err) => r.tail.push(`could not start: ${err.message}`));
    child.on('message', (m: unknown) => {
      if (m !== 'waiting-for-job') return;
      r.waitingForJob = true;
      if (this.bundled) this.tellBundled(r);
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.remember(r, line);
      });
      stream.once('end', () => partial && this.remember(r, partial));
    }
    this.running.set(id, r);
    o.onEvent({ type: 'executor-launched', executorId: id, containerId, host: '127.0.0.1', node: 'localhost' });
  }

  private remember(r: Running, line: string): void {
    r.tail.push(line);
    if (r.tail.length > TAIL_LINES) r.tail.shift();
    this.options.onOutput?.(r.id, line);
  }

  private exited(r: Running, code: number | null, signal: NodeJS.Signals | null): void {
    this.running.delete(r.id);
    const expected = this.stopping || (code === 0 && this.running.size >= this.wanted);
    if (expected) return;
    this.failures++;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const last = r.tail.filter((l) => l.trim() !== '').slice(-3);
    this.options.onEvent({
      type: 'executor-lost',
      executorId: r.id,
      containerId: `local_executor_${r.id}`,
      description: `${how}${last.length ? ` (last output: ${last.join(' | ')})` : ''}`,
      countsAsFailure: true,
    });
    const max = this.options.maxFailures ?? DEFAULT_MAX_LOCAL_EXECUTOR_FAILURES;
    if (this.failures > max) {
      this.stopping = true;
      this.options.onEvent({ type: 'abort', reason: `too many executor failures: ${this.failures} local executors died` });
      return;
    }
    this.fill();
  }
}
