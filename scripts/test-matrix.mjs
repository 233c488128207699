#!/usr/bin/env node
// `npm run test:matrix`: the RPC-level integration tests (`[rpc]` in their names) and a job suite on each
// Hadoop release Spindle supports, each on the local cluster restarted with that release (scripts/cluster
// keeps one HDFS data directory per release). Prints, per release, pass/fail and the time of each leg.
//
//   node scripts/test-matrix.mjs [--versions 3.3.6,3.4.2,3.5.0] [--rpc-only]
//
// Honours SPINDLE_CLUSTER_DIR and SPINDLE_CLUSTER_PORT_OFFSET as scripts/cluster does. Outside CI the
// cluster is put back on the default release at the end.
import { clusterUp, DEFAULT_HADOOP_VERSION, RPC_SUITES, runMocha } from './test-steps.mjs';

const VERSIONS = ['3.3.6', '3.4.2', '3.5.0'];
const JOB_SUITES = ['dist/test/integration/job-basics.test.js', 'dist/test/integration/job-shuffle.test.js'];

const argv = process.argv.slice(2);
let versions = VERSIONS;
let rpcOnly = false;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--versions') versions = (argv[++i] ?? '').split(',').filter(Boolean);
  else if (argv[i] === '--rpc-only') rpcOnly = true;
  else {
    console.error(`unknown option ${argv[i]} (usage: node scripts/test-matrix.mjs [--versions a,b] [--rpc-only])`);
    process.exit(2);
  }
}
if (versions.length === 0) {
  console.error('--versions needs a comma-separated list of Hadoop releases, e.g. --versions 3.3.6,3.5.0');
  process.exit(2);
}

const results = [];
for (const version of versions) {
  console.error(`\n[matrix] Hadoop ${version}: restarting the cluster`);
  const restart = clusterUp(['--rpc-protection', 'authentication'], version);
  const rpc = await runMocha(RPC_SUITES);
  const jobs = rpcOnly ? undefined : await runMocha(['--require', 'dist/test/integration/setup.js', '--timeout', '300000', ...JOB_SUITES]);
  results.push({ version, restart, rpc, jobs });
}

const leg = (r) =>
  r === undefined ? 'not run' : `${r.ok ? 'pass' : 'FAIL'} (${r.passing} passing, ${r.failing} failing) in ${Math.round(r.seconds)} s`;
console.error('\n[matrix] results');
for (const { version, restart, rpc, jobs } of results) {
  console.error(`[matrix] Hadoop ${version}: cluster restart ${Math.round(restart)} s; [rpc] ${leg(rpc)}; jobs ${leg(jobs)}`);
}
const failed = results.some((r) => !r.rpc.ok || (r.jobs !== undefined && !r.jobs.ok));
if (process.env.CI !== 'true' && versions.at(-1) !== DEFAULT_HADOOP_VERSION) {
  clusterUp(['--rpc-protection', 'authentication'], DEFAULT_HADOOP_VERSION);
}
process.exit(failed ? 1 : 0);
