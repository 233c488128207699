/**
 * `npm run chaos`: the chaos suite. Runs a word count with a join and a sort (workload.ts) on the
 * real cluster HADOOP_CONF_DIR names, once per run, injecting one fault per run (faults.ts), and
 * checks each run's output and leftovers (checks.ts). Prints a table per fault and exits 1 if any
 * run was not exact or left something behind; failures' details go to stderr.
 *
 *   node dist/test/chaos/run.js --runs N [--faults a,b] [--seed S] [--input-mb M] [--burn-us U] [--max-delay-ms D]
 *
 * Without --max-delay-ms a first run without fault ('none') counts the tasks of the job's first
 * stage (the map stage, nearly all of its time), and each fault comes once a seeded number of tasks
 * (1 to all but one of those) finished, plus up to 1 s. With --max-delay-ms D, faults come up to D
 * ms after the first finished task. Everything random follows from the seed,
 * which is printed: `--seed` repeats a suite's choices (the cluster's timing still varies).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fetchAmStatus } from '../../client/am-status.js';
import { killApp } from '../../client/index.js';
import { clusterClients, spindle } from '../integration/cli-helpers.js';
import { repoRoot, testCluster, waitForHealthyCluster } from '../integration/cluster.js';
import { type CheckContext, checkLeftovers, checkOutput } from './checks.js';
import { FAULTS, type FaultName, faultSchedule, inject, type Injection } from './faults.js';
import { parseFlags } from './flags.js';
import { SeededRandom } from './random.js';
import { type RunOutcome, summaryTable } from './report.js';
import { generateData, JOB_SOURCE } from './workload.js';

/** When faults come: once 1 to `maxAfterTasks` tasks finished (seeded), then up to `maxDelayMs` (seeded). */
interface Moment {
  maxAfterTasks: number;
  maxDelayMs: number;
}

/** One run's result, with what went wrong. */
interface RunResult extends RunOutcome {
  appId: string;
  problems: string[];
  injection: Injection;
  /** Tasks of the job's first stage, by the AM's status (for the calibration run). */
  tasks?: number;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const cluster = testCluster();
  const clusterDir = dirname(cluster.confDir);
  const { config, rm, hdfs } = clusterClients();
  const random = new SeededRandom(flags.seed);
  const log = (m: string) => console.log(`[chaos] ${m}`);
  log(`seed ${flags.seed}, ${flags.runs} runs, faults ${flags.faults.join(', ')}; cluster ${cluster.confDir}`);

  const data = generateData(random.fork(), flags.inputMb * 1024 * 1024);
  const schedule = faultSchedule(random.fork(), flags.faults, flags.runs);
  const base = `/tmp/spindle-chaos-${flags.seed}-${Date.now().toString(36)}`;
  await hdfs.create(`${base}/input/text.txt`, data.text);
  await hdfs.create(`${base}/categories.csv`, data.categories);
  await hdfs.mkdirs(`${base}/out`);
  const local = mkdtempSync(join(tmpdir(), 'spindle-chaos-'));
  const job = join(local, 'chaos-job.mjs');
  writeFileSync(job, JOB_SOURCE);
  log(`input ${(data.text.length / 1048576).toFixed(1)} MiB in ${base}; ${data.expected.length} output lines expected`);

  const checks: CheckContext = { rm, hdfs, user: config.user, clusterDir, nodeManagers: cluster.nodeManagerHttp };
  const results: RunResult[] = [];

  /** One run of the job with `fault` (or none); `index` names its output. */
  const runOnce = async (index: number, fault: FaultName | 'none', runRandom: SeededRandom, moment: Moment): Promise<RunResult> => {
    const output = `${base}/out/run-${index}`;
    const marker = join(local, `run-${index}.marker`);
    const trigger = fault === 'task-throw' ? runRandom.pick(data.singles) : '-';
    const started = Date.now();
    let tasks: number | undefined;
    const afterTasks = 1 + runRandom.int(moment.maxAfterTasks);
    let injection: Promise<Injection> = Promise.resolve({ injected: fault === 'none', detail: 'no fault' });
    let appId = '';
    const run = await spindle(
      [
        'submit',
        ...['--executors', '2', '--executor-memory', '512m', '--max-attempts', '2', '--tags', 'spindle-chaos', '--name', `chaos-${fault}`],
        job,
        ...[`${base}/input`, `${base}/categories.csv`, output, marker, trigger, String(flags.burnMicros)],
      ],
      {
        timeoutMs: 900_000,
        onStderr: (all) => {
          const m = appId ? null : /(application_\d+_\d+) submitted/.exec(all);
          if (!m) return;
          appId = m[1]!;
          if (fault === 'none') {
            injection = countTasks(rm, appId).then((n) => {
              if (n !== undefined) tasks = n;
              return { injected: true, detail: 'no fault' };
            });
          } else {
            const context = { appId, rm, repoRoot, clusterDir, random: runRandom, afterTasks, maxDelayMs: moment.maxDelayMs, log };
            injection = inject(fault, context, started)
              .then((i) => (fault === 'task-throw' ? i : { ...i, detail: `${i.detail}; due after ${afterTasks} finished tasks` }))
              .catch((err) => ({ injected: false, detail: `injection failed: ${String(err)}` }));
          }
        },
      },
    );
    const seconds = (Date.now() - started) / 1000;
    const injected = await injection;
    await waitForHealthyCluster(180_000);
    const problems: string[] = [];
    if (!appId) {
      problems.push(`the CLI never said it submitted (exit ${run.code}): ${run.stderr.slice(-2000)}`);
      return { fault, exact: false, injected: injected.injected, seconds, appId, problems, injection: injected };
    }
    const report = await rm.application(appId);
    if (!['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) {
      problems.push(`the application is still ${report.state} after the CLI ended (exit ${run.code}); killing it`);
      await killApp({ rm, hdfs, user: config.user }, appId, 30_000).catch(() => {});
    }
    if (run.code !== 0 || report.finalStatus !== 'SUCCEEDED') {
      problems.push(
        `spindle submit exited ${run.code}, the application ${report.state}/${report.finalStatus}: ${report.diagnostics ?? ''}`,
      );
    }
    if (report.finalStatus === 'SUCCEEDED')
      problems.push(...(await checkOutput(checks, output, data.expected).catch((e) => [`output: ${e}`])));
    problems.push(...(await checkLeftovers(checks, appId)));
    if (fault === 'am-kill' && injected.injected && (await rm.attempts(appId)).length < 2)
      problems.push('the AM was killed but no attempt 2 ran');
    if (fault === 'task-throw' && !existsSync(marker)) problems.push(`no task met the trigger word ${trigger}: nothing was thrown`);
    if (problems.length > 0) {
      console.error(`[chaos] run ${index} (${fault}, ${appId}) FAILED:\n  ${problems.join('\n  ')}`);
      console.error(`[chaos] run ${index}: the last lines of spindle submit:\n${run.stderr.split('\n').slice(-40).join('\n')}`);
    }
    const outcome: RunResult = {
      fault,
      exact: problems.length === 0,
      injected: injected.injected,
      seconds,
      appId,
      problems,
      injection: injected,
    };
    if (tasks !== undefined) outcome.tasks = tasks;
    return outcome;
  };

  let moment: Moment = { maxAfterTasks: 1, maxDelayMs: flags.maxDelayMs ?? 0 };
  if (flags.maxDelayMs === undefined) {
    log('run 0: no fault (counts the map stage tasks for the fault moments)');
    const r = await runOnce(0, 'none', random.fork(), moment);
    results.push(r);
    moment = { maxAfterTasks: Math.max(1, (r.tasks ?? 2) - 1), maxDelayMs: 1000 };
    log(
      `run 0: ${r.appId} ${r.exact ? 'exact' : 'NOT EXACT'} in ${r.seconds.toFixed(1)} s, ${r.tasks ?? '?'} map tasks; ` +
        `faults come after 1 to ${moment.maxAfterTasks} finished tasks, plus up to ${moment.maxDelayMs} ms`,
    );
  }
  for (let i = 1; i <= flags.runs; i++) {
    const fault = schedule[i - 1]!;
    const r = await runOnce(i, fault, random.fork(), moment);
    results.push(r);
    const when = r.injection.atMs === undefined ? '' : ` at ${(r.injection.atMs / 1000).toFixed(1)} s`;
    log(
      `run ${i}/${flags.runs}: ${fault}${when} (${r.injection.detail}): ${r.appId} ${r.exact ? 'exact' : 'NOT EXACT'} in ${r.seconds.toFixed(1)} s`,
    );
  }

  console.log(`\nseed ${flags.seed}\n${summaryTable(results, ['none', ...FAULTS])}`);
  await hdfs.delete(base, { recursive: true }).catch(() => false);
  hdfs.close();
  rmSync(local, { recursive: true, force: true });
  return results.every((r) => r.exact) ? 0 : 1;
}

/**
 * The tasks of the application's first stage, by its AM status (polled every 200 ms until it ends).
 * The later stages of the chaos job (reduce, join, sort, save) take about a second together: a
 * moment drawn over all tasks would mostly fall at the very end.
 */
async function countTasks(rm: ReturnType<typeof clusterClients>['rm'], appId: string): Promise<number | undefined> {
  let tasks: number | undefined;
  for (;;) {
    const report = await rm.application(appId).catch(() => undefined);
    if (report && ['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) return tasks;
    const status =
      report?.trackingUrl && report.state === 'RUNNING' ? await fetchAmStatus(report.trackingUrl).catch(() => undefined) : undefined;
    tasks ??= status?.job?.stages?.find((s) => s.stageId === 0)?.tasks;
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[chaos] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
