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
 * ("N passing", "N failing", "N pending") and the failures listed after them. Resolves to
 * { ok, passing, failing, pending, failures, seconds }. `cluster: false`: without the cluster's
 * HADOOP_CONF_DIR (the unit tests).
 */
export function runMocha(argv, env = {}, { cluster = true } = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mocha, ...argv], {
      cwd: repo,
      env: { ...process.env, ...(cluster ? clusterEnv : {}), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Summary lines look like "  32 passing (1m)"; failure details follow them, so lines are read as they come.
    const counts = { passing: 0, failing: 0, pending: 0 };
    // From "N failing" on, mocha lists each failure with its error: kept for the summary at the end.
    const failures = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
        if (m) counts[m[2]] = Number(m[1]);
        if (counts.failing > 0 && failures.length < MAX_FAILURE_LINES) failures.push(line);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        ok: code === 0 && signal === null,
        ...counts,
        failures,
        seconds: (Date.now() - t0) / 1000,
      });
    });
  });
}

const MAX_FAILURE_LINES = 200;
// mocha colours its output on a terminal: ESC [ ... m sequences, left out of the summary.
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const stripColours = (line) => line.replace(COLOUR, '');

/**
 * What `npm test` prints last, so that a log that keeps only its tail (CI's) still says what failed:
 * each pass with its counts and time, then the failures of the passes that had any.
 */
export function summary(passes) {
  const lines = ['', '[test] summary'];
  for (const p of passes) {
    const counts = p.result ? `${p.result.passing} passing, ${p.result.failing} failing, ${p.result.pending} pending` : 'not run';
    const time = p.result ? ` in ${Math.round(p.result.seconds)} s` : '';
    lines.push(`[test]   ${p.result?.ok ? 'ok    ' : 'FAILED'} ${p.name}: ${counts}${time}`);
  }
  for (const p of passes) {
    if (!p.result || p.result.ok || p.result.failures.length === 0) continue;
    lines.push('', `[test] failures of ${p.name}:`, ...p.result.failures.map(stripColours));
  }
  return `${lines.join('\n')}\n`;
}

/** The mocha arguments of the RPC-level integration tests (`[rpc]` in their names). */
export const RPC_SUITES = ['--config', 'test/.mocharc.integration.json', '--grep', '\\[rpc\\]'];
