import { asObject, listOf, num, optNumber, optString, str, type JsonObject } from '../protocols/rm-rest/index.js';
import { EXIT_STATUS_UNKNOWN } from '../protocols/yarn/index.js';

/**
 * The AM's own status document, served at its tracking URL and reached through the RM's web proxy
 * (`http://<rm>/proxy/<appId>/`). Read leniently: it is our AM's format, but an older or newer AM
 * may add or drop fields, and once the AM has exited the proxy answers a redirect to the RM's
 * application page instead.
 *
 *   {"appId":…,"state":"running","containers":{"target":2,"pending":0,"launching":0,"running":2,
 *    "succeeded":0,"failed":0,"lost":0},"timeline":{"amStarted":…,"registered":…,
 *    "firstContainerRunning":…},"events":[{"containerId":…,"host":"localhost","exitStatus":0,
 *    "classification":{"kind":"success",…,"description":"container exited normally"},"diagnostics":""}]}
 */

export interface AmContainerCounts {
  target: number;
  pending: number;
  launching: number;
  running: number;
  succeeded: number;
  failed: number;
  lost: number;
}

/** A container that finished, as the AM reports it. */
export interface AmContainerEvent {
  containerId: string;
  /** Host of its NodeManager (not the port: several NodeManagers may share a host). */
  host?: string;
  /** The NodeManager's web address, when the AM reports it. */
  nodeHttpAddress?: string;
  exitStatus: number;
  /** classifyExit's kind: success, failed, killed-memory, ... */
  kind?: string;
  description: string;
  diagnostics: string;
}

/** One stage of a job, as the driver reports it (`job.stages[]`). */
export interface AmStageProgress {
  stageId: number;
  description: string;
  tasks: number;
  succeeded: number;
  running: number;
  failedAttempts: number;
  state: string;
  records: number;
}

export interface AmStatus {
  state: string;
  containers?: AmContainerCounts;
  /** A job's stages, newest last (job applications only). */
  stages?: AmStageProgress[];
  timeline: { amStarted?: number; registered?: number; firstContainerRunning?: number };
  events: AmContainerEvent[];
}

/** The status document, or undefined when `body` is not one. */
export function parseAmStatus(body: unknown): AmStatus | undefined {
  const o = asObject(body);
  if (!o || typeof o.state !== 'string') return undefined;
  const c = asObject(o.containers);
  const t = asObject(o.timeline);
  const job = asObject(o.job);
  return {
    state: str(o, 'state'),
    ...(c ? { containers: counts(c) } : {}),
    ...(job ? { stages: listOf(job.stages, 'stage').map(stage) } : {}),
    timeline: {
      ...optional('amStarted', optNumber(t, 'amStarted')),
      ...optional('registered', optNumber(t, 'registered')),
      ...optional('firstContainerRunning', optNumber(t, 'firstContainerRunning')),
    },
    events: listOf(o.events, 'event').map(event).filter((e) => e.containerId !== ''),
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function stage(g: JsonObject): AmStageProgress {
  return {
    stageId: num(g, 'stageId'),
    description: str(g, 'description'),
    tasks: num(g, 'tasks'),
    succeeded: num(g, 'succeeded'),
    running: num(g, 'running'),
    failedAttempts: num(g, 'failedAttempts'),
    state: str(g, 'state'),
    records: num(g, 'records'),
  };
}

function counts(c: JsonObject): AmContainerCounts {
  return {
    target: num(c, 'target'),
    pending: num(c, 'pending'),
    launching: num(c, 'launching'),
    running: num(c, 'running'),
    succeeded: num(c, 'succeeded'),
    failed: num(c, 'failed'),
    lost: num(c, 'lost'),
  };
}

function event(e: JsonObject): AmContainerEvent {
  const cls = asObject(e.classification);
  const host = optString(e, 'host');
  const http = optString(e, 'nodeHttpAddress');
  const kind = optString(cls, 'kind');
  return {
    containerId: str(e, 'containerId'),
    ...(host ? { host } : {}),
    ...(http ? { nodeHttpAddress: http } : {}),
    exitStatus: num(e, 'exitStatus', EXIT_STATUS_UNKNOWN),
    ...(kind ? { kind } : {}),
    description: str(cls, 'description'),
    diagnostics: str(e, 'diagnostics'),
  };
}

/** Default time allowed for one status request. */
export const AM_STATUS_TIMEOUT_MS = 3_000;

/**
 * GETs the status through the RM proxy. Undefined when the AM is not (or no longer) there: the proxy
 * then answers a redirect or an HTML page, or nothing at all. Never throws.
 */
export async function fetchAmStatus(trackingUrl: string, timeoutMs = AM_STATUS_TIMEOUT_MS): Promise<AmStatus | undefined> {
  try {
    const res = await fetch(trackingUrl, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('json')) {
      await res.body?.cancel();
      return undefined;
    }
    return parseAmStatus(await res.json());
  } catch {
    return undefined;
  }
}
