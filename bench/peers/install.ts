/**
 * Installing the peers from the package registries with their ordinary clients (pip, Maven), pinned,
 * into one git-ignored folder. Each install ends by writing a marker file; a folder without its
 * marker is a broken install and is redone from scratch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../protocols/errors/index.js';

/** The marker a finished install leaves behind. */
export const INSTALLED_MARKER = '.installed';

/** Where the peers go, under the repository's (git-ignored) cluster folder. */
export function peersDir(repoRoot: string): string {
  return join(repoRoot, '.cluster', 'peers');
}

/**
 * Runs `install(dir)` unless `dir` holds a finished install. Returns the seconds the install took,
 * or 0 when it was already there.
 */
export function installOnce(dir: string, what: string, install: (dir: string) => void): number {
  if (existsSync(join(dir, INSTALLED_MARKER))) return 0;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`installing ${what} into ${dir} (first run only)`);
  const start = performance.now();
  try {
    install(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`installing ${what} failed: ${errorMessage(err)}`, { cause: err });
  }
  const seconds = (performance.now() - start) / 1000;
  writeFileSync(join(dir, INSTALLED_MARKER), `${what}\ninstalled in ${seconds.toFixed(1)} s on ${new Date().toISOString()}\n`);
  console.log(`installed ${what} in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Runs a command for an install step, showing its output only when it fails. */
export function run(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed: ${e.message.split('\n')[0]}\n${output}`);
  }
}
