import type { CachedBlock, StagePlan, TaskErrorInfo, TaskInputs, TaskLaunch, TaskStatus } from '../protocols/driver-executor/index.js';
import { decodeValue } from '../protocols/driver-executor/index.js';
import { SpindleError } from '../protocols/errors/index.js';
import { TaskAccumulators } from './accumulators.js';
import { runAction, type ChunkSink } from './actions.js';
import { computePartition, inputsMap, prepareStage, type BatchStream, type PreparedStage } from './compute.js';
import type { Evaluate } from '../protocols/job-spec/index.js';
import { ClosureError, ExecutorBroadcast, FunctionBuilder } from './functions.js';
import type { BlockStore } from './block-store.js';
import { TaskScratch } from './scratch.js';
import { TaskMemory } from './task-memory.js';
import { SourceCache, type ExecutorFs } from './sources.js';
import type { ShuffleEnv } from './shuffle-writer.js';
import { newTaskCounters, taskMetricsWire, ThreadUsage, type TaskUsage } from './task-metrics.js';

/**
 * Runs tasks in this thread: keeps the stages and broadcasts the driver sent, computes a task's
 * partition, runs the action, and reports the outcome as a TaskStatus (never throws). One runner
 * per thread; an executor with several cores has one per worker thread.
 */

/** Longest stack trace sent back to the driver. */
export const MAX_STACK_CHARS = 8192;

/** What an executor needs from a runner (the in-thread runner or a pool of worker threads). */
export interface TaskRunnerLike {
  addBroadcast(id: number, data: Buffer): void;
  addStage(plan: StagePlan): void;
  forgetStage(stageId: number): void;
  /** Drops the cached partitions of a persisted dataset (unpersist). */
  dropBlocks(nodeId: number): void;
  run(task: TaskLaunch, sink: ChunkSink): Promise<TaskStatus>;
  cancel(tid: number): void;
  close(): Promise<void>;
}

class CancelledError extends Error {
  override readonly name = 'CancelledError';
}

export class TaskRunner implements TaskRunnerLike {
  private readonly plans = new Map<number, StagePlan>();
  private readonly prepared = new Map<number, PreparedStage>();
  private readonly broadcasts = new Map<number, ExecutorBroadcast>();
  private readonly cancelled = new Set<number>();
  private readonly builder: FunctionBuilder;
  private readonly cache = new SourceCache();
  /** This thread's CPU, GC and heap, per task (see task-metrics.ts for how overlapping tasks are attributed). */
  private readonly usage = new ThreadUsage();

  constructor(
    evaluate: Evaluate,
    private readonly fs: ExecutorFs,
    /** Where map output goes and how it is fetched; without it, shuffle stages fail. */
    private readonly shuffle?: ShuffleEnv,
    /** Cached partitions of persisted datasets; without it, they are computed every time. */
    private readonly blocks?: BlockStore,
  ) {
    this.builder = new FunctionBuilder(evaluate, (id) => {
      const b = this.broadcasts.get(id);
      if (!b) throw new Error(`broadcast ${id} has not reached this executor`);
      return b;
    });
  }

  addBroadcast(id: number, data: Buffer): void {
    this.broadcasts.set(id, new ExecutorBroadcast(id, data));
  }

  addStage(plan: StagePlan): void {
    this.plans.set(plan.stageId, plan);
  }

  forgetStage(stageId: number): void {
    this.plans.delete(stageId);
    this.prepared.delete(stageId);
  }

  cancel(tid: number): void {
    this.cancelled.add(tid);
  }

  dropBlocks(nodeId: number): void {
    void this.blocks?.drop(nodeId);
  }

  async close(): Promise<void> {
    this.usage.close();
  }

  async run(task: TaskLaunch, sink: ChunkSink): Promise<TaskStatus> {
    const started = performance.now();
    const usage = this.usage.start();
    const metrics = newTaskCounters();
    const stored: CachedBlock[] = [];
    // Scratch files (spill runs, large fetched segments and groups) live as long as the task.
    const shuffle = this.shuffle && {
      ...this.shuffle,
      scratch: new TaskScratch(this.shuffle.dir, `task_${task.tid}`),
      memory: new TaskMemory(this.shuffle.memoryBytes),
      counters: metrics,
    };
    try {
      const stage = this.stage(task.stageId);
      const ctx = {
        inputs: inputsMap(decodeValue(task.inputs) as TaskInputs),
        fs: this.fs,
        cache: this.cache,
        metrics,
        ...(shuffle ? { shuffle } : {}),
        ...(this.blocks ? { blocks: this.blocks, stored } : {}),
      };
      const accumulators = new TaskAccumulators();
      const outcome = await accumulators.run(() => {
        const stream = this.cancellable(task.tid, computePartition(stage, stage.plan.root, task.partition, ctx), usage);
        return runAction(stage, stream, task, this.fs, sink, shuffle);
      });
      return {
        tid: task.tid,
        succeeded: true,
        result: outcome.result,
        error: null,
        records: outcome.records,
        bytesRead: metrics.bytesRead,
        bytesWritten: outcome.bytesWritten,
        durationUs: Math.round((performance.now() - started) * 1000),
        blocks: stored,
        accumulators: accumulators.finish(),
        metrics: taskMetricsWire(metrics, await usage.finish()),
      };
    } catch (err) {
      return {
        tid: task.tid,
        succeeded: false,
        result: null,
        error: errorInfo(err),
        records: 0,
        bytesRead: metrics.bytesRead,
        bytesWritten: 0,
        durationUs: Math.round((performance.now() - started) * 1000),
        metrics: taskMetricsWire(metrics, await usage.finish()),
      };
    } finally {
      this.cancelled.delete(task.tid);
      // Scratch files live under the container's local dirs, which YARN removes with the application: a
      // failed clear costs disk until then, never the task's result.
      await shuffle?.scratch.clear().catch(() => {});
    }
  }

  private stage(stageId: number): PreparedStage {
    let s = this.prepared.get(stageId);
    if (s) return s;
    const plan = this.plans.get(stageId);
    if (!plan) throw new Error(`stage ${stageId} has not reached this executor`);
    s = prepareStage(plan, this.builder);
    this.prepared.set(stageId, s);
    return s;
  }

  /**
   * `stream`, failing with a CancelledError at the first batch (or pause) after the task is
   * cancelled; each batch also samples the thread's heap for the task's peak.
   */
  private cancellable(tid: number, stream: BatchStream, usage: TaskUsage): BatchStream {
    const check = (): void => {
      usage.sample();
      if (this.cancelled.has(tid)) throw new CancelledError(`task ${tid} was cancelled`);
    };
    const pushTo = stream.pushTo?.bind(stream);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const b of stream) {
          check();
          yield b;
        }
      },
      ...(pushTo && {
        async *pushTo(each: (x: unknown) => void, full: () => boolean) {
          for await (const _ of pushTo(each, full)) {
            check();
            yield;
          }
        },
      }),
    };
  }
}

/** Where this runtime's own code lives: stack frames in it are ours, not the user's. */
const RUNTIME_DIR = new URL('.', import.meta.url).href;

/**
 * A user's stack without the executor runtime's frames below their code (in the bundle, all of
 * the runtime is one file; in a build, one directory).
 */
export function userStack(stack: string): string {
  const lines = stack.split('\n');
  const kept = lines.filter(
    (line, i) =>
      i === 0 ||
      !/^\s+at /.test(line) ||
      !(line.includes(RUNTIME_DIR) || line.includes('(node:internal') || /^\s+at node:internal/.test(line)),
  );
  return kept.join('\n');
}

/** How an error travels back: USER for the job's own errors, CLOSURE and SYSTEM for ours. */
export function errorInfo(err: unknown): TaskErrorInfo {
  if (err instanceof Error) {
    const kind = err instanceof ClosureError ? 'CLOSURE' : err instanceof SpindleError ? 'SYSTEM' : 'USER';
    const full = err.stack ?? `${err.name}: ${err.message}`;
    const stack = (kind === 'SYSTEM' ? full : userStack(full)).slice(0, MAX_STACK_CHARS);
    return { kind, name: err.name, message: err.message, stack };
  }
  const text = typeof err === 'string' ? err : safeString(err);
  return { kind: 'USER', name: 'Error', message: `a non-Error value was thrown: ${text}`, stack: '' };
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
