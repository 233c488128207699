#!/usr/bin/env node
// `npm test`: unit tests, then integration tests against the real local cluster (started if it is not up),
// then the RPC-level integration tests again on a cluster restarted with hadoop.rpc.protection=privacy, then
// the RPC-level tests on Hadoop 3.4.2 (the cluster restarted on that release; `npm run test:matrix` covers
// 3.3.6 too, and a job suite), then the secure-cluster tests on a cluster restarted with Kerberos
// (scripts/cluster up --kerberos).
//
//   node scripts/test.mjs [--unit-only | --integration-only] [--no-privacy] [--no-matrix] [--no-kerberos]
//
// Honours SPINDLE_CLUSTER_DIR and SPINDLE_CLUSTER_PORT_OFFSET as scripts/cluster does.
// Integration tests never skip silently: if the cluster cannot be started, this exits non-zero.
import { writeFileSync } from 'node:fs';
import { clusterUp, DEFAULT_HADOOP_VERSION, RPC_SUITES, runMocha, summary } from './test-steps.mjs';

const args = new Set(process.argv.slice(2));
const seconds = (t0) => Math.round((Date.now() - t0) / 1000);
// The release of every pass but the 3.4.2 one: HADOOP_VERSION when set, as scripts/cluster reads it.
const mainVersion = process.env.HADOOP_VERSION || DEFAULT_HADOOP_VERSION;

const passes = [];
async function pass(name, argv, env = {}, options = {}) {
  const result = await runMocha(argv, env, options);
  passes.push({ name, result });
}

if (!args.has('--integration-only')) {
  await pass('unit', ['--config', 'test/.mocharc.unit.json'], {}, { cluster: false });
}
if (!args.has('--unit-only')) {
  clusterUp(['--rpc-protection', 'authentication'], mainVersion);
  await pass(`integration (Hadoop ${mainVersion})`, ['--config', 'test/.mocharc.integration.json']);
  if (!args.has('--no-privacy')) {
    // Issue #3: the RPC path must also work when the servers insist on SASL privacy (auth-conf).
    clusterUp(['--rpc-protection', 'privacy'], mainVersion);
    await pass('[rpc] under privacy', RPC_SUITES, { SPINDLE_EXPECT_RPC_PROTECTION: 'privacy' });
  }
  if (!args.has('--no-matrix')) {
    // Issue #19: clusters in use run 3.4 as often as 3.5; the RPC-level tests again on Hadoop 3.4.2.
    const t0 = Date.now();
    clusterUp(['--rpc-protection', 'authentication'], '3.4.2');
    await pass('[rpc] on Hadoop 3.4.2', RPC_SUITES);
    console.error(`[test] Hadoop 3.4.2 [rpc] pass (cluster restart and tests): ${seconds(t0)} s`);
  }
  if (!args.has('--no-kerberos')) {
    // Issue #15: a Kerberized cluster (KDC, SPNEGO everywhere, delegation tokens), its RPC under privacy as
    // secure clusters often are (the AM still authenticates with its AMRMToken and NMTokens). Its tests
    // fail, never skip, if the cluster is not Kerberized.
    const t0 = Date.now();
    clusterUp(['--rpc-protection', 'privacy', '--kerberos'], mainVersion);
    await pass('Kerberos', ['--config', 'test/.mocharc.kerberos.json']);
    console.error(`[test] Kerberos pass (cluster restart and tests): ${seconds(t0)} s`);
  }
  // Leave a developer's cluster as it was (plain, default release); CI stops it next anyway.
  if (process.env.CI !== 'true' && !(args.has('--no-privacy') && args.has('--no-matrix') && args.has('--no-kerberos'))) {
    clusterUp(['--rpc-protection', 'authentication'], mainVersion);
  }
}
// Last, so that a log that keeps only its tail says what failed; CI (.ci/run) prints it again after the daemon logs.
const text = summary(passes);
process.stdout.write(text);
if (process.env.SPINDLE_TEST_SUMMARY) writeFileSync(process.env.SPINDLE_TEST_SUMMARY, text);
process.exit(passes.every((p) => p.result.ok) ? 0 : 1);
