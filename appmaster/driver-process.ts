import { spawn, type ChildProcess } from 'node:child_process';
import type { DriverSpec } from '../protocols/app-spec/index.js';

/**
 * Runs the user's driver program (`spindle submit`) as a child process of the AM, in the AM
 * container's working directory. Its output goes to the container's stdout/stderr logs unchanged; the
 * last lines of stderr are kept for the diagnostics of a failed run.
 */

export const STDERR_TAIL_LINES = 20;

export interface DriverExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string[];
}

export class DriverProcess {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];
  private partial = '';

  constructor(
    private readonly spec: DriverSpec,
    private readonly env: Record<string, string | undefined>,
  ) {}

  /** Starts the driver; resolves when it exits. */
  run(): Promise<DriverExit> {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${this.spec.heapMb}`, '--enable-source-maps', this.spec.script, ...this.spec.args],
      { stdio: ['ignore', 'inherit', 'pipe'], env: { ...this.env, ...this.spec.environment } },
    );
    this.child = child;
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
