import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * The processes of one application on the local test cluster, and its daemons' start/stop script.
 * A process belongs to the application when its working directory is one of the application's
 * container directories under THIS cluster's NodeManager directories (`<cluster>/nm<i>/local/
 * usercache/<user>/appcache/<appId>/<containerId>`): nothing of another cluster on the machine, nor
 * any other process, is ever picked.
 */

export interface AppProcess {
  pid: number;
  argv: string[];
  /** The container directory the process runs in. */
  cwd: string;
  /** The NodeManager (1 or 2) whose directories hold it. */
  nodeManager: number;
}

/** The live processes running in containers of `appId` on the cluster in `clusterDir`. */
export function appProcesses(clusterDir: string, appId: string): AppProcess[] {
  const found: AppProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const nm =
        cwd.startsWith(`${clusterDir}/nm`) && cwd.includes(`/${appId}/`) ? /^\/nm(\d+)\//.exec(cwd.slice(clusterDir.length)) : null;
      if (!nm) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      found.push({ pid: Number(entry), argv, cwd, nodeManager: Number(nm[1]) });
    } catch {
      // A process that ended while we looked, or one we may not inspect.
    }
  }
  return found;
}

/**
 * The executor processes of `appId`: Node started with `--executor-id <id>` (as one argument, so
 * not the launch script's `bash -c "…"` around it).
 */
export function executorProcesses(clusterDir: string, appId: string): (AppProcess & { executorId: string })[] {
  return appProcesses(clusterDir, appId).flatMap((p) => {
    const at = p.argv.indexOf('--executor-id');
    return at >= 0 && p.argv[at + 1] ? [{ ...p, executorId: p.argv[at + 1]! }] : [];
  });
}

/** The AM's Node process (spindle-am.mjs) in container `containerId` of `appId`. */
export function amProcess(clusterDir: string, appId: string, containerId: string): AppProcess | undefined {
  return appProcesses(clusterDir, appId).find((p) => p.argv.includes('spindle-am.mjs') && p.cwd.endsWith(`/${containerId}`));
}

/**
 * Runs `script` with `args` and `env` added to this process's environment, without blocking this
 * process (a CLI it follows keeps printing meanwhile). Rejects with the script's output when it fails.
 */
export function runScript(script: string, args: readonly string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${basename(script)} ${args.join(' ')} failed (exit ${code}): ${out.trim()}`)),
    );
  });
}

/** Runs `scripts/cluster <args>` for the cluster in `clusterDir` (its SPINDLE_CLUSTER_DIR). */
export function clusterScript(repoRoot: string, clusterDir: string, ...args: string[]): Promise<void> {
  return runScript(join(repoRoot, 'scripts', 'cluster'), args, { SPINDLE_CLUSTER_DIR: clusterDir });
}
