/**
 * Injecting faults into running jobs on the local test cluster: finding an executor's process (only
 * among this cluster's containers), and waiting for a state of the job its AM's status document
 * shows (the driver's snapshot: stages, and executors with the map outputs they hold).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { fetchAmStatus, type AmStatus } from '../../client/am-status.js';
import { testCluster } from './cluster.js';
import type { JobHarness } from './job-harness.js';

/** An executor as the driver's status lists it. */
export interface StatusExecutor {
  id: string;
  host: string;
  running: number;
  mapOutputs: number;
}

/** The executors of a status document (the driver's snapshot; informative, so checked here). */
export function statusExecutors(status: AmStatus): StatusExecutor[] {
  const list = status.job?.executors;
  return Array.isArray(list) ? (list as StatusExecutor[]) : [];
}

/** An executor's process, and which of the cluster's NodeManagers (1 or 2) runs its container. */
export interface ExecutorProcess {
  pid: number;
  nodeManager: number;
}

/**
 * The process of executor `executorId` of `appId`: the Node process started with `--executor-id
 * <id>` whose working directory is its container's, under this cluster's NodeManager directories
 * (`<cluster>/nm<i>/local/...`, so that nothing of another cluster on this machine is ever picked).
 */
export function executorProcess(appId: string, executorId: string): ExecutorProcess | undefined {
  const clusterDir = dirname(testCluster().confDir);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('--executor-id');
      if (at < 0 || args[at + 1] !== executorId) continue;
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const nm =
        cwd.startsWith(`${clusterDir}/nm`) && cwd.includes(`/${appId}/`) ? /^\/nm(\d+)\//.exec(cwd.slice(clusterDir.length)) : null;
      if (nm) return { pid: Number(entry), nodeManager: Number(nm[1]) };
    } catch {
      // A process that ended while we looked, or one we may not inspect.
    }
  }
  return undefined;
}

/**
 * Polls the AM's status document (through the RM's proxy, every 200 ms) until `check` returns a
 * value; throws if the application ends first or after `timeoutMs`. The document is the only
 * place the job's progress shows, so asking is the event here.
 */
export async function whenStatus<T>(
  h: JobHarness,
  appId: string,
  what: string,
  check: (status: AmStatus) => T | undefined,
  timeoutMs = 240_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await h.rm.application(appId);
    if (['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) {
      throw new Error(`${appId} ended (${report.state} ${report.finalStatus}) before ${what}: ${report.diagnostics ?? ''}`);
    }
    const status = report.trackingUrl ? await fetchAmStatus(report.trackingUrl).catch(() => undefined) : undefined;
    const found = status ? check(status) : undefined;
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in ${appId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a process is gone: no /proc entry, or a zombie (it has exited; only its reaping is left). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Waits (polling /proc every 100 ms: a process that is not our child has no exit event to await)
 * until process `pid` is gone; false if it is still there after `timeoutMs`. The NodeManager kills a
 * released container asynchronously (SIGTERM, then SIGKILL after its delay), so a container given
 * back during a job may outlive the job's end by a moment.
 */
export async function whenProcessGone(pid: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!processGone(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
