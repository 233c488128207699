// The steps scripts/test.mjs and scripts/test-matrix.mjs are made of: restarting the local cluster with given
// settings, and running mocha against it with the time it took and the counts it printed.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const mocha = join(repo, 'node_modules', 'mocha', 'bin', 'mocha.js');
const cluster = join(repo, 'scripts', 'cluster');

/** The cluster's state folder, as scripts/cluster picks it (SPINDLE_CLUSTER_DIR or <repo>/.cluster). */
export const clusterDir = process.env.SPINDLE_CLUSTER_DIR || join(repo, '.cluster');
/** What the tests need to find the cluster. The port offset reaches scripts/cluster through the environment. */
export const clusterEnv = { HADOOP_CONF_DIR: join(clusterDir, 'conf') };

/** Hadoop's release the cluster runs when HADOOP_VERSION is not set (scripts/cluster's default). */
export const DEFAULT_HADOOP_VERSION = '3.5.0';

export function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: repo, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/**
 * `scripts/cluster up` with these options on this Hadoop release (restarting the daemons when the settings
 * differ from the running cluster's; a no-op when they are the same). Exits the process if it fails:
 * nothing after it could pass. Returns the seconds it took.
 */
export function clusterUp(extra = [], hadoopVersion = process.env.HADOOP_VERSION || DEFAULT_HADOOP_VERSION) {
  const t0 = Date.now();
  const status = run(cluster, ['up', ...extra], { HADOOP_VERSION: hadoopVersion });
  if (status !== 0) {
    console.error(
      `HADOOP_VERSION=${hadoopVersion} scripts/cluster up ${extra.join(' ')} failed (exit ${status}); see scripts/cluster logs`,
    );
    process.exit(status);
  }
  return (Date.now() - t0) / 1000;
}

/**
 * Runs mocha with these arguments, its output passed through, and reads its summary lines
 * ("N passing", "N failing", "N pending"). Resolves to { ok, passing, failing, pending, seconds }.
 */
export function runMocha(argv, env = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mocha, ...argv], {
      cwd: repo,
      env: { ...process.env, ...clusterEnv, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Summary lines look like "  32 passing (1m)"; failure details follow them, so lines are read as they come.
    const counts = { passing: 0, failing: 0, pending: 0 };
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
        if (m) counts[m[2]] = Number(m[1]);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        ok: code === 0 && signal === null,
        ...counts,
        seconds: (Date.now() - t0) / 1000,
      });
    });
  });
}

/** The mocha arguments of the RPC-level integration tests (`[rpc]` in their names). */
export const RPC_SUITES = ['--config', 'test/.mocharc.integration.json', '--grep', '\\[rpc\\]'];
