import { fork, spawn, type ChildProcess } from 'node:child_process';
import type { DriverSpec } from '../protocols/app-spec/index.js';
import type { AmToDriver, DriverToAm } from './driver/index.js';

/**
 * Runs the user's driver program (`spindle submit`) as a child process of the AM, in the AM
 * container's working directory. Its output goes to the container's stdout/stderr logs unchanged; the
 * last lines of stderr are kept for the diagnostics of a failed run.
 *
 * A plain program is spawned as is. A job (`runtime` given) is forked under the driver runtime
 * with an IPC channel (advanced serialization, so Buffers travel as bytes): the AM and the driver
 * exchange executor requests and events over it, and the application secret reaches the driver
 * this way, never through its command line or environment.
 */

export const STDERR_TAIL_LINES = 20;

export interface DriverExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
}

export interface DriverProcessOptions {
  /** The driver runtime bundle; the job bundle (spec.script) becomes its first argument. */
  runtime?: string;
}

export class DriverProcess {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];
  private partial = '';
  private handler: ((m: DriverToAm) => void) | undefined;

  constructor(
    private readonly spec: DriverSpec,
    private readonly env: Record<string, string | undefined>,
    private readonly options: DriverProcessOptions = {},
  ) {}

  /** Receives the driver's IPC messages (job mode). */
  onMessage(handler: (m: DriverToAm) => void): void {
    this.handler = handler;
  }

  /** Sends an IPC message to the driver (job mode); false if it is gone. */
  send(message: AmToDriver): boolean {
    const c = this.child;
    if (!c?.connected) return false;
    c.send(message, (err: Error | null) => {
      if (err) this.remember(`could not send ${message.type} to the driver: ${err.message}\n`);
    });
    return true;
  }

  /** Starts the driver; resolves when it exits. */
  run(): Promise<DriverExit> {
    const nodeArgs = [`--max-old-space-size=${this.spec.heapMb}`, '--enable-source-maps'];
    const env = { ...this.env, ...this.spec.environment };
    const child = this.options.runtime
      ? fork(this.options.runtime, [this.spec.script, ...this.spec.args], {
          execArgv: nodeArgs,
          stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
          serialization: 'advanced',
          env,
        })
      : spawn(process.execPath, [...nodeArgs, this.spec.script, ...this.spec.args], { stdio: ['ignore', 'inherit', 'pipe'], env });
    this.child = child;
    child.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string') this.handler?.(m as DriverToAm);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.remember(chunk.toString('utf8'));
    });
    return new Promise((resolve) => {
      child.once('error', (err) => {
        this.remember(`could not start the driver: ${err.message}\n`);
        resolve({ code: 127, signal: null, stderrTail: this.lines() });
      });
      child.once('close', (code, signal) => resolve({ code, signal, stderrTail: this.lines() }));
    });
  }

  /** Forwards a kill to the driver. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child?.kill(signal);
  }

  private remember(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.tail.push(...parts);
    if (this.tail.length > STDERR_TAIL_LINES) this.tail.splice(0, this.tail.length - STDERR_TAIL_LINES);
  }

  private lines(): string[] {
    return this.partial ? [...this.tail, this.partial].slice(-STDERR_TAIL_LINES) : [...this.tail];
  }
}
