/**
 * What the benchmark asks YARN about a finished run: which application it was, where its time went
 * (the ResourceManager's own timestamps, the same for every tool), the AM container's logs, and
 * killing what an aborted run left behind.
 */
import type { AppReport, RmRestClient } from '../../protocols/rm-rest/index.js';
import { errorMessage } from '../../protocols/errors/index.js';

const APP_ID = /application_\d+_\d+/;

/** The first application id in a line of output, if any. */
export function appIdIn(text: string): string | undefined {
  return APP_ID.exec(text)?.[0];
}

/**
 * Where a run's wall time went, in ms, from the RM's timestamps: the client before the RM knew the
 * application, RM accept to AM container launch, AM launch to the application's end, and the
 * client's time after the end (noticing it, cleaning up, JVM shutdown).
 */
export interface Phases {
  client_before_submit: number;
  submit_to_am_launch: number;
  am_launch_to_end: number;
  client_after_end: number;
}

/** Phases of a run that started at `startedAt` and exited at `endedAt` (epoch ms, this host's clock). */
export function phasesOf(report: AppReport, startedAt: number, endedAt: number): Phases | undefined {
  if (!report.launchTime || !report.finishedTime) return undefined;
  return {
    client_before_submit: report.startedTime - startedAt,
    submit_to_am_launch: report.launchTime - report.startedTime,
    am_launch_to_end: report.finishedTime - report.launchTime,
    client_after_end: endedAt - report.finishedTime,
  };
}

/** The application a run started: its id from the output, else the newest one carrying `tag`. */
export async function findApp(rm: RmRestClient, output: string, tag?: string): Promise<string | undefined> {
  const fromOutput = appIdIn(output);
  if (fromOutput) return fromOutput;
  if (!tag) return undefined;
  const apps = await rm.list({ tags: [tag] });
  return apps.sort((a, b) => b.startedTime - a.startedTime)[0]?.id;
}

/** The AM container of `appId` (first attempt) and the NodeManager it ran on. */
export async function amContainer(rm: RmRestClient, appId: string): Promise<{ containerId: string; nodeHttpAddress: string } | undefined> {
  const [attempt] = await rm.attempts(appId);
  if (!attempt?.containerId || !attempt.nodeHttpAddress) return undefined;
  return { containerId: attempt.containerId, nodeHttpAddress: attempt.nodeHttpAddress };
}

/**
 * One log file (e.g. "stdout", "stderr") of the AM container, through the NodeManager's web services;
 * the cluster keeps logs on the node (no aggregation), so this works after the application ended.
 */
export async function amLog(rm: RmRestClient, appId: string, file: string): Promise<string> {
  const am = await amContainer(rm, appId);
  if (!am) throw new Error(`${appId}: the RM reports no AM container`);
  const url = `http://${am.nodeHttpAddress}/ws/v1/node/containerlogs/${am.containerId}/${file}`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

/** The `metrics {...}` line Spindle's AM prints on exit (appmaster/app-master.ts). */
export interface SpindleAmMetrics {
  amStarted?: number;
  registered?: number;
  firstAsk?: number;
  firstContainerRunning?: number;
  containerStartMs?: number[];
  maxRssKb?: number;
}

/** The metrics line in a Spindle AM's stderr, or undefined when there is none. */
export function parseAmMetrics(stderr: string): SpindleAmMetrics | undefined {
  const line = stderr.split('\n').find((l) => l.includes(' metrics {') || l.startsWith('metrics {'));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(line.indexOf('{'))) as SpindleAmMetrics;
  } catch {
    return undefined;
  }
}

/**
 * Spindle's own startup timeline in ms since the RM accepted the application: AM process started,
 * registered with the RM, first container ask, first container running.
 */
export function spindleTimeline(report: AppReport, m: SpindleAmMetrics): Record<string, number> {
  const t0 = report.startedTime;
  const out: Record<string, number> = {};
  if (report.launchTime) out.am_container_launched = report.launchTime - t0;
  if (m.amStarted) out.am_process_started = m.amStarted - t0;
  if (m.registered) out.am_registered = m.registered - t0;
  if (m.firstAsk) out.first_ask = m.firstAsk - t0;
  if (m.firstContainerRunning) out.first_container_running = m.firstContainerRunning - t0;
  if (report.finishedTime) out.app_finished = report.finishedTime - t0;
  return out;
}

/** Kills `appId` if it is still running; never throws (used while aborting). */
export async function killQuietly(rm: RmRestClient, appId: string): Promise<void> {
  try {
    const report = await rm.application(appId);
    if (['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) return;
    console.error(`killing ${appId} (${report.name}), left running by an aborted run`);
    await rm.kill(appId, { timeoutMs: 30_000 });
  } catch (err) {
    console.error(`could not kill ${appId}: ${errorMessage(err)}`);
  }
}
