/**
 * Running one tool invocation the way a user would, and timing it from spawn to exit. Each child
 * gets its own process group so an aborted benchmark can end it with everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Bytes of stdout/stderr kept for error messages and parsing (the tail). */
export const OUTPUT_TAIL_BYTES = 256 * 1024;

export interface TimedRunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The run is killed (whole process group) after this long and rejects. */
  timeoutMs: number;
  /** Keep stdout (default true); false sends it to /dev/null, as `> /dev/null` would. */
  captureStdout?: boolean;
  /** Each line of stdout and stderr as it arrives (e.g. to spot an application id early). */
  onLine?: (line: string) => void;
}

export interface TimedRun {
  /** Spawn to exit, in milliseconds. */
  ms: number;
  /** Epoch ms at spawn and at exit (to line up with the ResourceManager's timestamps). */
  startedAt: number;
  endedAt: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children still running, so that an abort can end them. */
const running = new Set<ChildProcess>();

/** Ends every child process group started by {@link timedRun} that is still running. */
export function killRunning(): void {
  for (const child of running) killGroup(child);
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs `command args` and resolves when it has exited and its output is drained. A non-zero exit
 * resolves too (the caller decides); a timeout or a spawn failure rejects.
 */
export function timedRun(command: string, args: readonly string[], options: TimedRunOptions): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const start = performance.now();
    let exitAt = 0;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', options.captureStdout === false ? 'ignore' : 'pipe', 'pipe'],
    });
    running.add(child);
    const out = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    const collect = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      out[which] = (out[which] + text).slice(-OUTPUT_TAIL_BYTES);
      if (!options.onLine) return;
      const lines = (partial[which] + text).split('\n');
      partial[which] = lines.pop()!;
      for (const line of lines) options.onLine(line);
    };
    child.stdout?.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${command} ${args.join(' ')}: no exit after ${options.timeoutMs} ms; killed`));
    }, options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`${command}: could not start: ${err.message}`));
    });
    child.once('exit', () => {
      exitAt = performance.now();
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const ms = (exitAt || performance.now()) - start;
      for (const which of ['stdout', 'stderr'] as const) if (partial[which]) options.onLine?.(partial[which]);
      resolve({ ms, startedAt, endedAt: startedAt + Math.round(ms), code, signal, ...out });
    });
  });
}

/** The last `n` lines of `text`, for error messages. */
export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
