import type { MapStatus, PlanAction, StagePlan, StorageLevel, TaskStatus } from '../../protocols/driver-executor/index.js';
import { decodeValue, encodeValue } from '../../protocols/driver-executor/index.js';
import { CacheTracker, executorLocality } from './cache-tracker.js';
import { AccumulatorRegistry } from './accumulators.js';
import { Broadcast, type ShippedFn } from './closure.js';
import { JobAbortedError, JobDefinitionError, TaskFailedError } from './errors.js';
import { actionKey, type ActionJournal } from './journal.js';
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
  /** Bytes its tasks read from input files (cached partitions read back count nothing). */
  inputBytes: number;
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
  /** Tells every executor to drop the cached partitions of a dataset (unpersist). */
  dropBlocks?: (nodeId: number) => void;
  now?: () => number;
  /** Results of actions, kept for a later attempt and replayed from an earlier one; absent: none. */
  journal?: ActionJournal;
  /** Told when an action (job) starts, with the stages of its graph, and when it ends (the event log). */
  events?: {
    jobStarted?(job: JobRecord, action: string, stageIds: number[]): void;
    jobEnded?(job: JobRecord): void;
  };
}

export class Engine {
  readonly index = new PartitionIndex();
  readonly mapOutputs = new MapOutputTracker();
  /** Persisted datasets and the executors holding their partitions. */
  readonly cache = new CacheTracker();
  /** The rack of each DataNode host, as HDFS named it in block locations (for the AM's container requests). */
  readonly hostRacks = new Map<string, string>();
  readonly accumulators = new AccumulatorRegistry();
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

  /**
   * Marks a dataset persisted at `level`: the next actions keep each of its partitions they compute
   * on the executor that computed it, and later tasks read them back. Throws if it is persisted at another level.
   */
  persist(node: DatasetNode, level: StorageLevel): void {
    const current = this.cache.level(node.id);
    if (current !== undefined && current !== level) {
      throw new JobDefinitionError(
        `persist: dataset ${node.id} (${node.label}) is already persisted as ${current}; unpersist() it before choosing ${level}`,
      );
    }
    this.cache.persist(node.id, level);
  }

  /** Stops keeping a dataset's partitions; every executor drops those it holds. */
  unpersist(node: DatasetNode): void {
    if (this.cache.level(node.id) === undefined) return;
    this.cache.unpersist(node.id);
    this.options.dropBlocks?.(node.id);
  }

  /** The number of partitions of a dataset (listing its inputs if needed). */
  async partitionCount(node: DatasetNode): Promise<number> {
    await this.index.resolve(node);
    return this.index.count(node);
  }

  /**
   * Runs `action` over `partitions` of `node` (default: all). Resolves with one outcome per
   * partition, in the order given. An action an earlier attempt of the application journaled is
   * not run again: its outcomes come from the journal (saves excepted; see journal.ts).
   */
  async run(node: DatasetNode, action: EngineAction, partitions?: number[]): Promise<PartitionOutcome[]> {
    const journal = this.options.journal;
    if (!journal || action.kind === 'save') return this.compute(node, action, partitions);
    if (this.abortReason) throw this.abortReason;
    const seq = journal.next();
    await this.index.resolve(node);
    const parts = partitions ?? Array.from({ length: this.index.count(node) }, (_, i) => i);
    const key = actionKey(node, action, parts);
    const replayed = journal.replay(seq, key, action.label);
    if (replayed) {
      const at = this.now();
      const description = `${action.label} of ${lineage(node)} (result journaled by an earlier attempt)`;
      this.jobs.push({ jobId: this.nextJobId++, description, stageIds: [], state: 'succeeded', startedAt: at, endedAt: at, inputBytes: 0 });
      this.options.log?.(`${action.label}: the result an earlier attempt of this application journaled; not computed again`);
      return replayed as PartitionOutcome[];
    }
    const outcomes = await this.compute(node, action, parts);
    journal.record(seq, key, action.label, outcomes);
    return outcomes;
  }

  private async compute(node: DatasetNode, action: EngineAction, partitions?: number[]): Promise<PartitionOutcome[]> {
    if (this.abortReason) throw this.abortReason;
    await this.index.resolve(node);
    await this.prepareShuffles(node, new Set());
    const final = buildStages(node, () => this.nextStageId++, this.mapStages);
    const count = this.index.count(node);
    const parts = partitions ?? Array.from({ length: count }, (_, i) => i);
    const description = `${action.label} of ${lineage(node)}`;
    const job: JobRecord = {
      jobId: this.nextJobId++,
      description,
      stageIds: [final.id],
      state: 'running',
      startedAt: this.now(),
      inputBytes: 0,
    };
    this.jobs.push(job);
    if (this.jobs.length > 1000) this.jobs.splice(0, this.jobs.length - 1000);
    this.options.events?.jobStarted?.(
      job,
      action.label,
      stageOrder(final).map((s) => s.id),
    );
    const typedAction = { ...action, fns: action.fns.map((f) => f.ref) };
    const plan = stagePlan(final, this.index, typedAction, description, action.label, (id) => this.cache.level(id));
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
              hosts: this.preferredHosts(node, p),
              inputs: taskInputs(final, this.index, p, this.shuffleInput),
            }));
          const parentIds = final.parents.map((p) => p.id);
          await this.runTaskSet(job, final.id, description, tasks, payload, false, parentIds, (partition, status, chunks) => {
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
      this.options.log?.(`job ${job.jobId} (${action.label}) succeeded: ${job.inputBytes} byte(s) of input read`);
      return parts.map((p) => results.get(p)!);
    } catch (err) {
      job.state = 'failed';
      job.error = errorMessage(err);
      throw err;
    } finally {
      job.endedAt = this.now();
      this.jobShuffles.delete(job.jobId);
      this.options.forgetStage?.(final.id);
      this.options.events?.jobEnded?.(job);
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
    const blocks = this.cache.removeExecutor(executorId);
    if (blocks > 0) {
      this.options.log?.(
        `${blocks} cached partition(s) on executor ${executorId} are lost; they are computed again from their lineage when needed`,
      );
    }
    const lost = this.mapOutputs.removeExecutor(executorId);
    if (lost > 0) {
      this.options.log?.(
        `${lost} map output(s) on executor ${executorId} are lost; they are computed again ` +
          '(at once if their map stage is running, else when a stage needs them)',
      );
    }
  }

  /**
   * Where partition `p` of `node` should run: on the executors holding it cached, or holding the
   * cached partition of a persisted dataset it is computed from one-to-one (the chain of narrow,
   * same-partition datasets above it); else on the hosts of its input. Only the holders: another
   * executor on their host would read the input again, so it gets the task only after the
   * scheduler's locality wait.
   */
  private preferredHosts(node: DatasetNode, p: number): string[] {
    for (let n: DatasetNode | undefined = node; n; n = n.parents.length === 1 && ONE_TO_ONE.has(n.op) ? n.parents[0] : undefined) {
      const holders = this.cache.level(n.id) !== undefined ? this.cache.holders(n.id, p) : [];
      if (holders.length > 0) return holders.map(executorLocality);
    }
    return this.index.preferredHosts(node, p);
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
    const plan = stagePlan(stage, this.index, shuffleWriteAction(stage), description, undefined, (id) => this.cache.level(id));
    const tasks = missing.map((p) => ({
      partition: p,
      hosts: this.preferredHosts(stage.root, p),
      inputs: taskInputs(stage, this.index, p, this.shuffleInput),
    }));
    try {
      await this.runTaskSet(
        job,
        stage.id,
        description,
        tasks,
        this.payload(plan, stage, stage.shuffleNode!.fns),
        true,
        stage.parents.map((p) => p.id),
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
    job: JobRecord,
    stageId: number,
    description: string,
    tasks: { partition: number; hosts: string[]; inputs: Buffer }[],
    payload: StagePayload,
    outputOnExecutor: boolean,
    parentIds: number[],
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
        { stageId, description, tasks, maxAttempts: this.options.maxTaskAttempts, outputOnExecutor, payload, jobId: job.jobId, parentIds },
        {
          succeeded: (partition, status, chunks, executorId) => {
            job.inputBytes += status.bytesRead;
            if (status.blocks && status.blocks.length > 0) this.cache.add(executorId, status.blocks);
            let done: Promise<void> | void;
            try {
              // The scheduler accepts one success per partition: this is where a task's updates count, once.
              this.accumulators.merge(status.accumulators, `partition ${partition} of stage ${stageId}`);
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

/** Ops whose partition p is made from partition p of their one parent alone. */
const ONE_TO_ONE: ReadonlySet<string> = new Set(['map', 'flatMap', 'filter', 'keyBy', 'mapValues', 'mapPartitions', 'sample']);
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
