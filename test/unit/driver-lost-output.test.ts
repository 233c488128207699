import { expect } from 'chai';
import { JobContext } from '../../appmaster/driver/context.js';
import { Engine } from '../../appmaster/driver/engine.js';
import { TaskScheduler, type ExecutorLink, type TaskSetSpec } from '../../appmaster/driver/scheduler.js';
import type { StagePayload } from '../../appmaster/driver/task-server.js';
import {
  decodeValue,
  encodeValue,
  type MapStatus,
  type ShuffleReadInput,
  type TaskInputs,
  type TaskLaunch,
  type TaskStatus,
} from '../../protocols/driver-executor/index.js';

/**
 * The engine and the scheduler when an executor is lost with map output on it, driven step by
 * step through fake executors. A fake map task "writes" a file named after its shuffle and map
 * partition on its executor; a fake reduce task fetches the files its input names, failing with a
 * fetch failure (as executor/shuffle-reader.ts does) when their executor is gone, and returns the
 * map partitions it read per shuffle. So a result is exact only if every reducer read every map
 * partition exactly once, from an executor that still had it.
 */

interface Queued {
  spec: TaskSetSpec;
  task: TaskLaunch;
}

class FakeExecutor implements ExecutorLink {
  readonly hostAliases: string[];
  readonly cores = 1;
  readonly queue: Queued[] = [];
  readonly files = new Set<string>();
  alive = true;
  constructor(
    readonly id: string,
    readonly host: string,
  ) {
    this.hostAliases = [host];
  }
  launch(spec: TaskSetSpec, tasks: TaskLaunch[]): void {
    for (const task of tasks) this.queue.push({ spec, task });
  }
  cancel(tids: number[]): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (tids.includes(this.queue[i]!.task.tid)) this.queue.splice(i, 1);
  }
}

const isMap = (spec: TaskSetSpec): boolean => (spec.payload as StagePayload).plan.action.kind === 'shuffle-write';

/** A fake cluster: executors by id, every task launched (per stage kind), the driver's log. */
class FakeCluster {
  readonly executors = new Map<string, FakeExecutor>();
  readonly mapLaunches: { stage: number; partition: number; executor: string }[] = [];
  readonly reduceLaunches: { stage: number; partition: number; executor: string }[] = [];
  readonly logs: string[] = [];
  readonly scheduler = new TaskScheduler({ localityWaitMs: 0 });
  readonly engine = new Engine({ scheduler: this.scheduler, maxTaskAttempts: 1, log: (m) => this.logs.push(m) });
  readonly ctx = new JobContext({
    engine: this.engine,
    fs: {} as never,
    appId: 'application_1_0001',
    user: 'u',
    defaultParallelism: 2,
    log: () => {},
  });

  add(id: string): FakeExecutor {
    const e = new FakeExecutor(id, `h${id}`);
    this.executors.set(id, e);
    this.scheduler.addExecutor(e);
    return e;
  }

  /** The executor dies with its files; the driver hears of it as the task server tells it. */
  lose(id: string): void {
    const e = this.executors.get(id)!;
    e.alive = false;
    e.files.clear();
    this.scheduler.removeExecutor(id);
    this.engine.executorLost(id);
  }

  /** Whether executor `id` has a task queued or running whose stage is a map stage (or not). */
  has(id: string, map: boolean): boolean {
    return this.executors.get(id)!.queue.some((q) => isMap(q.spec) === map);
  }

  /** Runs the next task queued on executor `id` and reports it; then lets the engine move on. */
  async step(id: string): Promise<void> {
    const e = this.executors.get(id)!;
    const { spec, task } = e.queue.shift()!;
    const inputs = decodeValue(task.inputs) as TaskInputs;
    (isMap(spec) ? this.mapLaunches : this.reduceLaunches).push({ stage: spec.stageId, partition: task.partition, executor: id });
    const status = isMap(spec) ? this.runMap(e, spec, task) : this.runReduce(e, task, inputs);
    this.scheduler.statusUpdates(id, [status]);
    await settle();
  }

  private runMap(e: FakeExecutor, spec: TaskSetSpec, task: TaskLaunch): TaskStatus {
    const plan = (spec.payload as StagePayload).plan;
    const file = `map-${plan.stageId}-${task.partition}-${task.tid}`;
    e.files.add(file);
    const status: MapStatus = { address: `${e.host}:1`, file, sizes: [1, 1, 1, 1, 1, 1, 1, 1] };
    return ok(task.tid, encodeValue(status, 'map status'));
  }

  private runReduce(e: FakeExecutor, task: TaskLaunch, inputs: TaskInputs): TaskStatus {
    const read: number[][] = [];
    for (const [, , input] of inputs) {
      const { sources } = input as ShuffleReadInput;
      const maps: number[] = [];
      for (const src of sources) {
        const from = this.executors.get(src.executorId)!;
        for (const f of src.files) {
          if (!from.alive || !from.files.has(f)) {
            return fetchFailed(task.tid, `fetch from ${src.address} failed [map output lost on executor ${src.executorId}]`);
          }
          maps.push(Number(f.split('-')[2]));
        }
      }
      read.push(maps.sort((x, y) => x - y));
    }
    this.scheduler.chunk(e.id, task.tid, encodeValue([[task.partition, read]], 'rows'));
    return ok(task.tid, null);
  }
}

function ok(tid: number, result: Buffer | null): TaskStatus {
  return { tid, succeeded: true, result, error: null, records: 1, bytesRead: 0, bytesWritten: 0, durationUs: 50_000 };
}

function fetchFailed(tid: number, message: string): TaskStatus {
  return {
    tid,
    succeeded: false,
    result: null,
    error: { kind: 'SYSTEM', name: 'FetchFailedError', message, stack: '' },
    records: 0,
    bytesRead: 0,
    bytesWritten: 0,
    durationUs: 1000,
  };
}

/** Lets promise chains (the engine between stages) run to their next wait. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every reducer once, each having read every map partition of each shuffle once. */
function expectExact(rows: [number, number[][]][], reducers: number, mapsPerShuffle: number[]): void {
  expect(rows.map(([r]) => r).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: reducers }, (_, i) => i));
  for (const [, read] of rows) expect(read).to.deep.equal(mapsPerShuffle.map((m) => Array.from({ length: m }, (_, i) => i)));
}

describe('lost map output (engine and scheduler, fake executors)', () => {
  it('reruns, in the running map stage, a map task whose executor was lost after finishing it', async () => {
    const c = new FakeCluster();
    c.add('1');
    c.add('2');
    const action = c.ctx
      .parallelize([1, 2, 3, 4, 5, 6], 6)
      .map((x) => [x, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 3)
      .collect() as unknown as Promise<[number, number[][]][]>;
    await settle();
    await c.step('1');
    await c.step('2');
    const onOne = c.mapLaunches.filter((l) => l.executor === '1').map((l) => l.partition);
    expect(onOne).to.have.length(1);
    // Executor 1 finished one map task (and had others queued); the map stage goes on without it.
    c.lose('1');
    expect(c.logs.some((l) => l.startsWith('1 map output(s) on executor 1 are lost; they are computed again'))).to.equal(true);
    c.add('3');
    while (c.has('2', true) || c.has('3', true)) for (const id of ['2', '3']) if (c.has(id, true)) await c.step(id);
    // The stage counted as done only once the lost output was there again.
    const map = c.scheduler.progress().find((p) => p.description.startsWith('shuffle'))!;
    expect(map).to.deep.include({ tasks: 6, succeeded: 6, resubmitted: 1, failedAttempts: 0, state: 'succeeded' });
    expect(c.mapLaunches.filter((l) => l.partition === onOne[0]).map((l) => l.executor)).to.have.length(2);
    while (c.has('2', false) || c.has('3', false)) for (const id of ['2', '3']) if (c.has(id, false)) await c.step(id);
    expectExact(await action, 3, [6]);
    expect(c.reduceLaunches).to.have.length(3);
    expect(c.logs.some((l) => l.startsWith('fetching map output failed'))).to.equal(false);
  });

  it('reruns only the lost map partitions when an executor is lost in the reduce stage, then the unfinished reducers', async () => {
    const c = new FakeCluster();
    c.add('1');
    c.add('2');
    const action = c.ctx
      .parallelize([1, 2, 3, 4, 5, 6, 7, 8], 4)
      .map((x) => [x, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 6)
      .collect() as unknown as Promise<[number, number[][]][]>;
    await settle();
    while (c.has('1', true) || c.has('2', true)) for (const id of ['1', '2']) if (c.has(id, true)) await c.step(id);
    const onTwo = c.mapLaunches.filter((l) => l.executor === '2').map((l) => l.partition);
    expect(onTwo.length).to.be.within(1, 3);
    // One reducer on each executor fetches everything and finishes; then executor 2 is lost.
    await c.step('1');
    await c.step('2');
    const finished = c.reduceLaunches.map((l) => l.partition);
    c.lose('2');
    c.add('3');
    const mapsBefore = c.mapLaunches.length;
    // The reducers left fail to fetch from executor 2; the map stage reruns exactly its partitions.
    for (let guard = 0; guard < 100 && (c.has('1', false) || c.has('1', true) || c.has('3', false) || c.has('3', true)); guard++) {
      for (const id of ['1', '3']) if (c.executors.get(id)!.queue.length > 0) await c.step(id);
    }
    expect(c.logs.some((l) => l.startsWith('fetching map output failed (2): its map output was already forgotten'))).to.equal(true);
    const rerun = c.mapLaunches.slice(mapsBefore).map((l) => l.partition);
    expect(rerun.sort()).to.deep.equal(onTwo.sort());
    const rows = await action;
    expectExact(rows, 6, [4]);
    // Reducers that finished before the loss did not run again.
    const succeededAfter = c.reduceLaunches.slice(2).map((l) => l.partition);
    for (const p of finished) expect(succeededAfter).to.not.include(p);
    const stages = c.scheduler.progress();
    expect(stages.filter((s) => s.description.startsWith('collect')).map((s) => s.state)).to.deep.equal(['failed', 'succeeded']);
  });

  it('recomputes output of a finished map stage lost while a sibling map stage ran, before the stage reading both', async () => {
    const c = new FakeCluster();
    c.add('1');
    c.add('2');
    const left = c.ctx
      .parallelize([1, 2, 3, 4], 4)
      .map((x) => [x, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 2);
    const right = c.ctx
      .parallelize([5, 6, 7], 3)
      .map((x) => [x, 1] as [number, number])
      .reduceByKey((a, b) => a + b, 2);
    const action = left.union(right).collect() as unknown as Promise<[number, number[][]][]>;
    await settle();
    // The first map stage runs to its end (4 tasks); the second starts, and executor 1 finishes one
    // of its tasks and is lost.
    while (c.mapLaunches.length < 4) for (const id of ['1', '2']) if (c.mapLaunches.length < 4 && c.has(id, true)) await c.step(id);
    const stageA = c.mapLaunches[0]!.stage;
    const lostOfA = c.mapLaunches.filter((l) => l.executor === '1').map((l) => l.partition);
    expect(lostOfA.length).to.be.within(1, 3);
    await c.step('1');
    const stageB = c.mapLaunches[4]!.stage;
    expect(stageB).to.not.equal(stageA);
    c.lose('1');
    c.add('3');
    while (c.has('2', true) || c.has('3', true)) for (const id of ['2', '3']) if (c.has(id, true)) await c.step(id);
    // Stage B reran its own lost task in its set; stage A reran exactly its lost partitions after.
    const rerunOfA = c.mapLaunches.filter((l, i) => i >= 4 && l.stage === stageA).map((l) => l.partition);
    expect(rerunOfA.sort()).to.deep.equal(lostOfA.sort());
    const progressB = c.scheduler.progress().filter((p) => p.stageId === stageB);
    expect(progressB.map((p) => [p.state, p.resubmitted])).to.deep.equal([['succeeded', 1]]);
    while (c.has('2', false) || c.has('3', false)) for (const id of ['2', '3']) if (c.has(id, false)) await c.step(id);
    const rows = await action;
    expect(rows.map(([r]) => r).sort()).to.deep.equal([0, 1, 2, 3]);
    for (const [r, read] of rows) expect(read).to.deep.equal([r < 2 ? [0, 1, 2, 3] : [0, 1, 2]]);
    expect(c.reduceLaunches).to.have.length(4);
    expect(c.logs.some((l) => l.startsWith('fetching map output failed'))).to.equal(false);
  });
});
