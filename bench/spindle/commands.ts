/**
 * How the benchmark runs Spindle: through the `spindle` CLI (dist/client/cli.js) where it has the
 * command, else through bench/spindle/shim.ts, which does the same with the client library. Either
 * way it is a fresh Node process per run, timed from spawn to exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorShape } from '../peers/pyspark.js';

export interface CommandLine {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SpindleCommands {
  /** "cli" or "library", per command. */
  via: { run: 'cli' | 'library'; submit: 'cli' | 'missing' };
  /** `spindle run -n <containers> -- <command>`. */
  run(containers: number, command: string[]): CommandLine;
  /** `spindle submit <job>`, or undefined while the CLI has no `submit`. */
  submit(jobFile: string, executors: ExecutorShape): CommandLine | undefined;
  /** Upload a local file in one stream (Spindle's WebHDFS client). */
  put(local: string, remote: string): CommandLine;
  /** Stream an HDFS file to stdout. */
  cat(remote: string): CommandLine;
}

/** Whether `node cli.js <command> --help` works, i.e. the CLI exists and knows the command. */
function cliHas(cli: string, command: string, env: NodeJS.ProcessEnv): boolean {
  if (!existsSync(cli)) return false;
  const r = spawnSync(process.execPath, [cli, command, '--help'], { env, stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

/**
 * The commands for a build in `repoRoot/dist` and the cluster configured in `confDir`. The shell
 * containers get `containerMemoryMb` (the CLI's default is used when it is the same).
 */
export function spindleCommands(repoRoot: string, confDir: string, containerMemoryMb: number): SpindleCommands {
  const env: NodeJS.ProcessEnv = { ...process.env, HADOOP_CONF_DIR: confDir };
  const cli = join(repoRoot, 'dist', 'client', 'cli.js');
  const shim = join(repoRoot, 'dist', 'bench', 'spindle', 'shim.js');
  const node = process.execPath;
  const via = { run: cliHas(cli, 'run', env) ? 'cli' : 'library', submit: cliHas(cli, 'submit', env) ? 'cli' : 'missing' } as const;
  return {
    via,
    run: (containers, command) =>
      via.run === 'cli'
        ? { command: node, args: [cli, 'run', '-n', String(containers), '--memory', `${containerMemoryMb}m`, '--', ...command], env }
        : { command: node, args: [shim, 'run', String(containers), String(containerMemoryMb), '--', ...command], env },
    submit: (jobFile, e) =>
      via.submit === 'cli'
        ? {
            command: node,
            args: [cli, 'submit', '--executors', String(e.executors), '--executor-cores', String(e.cores), '--executor-memory', `${e.memoryMb}m`, jobFile],
            env,
          }
        : undefined,
    put: (local, remote) => ({ command: node, args: [shim, 'put', local, remote], env }),
    cat: (remote) => ({ command: node, args: [shim, 'cat', remote], env }),
  };
}
