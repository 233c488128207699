/**
 * How the benchmark runs Spindle: through the `spindle` CLI (dist/client/cli.js) where it has the
 * command (`run`, `submit`, `fs put`, `fs cat`), else through bench/spindle/shim.ts, which does the
 * same with the client library. Either way it is a fresh Node process per run, timed from spawn to
 * exit, as a user would run it.
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
  /** How each command runs: through the CLI, or the library shim while the CLI lacks it. */
  via: { run: 'cli' | 'library'; submit: 'cli' | 'missing'; fs: 'cli' | 'library' };
  /** `spindle run -n <containers> -- <command>`, named and tagged for YARN. */
  run(containers: number, command: string[], app: AppLabel): CommandLine;
  /** `spindle submit <job>`, or undefined while the CLI has no `submit`. */
  submit(jobFile: string, executors: ExecutorShape, app: AppLabel): CommandLine | undefined;
  /** `spindle fs put -f <local> <remote>`: upload a local file in one stream. */
  put(local: string, remote: string): CommandLine;
  /** `spindle fs cat <remote>`: stream an HDFS file to stdout. */
  cat(remote: string): CommandLine;
}

/** Name and tag of an application (the tag finds it if the output does not name it). */
export interface AppLabel {
  name: string;
  tag: string;
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
  const via = {
    run: cliHas(cli, 'run', env) ? 'cli' : 'library',
    submit: cliHas(cli, 'submit', env) ? 'cli' : 'missing',
    fs: cliHas(cli, 'fs', env) ? 'cli' : 'library',
  } as const;
  const label = (app: AppLabel): string[] => ['--name', app.name, '--tags', app.tag];
  return {
    via,
    run: (containers, command, app) =>
      via.run === 'cli'
        ? {
            command: node,
            args: [cli, 'run', '-n', String(containers), '--memory', `${containerMemoryMb}m`, ...label(app), '--', ...command],
            env,
          }
        : { command: node, args: [shim, 'run', String(containers), String(containerMemoryMb), '--', ...command], env },
    submit: (jobFile, e, app) =>
      via.submit === 'cli'
        ? {
            command: node,
            args: [
              cli,
              'submit',
              '--executors',
              String(e.executors),
              '--executor-cores',
              String(e.cores),
              '--executor-memory',
              `${e.memoryMb}m`,
              ...label(app),
              jobFile,
            ],
            env,
          }
        : undefined,
    put: (local, remote) =>
      via.fs === 'cli'
        ? { command: node, args: [cli, 'fs', 'put', '-f', local, remote], env }
        : { command: node, args: [shim, 'put', local, remote], env },
    cat: (remote) =>
      via.fs === 'cli' ? { command: node, args: [cli, 'fs', 'cat', remote], env } : { command: node, args: [shim, 'cat', remote], env },
  };
}
