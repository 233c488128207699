/**
 * Benchmark (not a test) for the ApplicationMaster path, issue #3:
 *  - submission (client) to AM registered with the RM,
 *  - the AM's first ask to containers running, p50 over N containers,
 *  - the AM's peak resident memory.
 * Usage: npm run build && node dist/bench/am-startup.js [--containers 20] [--runs 3]
 * The AM prints a `metrics {...}` line to its stderr; we read it through the NodeManager's web services.
 */
import { submitShellApp, waitForEnd } from '../client/index.js';
import { loadClientConfig } from '../protocols/hadoop-conf/index.js';
import { RmRestClient } from '../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const containers = arg('containers', 20);
const runs = arg('runs', 3);
const config = loadClientConfig({ env: process.env });
const rm = new RmRestClient({ rmUrls: config.yarn.rmWebUrls, user: config.user });
const hdfs = new WebHdfsClient({ nameNodes: config.hdfs.nameNodeHttpUrls, user: config.user });
const rows: { registerMs: number; p50StartMs: number; maxStartMs: number; rssMb: number; totalMs: number }[] = [];

for (let run = 1; run <= runs; run++) {
  const t0 = Date.now();
  const app = await submitShellApp({ config, rm, hdfs }, { command: ['true'], containers, memoryMb: 128, name: 'bench-am-startup' });
  const report = await waitForEnd({ rm, hdfs, user: config.user }, app.appId, { pollMs: 100 });
  const totalMs = Date.now() - t0;
  if (report.finalStatus !== 'SUCCEEDED') throw new Error(`${app.appId} ended ${report.finalStatus}: ${report.diagnostics}`);
  const [attempt] = await rm.attempts(app.appId);
  const log = await (await fetch(`http://${attempt!.nodeHttpAddress}/ws/v1/node/containerlogs/${attempt!.containerId}/stderr`)).text();
  const line = log.split('\n').find((l) => l.includes(' metrics {'));
  if (!line) throw new Error(`no metrics line in the AM log of ${app.appId}`);
  const m = JSON.parse(line.slice(line.indexOf('{'))) as { registered: number; containerStartMs: number[]; maxRssKb: number };
  const row = {
    registerMs: m.registered - app.submittedAt,
    p50StartMs: median(m.containerStartMs),
    maxStartMs: Math.max(...m.containerStartMs),
    rssMb: Math.round(m.maxRssKb / 1024),
    totalMs,
  };
  rows.push(row);
  console.error(`run ${run}: ${app.appId} ${JSON.stringify(row)}`);
}
hdfs.close();
const summary = {
  containers,
  runs,
  submitToRegisteredMs: median(rows.map((r) => r.registerMs)),
  askToRunningP50Ms: median(rows.map((r) => r.p50StartMs)),
  askToAllRunningMs: median(rows.map((r) => r.maxStartMs)),
  amPeakRssMb: median(rows.map((r) => r.rssMb)),
  submitToFinishedMs: median(rows.map((r) => r.totalMs)),
};
console.log(JSON.stringify(summary, null, 2));
