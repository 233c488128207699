import type { MapStatus, PlanAction, StagePlan, TaskStatus } from '../../protocols/driver-executor/index.js';
import { decodeValue, encodeValue } from '../../protocols/driver-executor/index.js';
import { Broadcast, type ShippedFn } from './closure.js';
import { JobAbortedError, TaskFailedError } from './errors.js';
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

/**
 * Consecutive attempts of a stage that end in a fetch failure (or, for a map stage, whose output is
 * lost again before the stage reading it starts) before the action fails: Spark's
 * `spark.stage.maxConsecutiveAttempts`. A stage that succeeds starts counting again.
 */
export const MAX_CONSECUTIVE_STAGE_ATTEMPTS = 4;

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
  /** Per stage id: consecutive attempts that ended in a fetch failure or lost output. */
  private readonly stageFailures = new Map<number, number>();
  private readonly jobs: JobRecord[] = [];
  /** Per running action, the shuffles of its stage graph: their map outputs may still be read. */
  private readonly jobShuffles = new Map<number, number[]>();
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
    this.jobShuffles.set(job.jobId, shufflesOf(final));
    try {
      for (;;) {
        try {
          await this.computeParents(final, job);
          // Synchronous from here to the submit: no executor can be lost in between, so every
          // map output the tasks' fetch lists name is registered.
          const tasks = parts
            .filter((p) => !results.has(p))
            .map((p) => ({
              partition: p,
              hosts: this.index.preferredHosts(node, p),
              inputs: taskInputs(final, this.index, p, this.shuffleInput),
            }));
          await this.runTaskSet(final.id, description, tasks, payload, false, (partition, status, chunks) => {
            results.set(partition, { partition, status, chunks });
            return action.onTaskSucceeded?.(partition, status);
          });
          this.stageFailures.delete(final.id);
          break;
        } catch (err) {
          if (!this.recoverFetchFailure(err)) throw err;
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
      this.jobShuffles.delete(job.jobId);
      this.options.forgetStage?.(final.id);
    }
  }

  /**
   * Shuffles whose map outputs a running action may still read (any stage of its graph may yet run,
   * or run again): dynamic allocation keeps the executors holding them (Spark's shuffle tracking).
   */
  neededShuffles(): Set<number> {
    return new Set([...this.jobShuffles.values()].flat());
  }

  /** An executor is gone: its map outputs are lost (a running map stage reruns them; see TaskSetSpec.outputOnExecutor). */
  executorLost(executorId: string): void {
    const lost = this.mapOutputs.removeExecutor(executorId);
    if (lost > 0) {
      this.options.log?.(
        `${lost} map output(s) on executor ${executorId} are lost; they are computed again ` +
          '(at once if their map stage is running, else when a stage needs them)',
      );
    }
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

  /** The map partitions of a shuffle-map stage with no output (never computed, or lost). */
  private missingOutputs(stage: Stage): number[] {
    const shuffleId = stage.shuffle!.shuffleId;
    this.mapOutputs.register(shuffleId, this.index.count(stage.root));
    return this.mapOutputs.missing(shuffleId);
  }

  /**
   * Makes every map output `stage` reads available at once, computing what is missing (parents of
   * parents first, and only where needed). A map stage's outputs lost while it runs are rerun in its
   * own task set; outputs lost after it ended (while a sibling stage ran) are caught by the check
   * that starts each pass. `runs` counts the map stages run by this call.
   */
  private async computeParents(stage: Stage, job: JobRecord, runs = new Map<number, number>()): Promise<void> {
    for (;;) {
      const incomplete = stage.parents.filter((p) => this.missingOutputs(p).length > 0);
      if (incomplete.length === 0) return;
      for (const parent of incomplete) {
        const n = runs.get(parent.id) ?? 0;
        if (n >= MAX_CONSECUTIVE_STAGE_ATTEMPTS) {
          throw new JobAbortedError(
            `the map output of stage ${parent.id} (shuffle ${parent.shuffle!.shuffleId}) was lost after each of its ` +
              `${n} runs before the stage reading it could start; executors keep failing`,
          );
        }
        await this.computeParents(parent, job, runs);
        await this.runMapStage(parent, job);
        runs.set(parent.id, n + 1);
      }
    }
  }

  /** Computes the map outputs of a shuffle that are missing (its parents' outputs are all there). */
  private async runMapStage(stage: Stage, job: JobRecord): Promise<void> {
    const dep = stage.shuffle!;
    const missing = this.missingOutputs(stage);
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
        true,
        (partition, status, _chunks, executorId) => {
          this.mapOutputs.add(dep.shuffleId, partition, executorId, decodeValue(status.result!) as MapStatus);
        },
      );
      this.stageFailures.delete(stage.id);
    } finally {
      this.options.forgetStage?.(stage.id);
    }
  }

  /** Counts a failed attempt of stage `stageId`; true when that makes too many in a row. */
  private countFailure(stageId: number): boolean {
    const failures = (this.stageFailures.get(stageId) ?? 0) + 1;
    this.stageFailures.set(stageId, failures);
    return failures >= MAX_CONSECUTIVE_STAGE_ATTEMPTS;
  }

  /**
   * A task failed because map output could not be fetched: forget that executor's outputs (and
   * those of executors no longer connected) so that the next round recomputes them, and the failed
   * stage then runs its unfinished tasks again. False when the error is something else, or the
   * failed stage has had {@link MAX_CONSECUTIVE_STAGE_ATTEMPTS} such attempts in a row.
   */
  private recoverFetchFailure(err: unknown): boolean {
    if (!(err instanceof TaskFailedError) || err.failure.errorName !== FETCH_FAILED || this.abortReason) return false;
    if (this.countFailure(err.failure.stageId)) {
      this.options.log?.(
        `stage ${err.failure.stageId} could not fetch map output in ${MAX_CONSECUTIVE_STAGE_ATTEMPTS} attempts in a row; the action fails`,
      );
      return false;
    }
    const named = /\[map output lost on executor (.+?)\]/.exec(err.failure.errorMessage)?.[1];
    const lost = new Set<string>();
    if (named !== undefined) lost.add(named);
    for (const id of this.mapOutputs.executors()) if (!this.options.scheduler.hasExecutor(id)) lost.add(id);
    let count = 0;
    for (const id of lost) count += this.mapOutputs.removeExecutor(id);
    // Zero when the driver already knew the executor was lost (its outputs went then).
    const forgotten = count > 0 ? `${count} more map output(s) forgotten` : 'its map output was already forgotten';
    this.options.log?.(
      `fetching map output failed (${[...lost].join(', ') || 'unknown executor'}): ${forgotten}; ` +
        `stage ${err.failure.stageId} runs its unfinished tasks again once the missing map output is recomputed`,
    );
    return true;
  }

  private runTaskSet(
    stageId: number,
    description: string,
    tasks: { partition: number; hosts: string[]; inputs: Buffer }[],
    payload: StagePayload,
    outputOnExecutor: boolean,
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
        { stageId, description, tasks, maxAttempts: this.options.maxTaskAttempts, outputOnExecutor, payload },
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

/** The shuffles the stages of `final`'s graph write. */
function shufflesOf(final: Stage): number[] {
  return stageOrder(final).flatMap((s) => (s.shuffle ? [s.shuffle.shuffleId] : []));
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
