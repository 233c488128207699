import { asObject, listOf, num, optNumber, optString, str, type JsonObject } from '../rm-rest/index.js';
import type { ExitKind } from '../yarn/index.js';
import { EXIT_STATUS_UNKNOWN } from '../yarn-model/index.js';
import type {
  AmContainerCounts,
  AmContainerEvent,
  AmJobProgress,
  AmLaunchedContainer,
  AmStageProgress,
  AmState,
  AmStatus,
  AmTimeline,
  ContainerListEntry,
} from './types.js';

/**
 * Reading the AM's status document and container list back. Lenient on purpose: it is our own
 * format, but an older or newer AM may add or drop fields, and once the AM has exited the RM proxy
 * answers a redirect or an HTML page instead. Missing numbers become 0 (exit statuses: unknown),
 * missing lists empty.
 */

/** The status document, or undefined when `body` is not one (no string `state`). */
export function parseAmStatus(body: unknown): AmStatus | undefined {
  const o = asObject(body);
  if (!o || typeof o.state !== 'string') return undefined;
  const c = asObject(o.containers);
  const job = parseJobProgress(o.job);
  return {
    appId: str(o, 'appId'),
    name: str(o, 'name'),
    state: str(o, 'state') as AmState,
    ...(c ? { containers: counts(c) } : {}),
    timeline: timeline(asObject(o.timeline)),
    events: listOf(o.events, 'event')
      .map(event)
      .filter((e) => e.containerId !== ''),
    launched: listOf(o.launched, 'container')
      .map(launched)
      .filter((l): l is AmLaunchedContainer => l !== undefined),
    ...(job ? { job } : {}),
  };
}

/**
 * A driver's progress snapshot, or undefined when it has no `stages` list. Fields beyond the
 * contract (jobs, executors, a stage's byte counts) are kept as they came.
 */
export function parseJobProgress(value: unknown): AmJobProgress | undefined {
  const o = asObject(value);
  if (!o || !Array.isArray(o.stages)) return undefined;
  return { ...o, stages: listOf(o.stages, 'stage').map(stage) };
}

/**
 * `containers.jsonl` → its entries, in file order. Lines that are not entries (a line cut short
 * when the AM died mid-write, or a truncated read) are skipped.
 */
export function parseContainerList(text: string): ContainerListEntry[] {
  const entries: ContainerListEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let o: JsonObject | undefined;
    try {
      o = asObject(JSON.parse(line));
    } catch {
      continue;
    }
    const containerId = optString(o, 'containerId');
    if (!o || !containerId) continue;
    if (o.event === 'started') {
      const l = launched(o);
      if (l) entries.push({ event: 'started', ...l });
    } else if (o.event === 'ended') {
      const node = optString(o, 'node');
      const http = optString(o, 'nodeHttpAddress');
      entries.push({
        event: 'ended',
        containerId,
        ...(node ? { node } : {}),
        ...(http ? { nodeHttpAddress: http } : {}),
        exitStatus: num(o, 'exitStatus', EXIT_STATUS_UNKNOWN),
        at: num(o, 'at'),
      });
    }
  }
  return entries;
}

/** One `containers.jsonl` line. */
export function formatContainerListEntry(entry: ContainerListEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

function timeline(t: JsonObject | undefined): AmTimeline {
  const out: AmTimeline = {};
  for (const key of ['amStarted', 'registered', 'firstContainerRunning'] as const) {
    const v = optNumber(t, key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function stage(g: JsonObject): AmStageProgress {
  return {
    ...g,
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
  const exitStatus = num(e, 'exitStatus', EXIT_STATUS_UNKNOWN);
  const host = optString(e, 'host');
  const node = optString(e, 'node');
  const http = optString(e, 'nodeHttpAddress');
  const name = optString(cls, 'name');
  return {
    containerId: str(e, 'containerId'),
    ...(host ? { host } : {}),
    ...(node ? { node } : {}),
    ...(http ? { nodeHttpAddress: http } : {}),
    exitStatus,
    classification: {
      // Kinds are ours; one this client does not know yet is passed on as it came.
      kind: str(cls, 'kind', 'invalid') as ExitKind,
      exitStatus: num(cls, 'exitStatus', exitStatus),
      ...(name ? { name } : {}),
      description: str(cls, 'description'),
      countsAsFailure: cls?.countsAsFailure === true,
    },
    diagnostics: str(e, 'diagnostics'),
  };
}

function launched(o: JsonObject): AmLaunchedContainer | undefined {
  const containerId = optString(o, 'containerId');
  const node = optString(o, 'node');
  if (!containerId || !node) return undefined;
  return { containerId, node, nodeHttpAddress: str(o, 'nodeHttpAddress'), at: num(o, 'at') };
}
