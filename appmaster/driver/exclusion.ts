import type { ExcludeOnFailure } from '../../protocols/job-spec/index.js';

/**
 * Exclusion on failure, with Spark's rules (TaskSetExcludelist and HealthTracker) as the anchor. A
 * node is the NodeManager an executor runs on (`host:port`, as YARN names nodes). Three levels:
 *
 * - task (soft): a task prefers executors where it failed fewer than maxTaskAttemptsPerExecutor
 *   times, on nodes where it failed fewer than maxTaskAttemptsPerNode times, while another executor
 *   can take it; else it is retried where it can run, up to the job's task attempts. Spark makes
 *   this exclusion hard and aborts a task set that then cannot run anywhere (after 120 s); here a
 *   task that fails everywhere ends with its attempts, as without exclusion.
 * - stage (hard): an executor on which stageMaxFailedTasksPerExecutor different tasks of a task set
 *   failed gets no more tasks of it; a node with stageMaxFailedExecutorsPerNode such executors
 *   neither.
 * - application (hard, for timeoutMs): when a task set succeeds, its failures per executor count
 *   towards the application's; an executor with appMaxFailedTasksPerExecutor failures within
 *   timeoutMs is excluded for timeoutMs, and a node with appMaxFailedExecutorsPerNode excluded
 *   executors (lost ones included, as in Spark) too. Expiry is checked lazily.
 *
 * Pure bookkeeping: time comes in as arguments, events go out as return values.
 */

/** A new exclusion, for the driver log (and, for application nodes, the AM). */
export interface ExclusionEvent {
  scope: 'stage' | 'application';
  kind: 'executor' | 'node';
  /** The executor's id, or the node. */
  id: string;
  /** The executor's node (the node itself for a node). */
  node: string;
  /** The stage of a stage-level exclusion. */
  stageId?: number;
  /** Why, in words: "2 failed tasks", "2 excluded executors". */
  reason: string;
}

interface ExecutorFailures {
  node: string;
  /** Indices of the tasks that failed on the executor. */
  tasks: Set<number>;
}

/** One task set's exclusions (Spark's TaskSetExcludelist). */
export class TaskSetExclusion {
  /** Per task index: failed attempts per executor, and per node. */
  private readonly onExecutor = new Map<number, Map<string, number>>();
  private readonly onNode = new Map<number, Map<string, number>>();
  private readonly byExecutor = new Map<string, ExecutorFailures>();
  private readonly executors = new Set<string>();
  private readonly executorsOnNode = new Map<string, Set<string>>();
  private readonly nodes = new Set<string>();

  constructor(
    private readonly settings: ExcludeOnFailure,
    private readonly stageId: number,
  ) {}

  /** Records a failed attempt of task `index`; returns the stage-level exclusions it causes. */
  taskFailed(index: number, executorId: string, node: string): ExclusionEvent[] {
    bump(this.onExecutor, index, executorId);
    bump(this.onNode, index, node);
    let f = this.byExecutor.get(executorId);
    if (!f) this.byExecutor.set(executorId, (f = { node, tasks: new Set() }));
    f.tasks.add(index);
    const s = this.settings;
    if (!s.enabled || this.executors.has(executorId) || f.tasks.size < s.stageMaxFailedTasksPerExecutor) return [];
    const events: ExclusionEvent[] = [];
    this.executors.add(executorId);
    events.push({ scope: 'stage', kind: 'executor', id: executorId, node, stageId: this.stageId, reason: `${f.tasks.size} failed tasks` });
    let onNode = this.executorsOnNode.get(node);
    if (!onNode) this.executorsOnNode.set(node, (onNode = new Set()));
    onNode.add(executorId);
    if (!this.nodes.has(node) && onNode.size >= s.stageMaxFailedExecutorsPerNode) {
      this.nodes.add(node);
      events.push({ scope: 'stage', kind: 'node', id: node, node, stageId: this.stageId, reason: `${onNode.size} excluded executors` });
    }
    return events;
  }

  /** Whether task `index` should prefer other executors to this one (soft; see the file comment). */
  taskAvoids(index: number, executorId: string, node: string): boolean {
    const s = this.settings;
    // Off, a task still prefers executors it has not failed on (the behaviour before exclusion).
    const perExecutor = s.enabled ? s.maxTaskAttemptsPerExecutor : 1;
    if ((this.onExecutor.get(index)?.get(executorId) ?? 0) >= perExecutor) return true;
    return s.enabled && (this.onNode.get(index)?.get(node) ?? 0) >= s.maxTaskAttemptsPerNode;
  }

  /** Why the executor may run no task of this set, or undefined. */
  excludes(executorId: string, node: string): string | undefined {
    if (this.nodes.has(node)) return `node ${node} is excluded for the stage`;
    if (this.executors.has(executorId)) return `${this.byExecutor.get(executorId)?.tasks.size} tasks failed on it in the stage`;
    return undefined;
  }

  /** Failed tasks per executor, handed to the application level once the set succeeded. */
  failures(): { executorId: string; node: string; tasks: number }[] {
    return [...this.byExecutor].map(([executorId, f]) => ({ executorId, node: f.node, tasks: f.tasks.size }));
  }
}

/** The application's exclusions (Spark's HealthTracker). */
export class ApplicationExclusion {
  /** Per executor: its node and the times of its failures that still count. */
  private readonly failureTimes = new Map<string, { node: string; times: number[] }>();
  private readonly executors = new Map<string, { node: string; until: number }>();
  private readonly nodes = new Map<string, number>();

  constructor(private readonly settings: ExcludeOnFailure) {}

  /** A task set succeeded: its failures count; returns the application-level exclusions they cause. */
  taskSetSucceeded(failures: readonly { executorId: string; node: string; tasks: number }[], now: number): ExclusionEvent[] {
    this.expire(now);
    const s = this.settings;
    const events: ExclusionEvent[] = [];
    for (const { executorId, node, tasks } of failures) {
      let f = this.failureTimes.get(executorId);
      if (!f) this.failureTimes.set(executorId, (f = { node, times: [] }));
      for (let i = 0; i < tasks; i++) f.times.push(now);
      if (this.executors.has(executorId) || f.times.length < s.appMaxFailedTasksPerExecutor) continue;
      this.executors.set(executorId, { node, until: now + s.timeoutMs });
      this.failureTimes.delete(executorId);
      events.push({ scope: 'application', kind: 'executor', id: executorId, node, reason: `${f.times.length} failed tasks` });
      const excludedHere = [...this.executors.values()].filter((e) => e.node === node).length;
      if (!this.nodes.has(node) && excludedHere >= s.appMaxFailedExecutorsPerNode) {
        this.nodes.set(node, now + s.timeoutMs);
        events.push({ scope: 'application', kind: 'node', id: node, node, reason: `${excludedHere} excluded executors` });
      }
    }
    return events;
  }

  /** Why the executor may run no task of the application now, or undefined. */
  excludes(executorId: string, node: string, now: number): string | undefined {
    const n = this.nodes.get(node);
    if (n !== undefined && n > now) return `node ${node} is excluded for the application`;
    const e = this.executors.get(executorId);
    if (e && e.until > now) return 'it is excluded for the application';
    return undefined;
  }

  /** Nodes excluded for the application now, sorted. */
  excludedNodes(now: number): string[] {
    this.expire(now);
    return [...this.nodes.keys()].sort();
  }

  private expire(now: number): void {
    for (const [id, e] of this.executors) if (e.until <= now) this.executors.delete(id);
    for (const [node, until] of this.nodes) if (until <= now) this.nodes.delete(node);
    const since = now - this.settings.timeoutMs;
    for (const [id, f] of this.failureTimes) {
      f.times = f.times.filter((t) => t > since);
      if (f.times.length === 0) this.failureTimes.delete(id);
    }
  }
}

function bump(counts: Map<number, Map<string, number>>, index: number, key: string): void {
  let m = counts.get(index);
  if (!m) counts.set(index, (m = new Map()));
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** The driver log's line for an exclusion. */
export function exclusionLine(e: ExclusionEvent, timeoutMs: number): string {
  const what = e.kind === 'executor' ? `executor ${e.id} on ${e.node}` : `node ${e.id}`;
  if (e.scope === 'stage') return `${what} is excluded for stage ${e.stageId} after ${e.reason} there`;
  const minutes = Math.round(timeoutMs / 60_000);
  const forHow = minutes >= 1 ? `${minutes} min` : `${Math.round(timeoutMs / 1000)} s`;
  return (
    `${what} is excluded for the application for ${forHow} after ${e.reason}` +
    (e.kind === 'node' ? '; the ApplicationMaster asks YARN for no more containers there' : '')
  );
}
