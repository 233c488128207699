import { type AmStatus, fetchAmStatus } from '../../client/am-status.js';
import type { RmRestClient } from '../../protocols/rm-rest/index.js';
import { amProcess, clusterScript, executorProcesses } from './processes.js';
import type { SeededRandom } from './random.js';

/**
 * The faults the chaos suite injects, one per run, and how each is injected into a running job.
 * Every fault but task-throw is injected from outside at a seeded moment: once the application is
 * RUNNING and its AM's status shows a seeded number of finished tasks (a point in the job's progress,
 * whatever the machine's load), then after a seeded delay. task-throw is armed at submission: the job throws on the first attempt to meet a word
 * that occurs once, at a seeded place in the input.
 */
export const FAULTS = ['executor-kill', 'nodemanager-restart', 'am-kill', 'datanode-restart', 'rm-restart', 'task-throw'] as const;
export type FaultName = (typeof FAULTS)[number];

/** Parses a `--faults a,b` list; throws naming the unknown one. */
export function parseFaults(list: string): FaultName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(FAULTS as readonly string[]).includes(n)) throw new Error(`unknown fault '${n}' (known: ${FAULTS.join(', ')})`);
  }
  if (names.length === 0) throw new Error(`--faults needs at least one of: ${FAULTS.join(', ')}`);
  return [...new Set(names)] as FaultName[];
}

/**
 * The fault of each run: the chosen faults in a seeded random order, reshuffled every round, so
 * that any `runs` consecutive to a multiple of the fault count covers each fault equally.
 */
export function faultSchedule(random: SeededRandom, faults: readonly FaultName[], runs: number): FaultName[] {
  const out: FaultName[] = [];
  while (out.length < runs) out.push(...random.shuffle(faults));
  return out.slice(0, runs);
}

export interface InjectionContext {
  appId: string;
  rm: RmRestClient;
  repoRoot: string;
  /** SPINDLE_CLUSTER_DIR of the cluster: processes and daemons are picked there only. */
  clusterDir: string;
  random: SeededRandom;
  /** The fault is due once this many tasks finished (1: as soon as the driver has started work)... */
  afterTasks: number;
  /** ...and then after a seeded delay of up to this long. */
  maxDelayMs: number;
  log: (message: string) => void;
}

/** What happened: the fault and when (ms after the submission), or why it was not injected. */
export interface Injection {
  injected: boolean;
  detail: string;
  atMs?: number;
}

const FINAL = ['FINISHED', 'FAILED', 'KILLED'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `appId` has finished `afterTasks` tasks (its AM status, all stages), then a seeded
 * delay; resolves false if the application ended first.
 */
async function untilWorking(c: InjectionContext): Promise<boolean> {
  for (;;) {
    const report = await c.rm.application(c.appId).catch(() => undefined);
    if (report && FINAL.includes(report.state)) return false;
    const status =
      report?.state === 'RUNNING' && report.trackingUrl ? await fetchAmStatus(report.trackingUrl).catch(() => undefined) : undefined;
    if (finishedTasks(status) >= Math.max(1, c.afterTasks)) break;
    await sleep(200);
  }
  await sleep(Math.floor(c.random.next() * c.maxDelayMs));
  const report = await c.rm.application(c.appId).catch(() => undefined);
  return !(report && FINAL.includes(report.state));
}

/** Tasks finished so far over all stages of the job, by the AM's status document (0 without one). */
export function finishedTasks(status: AmStatus | undefined): number {
  return (status?.job?.stages ?? []).reduce((n, s) => n + s.succeeded, 0);
}

/** Injects `fault` into the running application (task-throw: nothing to do now, it was armed). */
export async function inject(fault: FaultName, c: InjectionContext, submittedAt: number): Promise<Injection> {
  if (fault === 'task-throw') return { injected: true, detail: 'armed at submission' };
  if (!(await untilWorking(c))) return { injected: false, detail: 'the application ended before the fault was due' };
  const atMs = Date.now() - submittedAt;
  switch (fault) {
    case 'executor-kill': {
      const executors = executorProcesses(c.clusterDir, c.appId);
      if (executors.length === 0) return { injected: false, detail: 'no executor process was running' };
      const victim = c.random.pick(executors);
      process.kill(victim.pid, 'SIGKILL');
      return {
        injected: true,
        atMs,
        detail: `SIGKILL executor ${victim.executorId} (pid ${victim.pid}, nodemanager${victim.nodeManager})`,
      };
    }
    case 'am-kill': {
      const attempts = await c.rm.attempts(c.appId);
      const current = attempts[attempts.length - 1];
      const am = current?.containerId ? amProcess(c.clusterDir, c.appId, current.containerId) : undefined;
      if (!am) return { injected: false, detail: `no AM process found for attempt ${current?.id ?? '?'}` };
      process.kill(am.pid, 'SIGKILL');
      return { injected: true, atMs, detail: `SIGKILL AM of attempt ${current!.id} (pid ${am.pid}, nodemanager${am.nodeManager})` };
    }
    case 'nodemanager-restart': {
      const daemon = c.random.pick(['nodemanager1', 'nodemanager2']);
      const downMs = 1000 + c.random.int(7000);
      await restart(c, daemon, downMs);
      return { injected: true, atMs, detail: `${daemon} stopped, started again ${downMs} ms later` };
    }
    case 'datanode-restart':
      await restart(c, 'datanode', 0);
      return { injected: true, atMs, detail: 'datanode stopped and started again' };
    case 'rm-restart':
      await restart(c, 'resourcemanager', 0);
      return { injected: true, atMs, detail: 'resourcemanager stopped and started again' };
  }
}

async function restart(c: InjectionContext, daemon: string, downMs: number): Promise<void> {
  c.log(`stopping ${daemon}`);
  await clusterScript(c.repoRoot, c.clusterDir, 'stop', daemon);
  if (downMs > 0) await sleep(downMs);
  c.log(`starting ${daemon}`);
  await clusterScript(c.repoRoot, c.clusterDir, 'start', daemon);
}
