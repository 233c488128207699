/** The machine a benchmark ran on, for the report. */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  nproc: number;
  memory: string;
  node: string;
  java: string;
  python: string;
}

/** First line a command prints on stdout or, failing that, stderr (`java -version` uses stderr). */
function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n')[0]?.trim() || 'unknown';
}

/** CPU model, `nproc`, total memory, and the runtimes' versions. */
export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    nproc: Number(firstLine('nproc', [])) || cpus().length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    java: firstLine('java', ['-version']),
    python: firstLine('python3', ['--version']),
  };
}
