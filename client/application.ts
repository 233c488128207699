import type { AppReport, RmRestClient, YarnAppState } from '../protocols/rm-rest/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { stagingDirFor } from './staging.js';

/**
 * Following an application after submission: waiting for its end, killing it. Either way the client
 * makes sure the staging directory is gone once the application has ended (the AM removes it too, but
 * a killed AM may not get the chance).
 */

export const FINAL_STATES: readonly YarnAppState[] = ['FINISHED', 'FAILED', 'KILLED'];
export const DEFAULT_POLL_MS = 250;

export interface AppDeps {
  rm: RmRestClient;
  hdfs: WebHdfsClient;
  user: string;
}

export interface WaitForEndOptions {
  /** Called with each report whose state differs from the previous one. */
  onChange?: (report: AppReport) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Polls the RM until the application reaches a final state; returns the final report. */
export async function waitForEnd(deps: AppDeps, appId: string, options: WaitForEndOptions = {}): Promise<AppReport> {
  let last: string | undefined;
  for (;;) {
    const report = await deps.rm.application(appId);
    const key = `${report.state}/${report.finalStatus}`;
    if (key !== last) {
      last = key;
      options.onChange?.(report);
    }
    if (FINAL_STATES.includes(report.state)) {
      await removeStaging(deps, appId);
      return report;
    }
    if (options.signal?.aborted) return report;
    await new Promise((r) => setTimeout(r, options.pollMs ?? DEFAULT_POLL_MS));
  }
}

/** Kills the application (a no-op if it already ended) and removes its staging directory. */
export async function killApp(deps: AppDeps, appId: string, timeoutMs?: number): Promise<AppReport> {
  const report = await deps.rm.kill(appId, timeoutMs !== undefined ? { timeoutMs } : {});
  await removeStaging(deps, appId);
  return report;
}

/** Best effort: the AM removes it too, and a failure here must not hide the application's outcome. */
export async function removeStaging(deps: AppDeps, appId: string): Promise<void> {
  await deps.hdfs.delete(stagingDirFor(deps.user, appId), { recursive: true }).catch(() => false);
}
