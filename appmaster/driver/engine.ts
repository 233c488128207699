import type { TaskStatus } from '../../protocols/driver-executor/index.js';
import { encodeValue } from '../../protocols/driver-executor/index.js';
import type { ActionKind } from '../../executor/index.js';
import { Broadcast, type ShippedFn } from './closure.js';
import { JobDefinitionError } from './errors.js';
import { PartitionIndex, type DatasetNode } from './nodes.js';
import type { TaskScheduler } from './scheduler.js';
import { buildStages, stageBroadcasts, stageOrder, stagePlan, taskInputs, type Stage } from './stages.js';
import type { StagePayload } from './task-server.js';

/**
 * The engine turns one action into work: it resolves the partitions of the plan, builds the
 * stages, hands the final stage's tasks to the scheduler, and gathers one outcome per partition.
 * Datasets and the Context call it; nothing here touches sockets or files.
 */

/** An action as the engine runs it. */
export interface EngineAction {
  kind: ActionKind;
  fns: ShippedFn[];
  params?: unknown;
  /** For progress: "count", "saveAsTextFile /out", ... */
  label: string;
  /** Called once per partition with its accepted attempt (the output commit moves its file here). */
  onTaskSucceeded?: (partition: number, status: TaskStatus) => Promise<void>;
}

export interface PartitionOutcome {
  partition: number;
  status: TaskStatus;
  chunks: Buffer[];
}

export interface JobRecord {
  jobId: number;
  description: string;
  stageIds: number[];
  state: 'running' | 'succeeded' | 'failed';
  startedAt: number;
  endedAt?: number;
  error?: string;
}

export interface EngineOptions {
  scheduler: TaskScheduler;
  maxTaskAttempts: number;
  /** Told when a stage's plan is no longer needed on executors. */
  forgetStage?: (stageId: number) => void;
  now?: () => number;
}

export class Engine {
  readonly index = new PartitionIndex();
  private nextNodeId = 1;
  private nextStageId = 0;
  private nextJobId = 0;
  private nextBroadcastId = 1;
  private readonly broadcastBytes = new Map<number, Buffer>();
  private readonly mapStages = new Map<number, Stage>();
  private readonly jobs: JobRecord[] = [];
  private readonly running = new Set<(err: Error) => void>();
  private abortReason: Error | undefined;
  private readonly now: () => number;

  constructor(private readonly options: EngineOptions) {
    this.now = options.now ?? Date.now;
  }

  newNodeId(): number {
    return this.nextNodeId++;
  }

  /** Serializes the value once; executors receive it with the first stage that uses it. */
  broadcast<T>(value: T): Broadcast<T> {
    const id = this.nextBroadcastId++;
    this.broadcastBytes.set(id, encodeValue(value, `broadcast value ${id}`));
    return new Broadcast(id, value);
  }

  /** Actions started so far (the last 100), for the status page. */
  jobRecords(): JobRecord[] {
    return this.jobs.slice(-100);
  }

  /** Fails every running action and every later one (executors are gone for good, or a kill). */
  abort(reason: Error): void {
    this.abortReason ??= reason;
    for (const fail of [...this.running]) fail(reason);
  }

  /** The number of partitions of a dataset (listing its inputs if needed). */
  async partitionCount(node: DatasetNode): Promise<number> {
    await this.index.resolve(node);
    return this.index.count(node);
  }

  /**
   * Runs `action` over `partitions` of `node` (default: all). Resolves with one outcome per
   * partition, in the order given.
   */
  async run(node: DatasetNode, action: EngineAction, partitions?: number[]): Promise<PartitionOutcome[]> {
    if (this.abortReason) throw this.abortReason;
    await this.index.resolve(node);
    const final = buildStages(node, () => this.nextStageId++, this.mapStages);
    for (const stage of stageOrder(final)) {
      if (stage.kind !== 'result') throw new JobDefinitionError('shuffle stages are not supported by this version of the driver');
    }
    const count = this.index.count(node);
    const parts = partitions ?? Array.from({ length: count }, (_, i) => i);
    const description = `${action.label} of ${lineage(node)}`;
    const job: JobRecord = { jobId: this.nextJobId++, description, stageIds: [final.id], state: 'running', startedAt: this.now() };
    this.jobs.push(job);
    if (this.jobs.length > 1000) this.jobs.splice(0, this.jobs.length - 1000);
    const plan = stagePlan(
      final,
      this.index,
      {
        kind: action.kind,
        fns: action.fns.map((f) => f.ref),
        params: action.params === undefined ? null : encodeValue(action.params, `parameters of ${action.label}`),
      },
      description,
    );
    const payload: StagePayload = {
      plan,
      broadcasts: stageBroadcasts(final, action.fns).map((id) => ({ id, data: this.broadcastBytes.get(id)! })),
    };
    const tasks = parts.map((p) => ({ partition: p, hosts: this.index.preferredHosts(node, p), inputs: taskInputs(final, this.index, p) }));
    try {
      const out = await this.runTaskSet(final.id, description, tasks, payload, action);
      job.state = 'succeeded';
      return parts.map((p) => out.get(p)!);
    } catch (err) {
      job.state = 'failed';
      job.error = (err as Error).message;
      throw err;
    } finally {
      job.endedAt = this.now();
      this.options.forgetStage?.(final.id);
    }
  }

  private runTaskSet(
    stageId: number,
    description: string,
    tasks: { partition: number; hosts: string[]; inputs: Buffer }[],
    payload: StagePayload,
    action: EngineAction,
  ): Promise<Map<number, PartitionOutcome>> {
    return new Promise((resolve, reject) => {
      const results = new Map<number, PartitionOutcome>();
      const commits: Promise<void>[] = [];
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        this.running.delete(fail);
        handle.cancel();
        // Let commits in flight finish before the caller aborts the output.
        void Promise.allSettled(commits).then(() => reject(err));
      };
      this.running.add(fail);
      const handle = this.options.scheduler.submit(
        { stageId, description, tasks, maxAttempts: this.options.maxTaskAttempts, payload },
        {
          succeeded: (partition, status, chunks) => {
            results.set(partition, { partition, status, chunks });
            if (action.onTaskSucceeded) commits.push(action.onTaskSucceeded(partition, status).catch((err: Error) => fail(err)));
          },
          completed: () => {
            void Promise.all(commits).then(() => {
              if (settled) return;
              settled = true;
              this.running.delete(fail);
              resolve(results);
            });
          },
          failed: (err) => fail(err),
        },
      );
      if (this.abortReason) fail(this.abortReason);
    });
  }
}

/** "textFile /in → filter → map", shortened for progress lines. */
export function lineage(node: DatasetNode): string {
  const chain: string[] = [];
  let n: DatasetNode | undefined = node;
  while (n && chain.length < 8) {
    chain.unshift(n.label);
    n = n.parents.length === 1 ? n.parents[0] : undefined;
  }
  if (n) chain.unshift('...');
  return chain.join(' → ');
}

