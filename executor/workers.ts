import { Worker, parentPort, workerData } from 'node:worker_threads';
import { EXECUTOR_HEARTBEAT_MS, type StagePlan, type TaskLaunch, type TaskStatus } from '../protocols/driver-executor/index.js';
import type { ChunkSink } from './actions.js';
import type { BlockStore } from './block-store.js';
import { threadHeap, type ThreadHeap } from './executor-metrics.js';
import { TaskRunner, type TaskRunnerLike } from './runner.js';
import type { ExecutorFs } from './sources.js';
import type { Evaluate } from '../protocols/job-spec/index.js';
import type { ShuffleEnv } from './shuffle-writer.js';

/**
 * `--executor-cores` above 1: tasks run in worker threads, one per core, each with its own copy of
 * the job module and its own task runner. The main thread keeps the connection to the driver and
 * hands each task to the least busy worker; stages and broadcasts go to every worker. Each worker
 * keeps the cached partitions it computed: a task on another worker of the same executor computes
 * the partition again (and keeps a copy).
 */

/** What a worker thread is started with (workerData). */
export interface WorkerSetup {
  role: 'spindle-task-worker';
  jobPath: string;
  nameNodes: string[];
  hdfsUser: string;
  /** Local mode: plain paths are this machine's files (executor/job-fs.ts). */
  localMode?: boolean;
  /** Shuffle directory, block server address and budget; the secret and id for fetching. */
  shuffle?: { dir: string; address: string; memoryBytes: number; secret: Uint8Array; executorId: string };
  /** Cached partitions: each worker keeps its own in `dir`/thread-<id>, within `memoryBytes`. */
  cache?: { dir: string; memoryBytes: number };
  /** The HDFS delegation token on a Kerberized cluster (URL string form); fresh ones follow as `tokens`. */
  delegationToken?: string;
}

type ToWorker =
  | { kind: 'broadcast'; id: number; data: Uint8Array }
  | { kind: 'stage'; plan: StagePlan }
  | { kind: 'forget'; stageId: number }
  | { kind: 'drop'; nodeId: number }
  | { kind: 'run'; task: TaskLaunch }
  | { kind: 'cancel'; tid: number }
  | { kind: 'tokens'; hdfs: string }
  | { kind: 'commitAnswer'; tid: number; allowed: boolean };

type FromWorker =
  | { kind: 'chunk'; tid: number; data: Uint8Array }
  | { kind: 'commitAsk'; tid: number }
  | { kind: 'status'; status: TaskStatus; heap: ThreadHeap }
  /** The worker's heap, every heartbeat period while its event loop turns (and with each status). */
  | { kind: 'heap'; heap: ThreadHeap }
  | { kind: 'ready' };

interface Slot {
  worker: Worker;
  running: Set<number>;
  /** Its heap as it last reported it. */
  heap?: ThreadHeap;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class WorkerPool implements TaskRunnerLike {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { slot: Slot; sink: ChunkSink; resolve: (s: TaskStatus) => void }>();

  /** `oldSpaceMb`: each worker thread's heap limit (every isolate would otherwise get the process's whole limit). */
  constructor(entry: URL, count: number, setup: Omit<WorkerSetup, 'role'>, oldSpaceMb?: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(entry, {
        workerData: { role: 'spindle-task-worker', ...setup } satisfies WorkerSetup,
        ...(oldSpaceMb ? { resourceLimits: { maxOldGenerationSizeMb: oldSpaceMb } } : {}),
      });
      const slot: Slot = { worker, running: new Set() };
      worker.on('message', (m: FromWorker) => this.onMessage(m, slot));
      const fail = (why: string): void => {
        for (const tid of [...slot.running]) {
          this.settle(tid, {
            tid,
            succeeded: false,
            result: null,
            error: { kind: 'SYSTEM', name: 'WorkerError', message: `the task's worker thread ${why}`, stack: '' },
            records: 0,
            bytesRead: 0,
            bytesWritten: 0,
            durationUs: 0,
          });
        }
      };
      worker.on('error', (err) => fail(`failed: ${err.stack ?? err.message}`));
      worker.on('exit', (code) => fail(`exited with code ${code}`));
      this.slots.push(slot);
    }
  }

  addBroadcast(id: number, data: Buffer): void {
    this.post({ kind: 'broadcast', id, data });
  }

  addStage(plan: StagePlan): void {
    this.post({ kind: 'stage', plan });
  }

  /** A fresh HDFS delegation token for every worker's WebHDFS client. */
  useTokens(hdfs: string): void {
    this.post({ kind: 'tokens', hdfs });
  }

  forgetStage(stageId: number): void {
    this.post({ kind: 'forget', stageId });
  }

  dropBlocks(nodeId: number): void {
    this.post({ kind: 'drop', nodeId });
  }

  run(task: TaskLaunch, sink: ChunkSink): Promise<TaskStatus> {
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.running.size < slot.running.size) slot = s;
    slot.running.add(task.tid);
    return new Promise((resolve) => {
      this.waiting.set(task.tid, { slot, sink, resolve });
      slot.worker.postMessage({ kind: 'run', task } satisfies ToWorker);
    });
  }

  cancel(tid: number): void {
    this.waiting.get(tid)?.slot.worker.postMessage({ kind: 'cancel', tid } satisfies ToWorker);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private post(m: ToWorker): void {
    for (const s of this.slots) s.worker.postMessage(m);
  }

  /** The worker threads' heaps summed, as each last reported (a worker busy in a long synchronous task reports late). */
  workerHeaps(): ThreadHeap {
    const sum = { usedBytes: 0, limitBytes: 0 };
    for (const s of this.slots) {
      sum.usedBytes += s.heap?.usedBytes ?? 0;
      sum.limitBytes += s.heap?.limitBytes ?? 0;
    }
    return sum;
  }

  private onMessage(m: FromWorker, slot: Slot): void {
    if (m.kind === 'heap') {
      slot.heap = m.heap;
    } else if (m.kind === 'chunk') {
      void this.waiting.get(m.tid)?.sink.chunk(asBuffer(m.data));
    } else if (m.kind === 'commitAsk') {
      const w = this.waiting.get(m.tid);
      if (!w) return;
      void (w.sink.askCommit?.() ?? Promise.resolve(true)).then((allowed) =>
        w.slot.worker.postMessage({ kind: 'commitAnswer', tid: m.tid, allowed } satisfies ToWorker),
      );
    } else if (m.kind === 'status') {
      slot.heap = m.heap;
      const s = m.status;
      const accumulators = s.accumulators?.map((u) => ({ id: u.id, value: asBuffer(u.value) }));
      this.settle(s.tid, { ...s, result: s.result ? asBuffer(s.result) : null, ...(accumulators ? { accumulators } : {}) });
    }
  }

  private settle(tid: number, status: TaskStatus): void {
    const w = this.waiting.get(tid);
    if (!w) return;
    this.waiting.delete(tid);
    w.slot.running.delete(tid);
    w.resolve(status);
  }
}

/** Whether this thread was started as a task worker. */
export function isTaskWorker(): boolean {
  return parentPort !== null && (workerData as Partial<WorkerSetup> | undefined)?.role === 'spindle-task-worker';
}

/** The worker thread's loop: a TaskRunner fed by the main thread. */
export function serveWorker(
  evaluate: Evaluate,
  fs: ExecutorFs,
  shuffle: ShuffleEnv | undefined,
  onTokens: (hdfs: string) => void,
  blocks?: BlockStore,
): void {
  const port = parentPort!;
  const runner = new TaskRunner(evaluate, fs, shuffle, blocks);
  const commitAsks = new Map<number, (allowed: boolean) => void>();
  const reportHeap = setInterval(() => port.postMessage({ kind: 'heap', heap: threadHeap() } satisfies FromWorker), EXECUTOR_HEARTBEAT_MS);
  reportHeap.unref();
  port.postMessage({ kind: 'heap', heap: threadHeap() } satisfies FromWorker);
  port.on('message', (m: ToWorker) => {
    switch (m.kind) {
      case 'broadcast':
        runner.addBroadcast(m.id, asBuffer(m.data));
        return;
      case 'stage':
        runner.addStage(fixPlan(m.plan));
        return;
      case 'forget':
        runner.forgetStage(m.stageId);
        return;
      case 'drop':
        runner.dropBlocks(m.nodeId);
        return;
      case 'cancel':
        runner.cancel(m.tid);
        return;
      case 'tokens':
        onTokens(m.hdfs);
        return;
      case 'commitAnswer':
        commitAsks.get(m.tid)?.(m.allowed);
        commitAsks.delete(m.tid);
        return;
      case 'run': {
        const task = { ...m.task, inputs: asBuffer(m.task.inputs) };
        const sink: ChunkSink = {
          chunk: async (data) => port.postMessage({ kind: 'chunk', tid: task.tid, data } satisfies FromWorker),
          askCommit: () =>
            new Promise<boolean>((resolve) => {
              commitAsks.set(task.tid, resolve);
              port.postMessage({ kind: 'commitAsk', tid: task.tid } satisfies FromWorker);
            }),
        };
        void runner.run(task, sink).then((status) => port.postMessage({ kind: 'status', status, heap: threadHeap() } satisfies FromWorker));
        return;
      }
    }
  });
}

/** Buffers arrive as Uint8Arrays after postMessage; the decoders want Buffers. */
function fixPlan(plan: StagePlan): StagePlan {
  const fn = (f: StagePlan['action']['fns'][number]): typeof f => ({ ...f, env: f.env ? asBuffer(f.env) : null });
  return {
    ...plan,
    nodes: plan.nodes.map((n) => ({ ...n, params: n.params ? asBuffer(n.params) : null, fns: n.fns.map(fn) })),
    action: { ...plan.action, params: plan.action.params ? asBuffer(plan.action.params) : null, fns: plan.action.fns.map(fn) },
  };
}
