import type { MapStatus, PlanAction, StagePlan, TaskStatus } from '../../protocols/driver-executor/index.js';
import { decodeValue, encodeValue } from '../../protocols/driver-executor/index.js';
import { Broadcast, type ShippedFn } from './closure.js';
import { TaskFailedError } from './errors.js';
import { MapOutputTracker } from './map-output-tracker.js';
import { PartitionIndex, type DatasetNode, type ShuffleInputFn } from './nodes.js';
import { FETCH_FAILED, type TaskScheduler } from './scheduler.js';
import { buildStages, shuffleWriteAction, stageBroadcasts, stageOrder, stagePlan, taskInputs, type Stage } from './stages.js';
import type { StagePayload } from './task-server.js';
import { errorMessage, toError } from '../../protocols/errors/index.js';

/**
 * The engine turns one action into work: it resolves the partitions of the plan, builds the
 * stages, hands the final stage's tasks to the scheduler, and gathers one outcome per partition.
 * Datasets and the Context call it; nothing here touches sockets or files.
 */

/** An action as the engine runs it: its kind and params, as executors get them, and the driver's side. */
export type EngineAction = PlanAction & {
  fns: ShippedFn[];
  /** For progress: "count", "saveAsTextFile /out", ... */
  label: string;
  /** Called once per partition with its accepted attempt (the output commit moves its file here). */
  onTaskSucceeded?: (partition: number, status: TaskStatus) => Promise<void>;
};

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

/** Times an action recomputes lost map output before it gives up. */
export const MAX_MAP_RECOMPUTES = 4;

export interface EngineOptions {
  scheduler: TaskScheduler;
  /** Progress lines (map output recomputed, ...). */
  log?: (message: string) => void;
  maxTaskAttempts: number;
  /** Told when a stage's plan is no longer needed on executors. */
  forgetStage?: (stageId: number) => void;
  now?: () => number;
}

export class Engine {
  readonly index = new PartitionIndex();
  readonly mapOutputs = new MapOutputTracker();
  private readonly prepared = new Map<number, Promise<void>>();
  private nextNodeId = 1;
  private nextShuffleId = 0;
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

  newShuffleId(): number {
    return this.nextShuffleId++;
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
    await this.prepareShuffles(node, new Set());
    const final = buildStages(node, () => this.nextStageId++, this.mapStages);
    const count = this.index.count(node);
    const parts = partitions ?? Array.from({ length: count }, (_, i) => i);
    const description = `${action.label} of ${lineage(node)}`;
    const job: JobRecord = { jobId: this.nextJobId++, description, stageIds: [final.id], state: 'running', startedAt: this.now() };
    this.jobs.push(job);
    if (this.jobs.length > 1000) this.jobs.splice(0, this.jobs.length - 1000);
    const plan = stagePlan(final, this.index, { ...action, fns: action.fns.map((f) => f.ref) }, description, action.label);
    const payload = this.payload(plan, final, action.fns);
    const results = new Map<number, PartitionOutcome>();
    try {
      for (let recomputes = 0; ; recomputes++) {
        try {
          for (const stage of stageOrder(final)) if (stage.kind === 'shuffle-map') await this.runMapStage(stage, job);
          const tasks = parts
            .filter((p) => !results.has(p))
            .map((p) => ({
              partition: p,
              hosts: this.index.preferredHosts(node, p),
              inputs: taskInputs(final, this.index, p, this.shuffleInput),
            }));
          await this.runTaskSet(final.id, description, tasks, payload, (partition, status, chunks) => {
            results.set(partition, { partition, status, chunks });
            return action.onTaskSucceeded?.(partition, status);
          });
          break;
        } catch (err) {
          if (!this.recoverFetchFailure(err, recomputes)) throw err;
        }
      }
      job.state = 'succeeded';
      return parts.map((p) => results.get(p)!);
    } catch (err) {
      job.state = 'failed';
      job.error = errorMessage(err);
      throw err;
    } finally {
      job.endedAt = this.now();
      this.options.forgetStage?.(final.id);
    }
  }

  /** An executor is gone: its map outputs are lost (recomputed when a stage needs them). */
  executorLost(executorId: string): void {
    const lost = this.mapOutputs.removeExecutor(executorId);
    if (lost > 0) this.options.log?.(`${lost} map output(s) on executor ${executorId} are lost; they are recomputed when needed`);
  }

  private readonly shuffleInput: ShuffleInputFn = (node, p) => this.mapOutputs.readInput(node.shuffle!.shuffleId, p);

  private payload(plan: StagePlan, stage: Stage, actionFns: readonly ShippedFn[]): StagePayload {
    return { plan, broadcasts: stageBroadcasts(stage, actionFns).map((id) => ({ id, data: this.broadcastBytes.get(id)! })) };
  }

  /** Runs each shuffle's `prepare` once (parents first): sortByKey's sampling job. */
  private async prepareShuffles(node: DatasetNode, seen: Set<number>): Promise<void> {
    if (seen.has(node.id)) return;
    seen.add(node.id);
    for (const p of node.parents) await this.prepareShuffles(p, seen);
    const dep = node.shuffle;
    if (node.op !== 'shuffle' || !dep?.prepare) return;
    let done = this.prepared.get(dep.shuffleId);
    if (!done) {
      done = dep.prepare();
      this.prepared.set(dep.shuffleId, done);
      done.catch(() => this.prepared.delete(dep.shuffleId));
    }
    await done;
  }

  /** Computes the map outputs of a shuffle that are missing (never computed, or lost). */
  private async runMapStage(stage: Stage, job: JobRecord): Promise<void> {
    const dep = stage.shuffle!;
    this.mapOutputs.register(dep.shuffleId, this.index.count(stage.root));
    const missing = this.mapOutputs.missing(dep.shuffleId);
    if (missing.length === 0) return;
    if (!job.stageIds.includes(stage.id)) job.stageIds.unshift(stage.id);
    const description = `shuffle ${dep.shuffleId} map side: ${lineage(stage.root)}`;
    const plan = stagePlan(stage, this.index, shuffleWriteAction(stage), description);
    const tasks = missing.map((p) => ({
      partition: p,
      hosts: this.index.preferredHosts(stage.root, p),
      inputs: taskInputs(stage, this.index, p, this.shuffleInput),
    }));
    try {
      await this.runTaskSet(
        stage.id,
        description,
        tasks,
        this.payload(plan, stage, stage.shuffleNode!.fns),
        (partition, status, _chunks, executorId) => {
          this.mapOutputs.add(dep.shuffleId, partition, executorId, decodeValue(status.result!) as MapStatus);
        },
      );
    } finally {
      this.options.forgetStage?.(stage.id);
    }
  }

  /**
   * A task failed because map output could not be fetched: forget that executor's outputs (and
   * those of executors no longer connected) so the next round recomputes them. False when the
   * error is something else, or recomputing has been tried often enough.
   */
  private recoverFetchFailure(err: unknown, recomputes: number): boolean {
    if (!(err instanceof TaskFailedError) || err.failure.errorName !== FETCH_FAILED) return false;
    if (recomputes >= MAX_MAP_RECOMPUTES || this.abortReason) return false;
    const named = /\[map output lost on executor (.+?)\]/.exec(err.failure.errorMessage)?.[1];
    const lost = new Set<string>();
    if (named !== undefined) lost.add(named);
    for (const id of this.mapOutputs.executors()) if (!this.options.scheduler.hasExecutor(id)) lost.add(id);
    let count = 0;
    for (const id of lost) count += this.mapOutputs.removeExecutor(id);
    this.options.log?.(`fetching map output failed (${[...lost].join(', ') || 'unknown executor'}): recomputing ${count} map output(s)`);
    return true;
  }

  private runTaskSet(
    stageId: number,
    description: string,
    tasks: { partition: number; hosts: string[]; inputs: Buffer }[],
    payload: StagePayload,
    onSucceeded: (partition: number, status: TaskStatus, chunks: Buffer[], executorId: string) => Promise<void> | void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
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
          succeeded: (partition, status, chunks, executorId) => {
            let done: Promise<void> | void;
            try {
              done = onSucceeded(partition, status, chunks, executorId);
            } catch (err) {
              fail(toError(err));
              return;
            }
            if (done) commits.push(done.catch((err: unknown) => fail(toError(err))));
          },
          completed: () => {
            void Promise.all(commits).then(() => {
              if (settled) return;
              settled = true;
              this.running.delete(fail);
              resolve();
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
