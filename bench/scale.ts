/**
 * `npm run bench:scale`: the driver and the AM at the scale of a real cluster, simulated in this
 * process (a benchmark, not a test). What runs is the real code: the task scheduler with its task
 * sets, pipelining and bookkeeping, the map output tracker with each reducer's fetch list, and the
 * allocator. What is fake is only what would be remote: executors answer every launch at once with
 * success (and, for map tasks, a map status), and a fake ResourceManager grants containers in
 * batches as heartbeats would, then reports them complete.
 *
 *   node dist/bench/scale.js [--executors 1000] [--sizes 10000,100000,1000000] [--reducers 200] [--containers 10000]
 *
 * For each size: a job of two stages, `size - reducers` map tasks that each leave a map output and
 * `reducers` reduce tasks that each get their fetch list from the tracker (so the shuffle
 * bookkeeping, maps × reducers sizes, is part of it), on `executors` executors of 2 cores. Prints
 * tasks per second, microseconds per task, and the driver heap it took (after a GC, with
 * --expose-gc, which the npm script passes); the ratio of µs per task between the largest and the
 * smallest size says whether cost grows linearly (1.0) or faster.
 */
import type { ContainerGrant, ContainerCompletion } from '../protocols/yarn/index.js';
import { Allocator, ASK_TAG } from '../appmaster/allocator.js';
import { MapOutputTracker } from '../appmaster/driver/map-output-tracker.js';
import { TaskScheduler, type ExecutorLink, type TaskSetListener, type TaskSetSpec } from '../appmaster/driver/scheduler.js';
import { encodeValue, type MapStatus, type TaskLaunch, type TaskStatus } from '../protocols/driver-executor/index.js';

interface Options {
  executors: number;
  sizes: number[];
  reducers: number;
  containers: number;
}

function parse(argv: readonly string[]): Options {
  const o: Options = { executors: 1000, sizes: [10_000, 100_000, 1_000_000], reducers: 200, containers: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    const whole = (v: string | undefined): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} takes a whole number >= 1 (got ${v ?? 'nothing'})`);
      return n;
    };
    switch (flag) {
      case '--executors':
        o.executors = whole(value);
        break;
      case '--reducers':
        o.reducers = whole(value);
        break;
      case '--containers':
        o.containers = whole(value);
        break;
      case '--sizes':
        o.sizes = (value ?? '').split(',').map(whole);
        break;
      default:
        throw new Error(
          `unknown option ${flag}; usage: node dist/bench/scale.js [--executors N] [--sizes a,b,c] [--reducers N] [--containers N]`,
        );
    }
  }
  for (const s of o.sizes) if (s <= o.reducers) throw new Error(`--sizes: ${s} is not more than --reducers ${o.reducers}`);
  return o;
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** An executor that completes whatever it is given, once the simulation loop gets to it. */
class InstantExecutor implements ExecutorLink {
  readonly hostAliases: string[];
  readonly cores = 2;
  readonly queue: { set: TaskSetSpec; task: TaskLaunch }[] = [];
  constructor(
    readonly id: string,
    readonly host: string,
  ) {
    this.hostAliases = [host];
  }
  launch(set: TaskSetSpec, tasks: TaskLaunch[]): void {
    for (const task of tasks) this.queue.push({ set, task });
  }
  cancel(): void {}
}

function success(tid: number): TaskStatus {
  return { tid, succeeded: true, result: null, error: null, records: 1, bytesRead: 0, bytesWritten: 0, durationUs: 1 };
}

interface StageRun {
  done: boolean;
  error?: Error;
}

function listener(run: StageRun): TaskSetListener {
  return {
    succeeded: () => {},
    completed: () => {
      run.done = true;
    },
    failed: (err) => {
      run.error = err;
    },
  };
}

/** Answers every queued launch, executor by executor (one status batch each), until the stage is done. */
function drive(
  scheduler: TaskScheduler,
  executors: InstantExecutor[],
  run: StageRun,
  onTask: (e: InstantExecutor, t: TaskLaunch) => void,
): void {
  while (!run.done) {
    if (run.error) throw run.error;
    let answered = 0;
    for (const e of executors) {
      if (e.queue.length === 0) continue;
      const batch = e.queue.splice(0);
      for (const { task } of batch) onTask(e, task);
      answered += batch.length;
      scheduler.statusUpdates(
        e.id,
        batch.map(({ task }) => success(task.tid)),
      );
    }
    if (answered === 0 && !run.done) throw new Error('the simulation stalled: nothing launched and the stage is not done');
  }
}

interface SchedulerRow {
  tasks: number;
  seconds: number;
  /** The map stage: scheduling, status handling and map output registration. */
  mapSeconds: number;
  /** Building the reducers' fetch lists from the tracker (maps × reducers entries). */
  fetchListSeconds: number;
  tasksPerSecond: number;
  usPerTask: number;
  heapMb: number;
}

function schedulerRun(executorCount: number, size: number, reducers: number): SchedulerRow {
  const before = heapMb();
  const t0 = performance.now();
  // No locality preferences and no waits: the real clock is never asked to wait.
  const scheduler = new TaskScheduler({ localityWaitMs: 0 });
  const executors = Array.from({ length: executorCount }, (_, i) => new InstantExecutor(String(i + 1), `host${i % 100}`));
  for (const e of executors) scheduler.addExecutor(e);
  const tracker = new MapOutputTracker();
  const maps = size - reducers;
  tracker.register(0, maps);
  const sizes = Array.from({ length: reducers }, () => 1024);

  const mapRun: StageRun = { done: false };
  const mapSet: TaskSetSpec = {
    stageId: 0,
    description: `shuffle 0 map side of range(${maps})`,
    tasks: Array.from({ length: maps }, (_, p) => ({ partition: p, hosts: [], inputs: Buffer.alloc(0) })),
    maxAttempts: 4,
    outputOnExecutor: true,
    payload: undefined,
  };
  scheduler.submit(mapSet, listener(mapRun));
  drive(scheduler, executors, mapRun, (e, t) => {
    const status: MapStatus = { address: `${e.host}:7337`, file: `shuffle_0_${t.partition}_${t.attempt}.data`, sizes };
    tracker.add(0, t.partition, e.id, status);
  });
  const mapSeconds = (performance.now() - t0) / 1000;
  const afterMaps = heapMb();
  const t1 = performance.now();

  const reduceRun: StageRun = { done: false };
  const reduceSet: TaskSetSpec = {
    stageId: 1,
    description: `collect of shuffle 0 (${reducers} partitions)`,
    // Each reduce task carries its fetch list, built from the tracker and encoded as the engine's taskInputs does.
    tasks: Array.from({ length: reducers }, (_, r) => ({
      partition: r,
      hosts: [],
      inputs: encodeValue([[1, r, tracker.readInput(0, r)]], `input of partition ${r}`),
    })),
    maxAttempts: 4,
    payload: undefined,
  };
  const fetchListSeconds = (performance.now() - t1) / 1000;
  scheduler.submit(reduceSet, listener(reduceRun));
  drive(scheduler, executors, reduceRun, () => {});
  // Wall time less the GC the heap measurement forced.
  const seconds = mapSeconds + (performance.now() - t1) / 1000;
  const peak = Math.max(afterMaps, heapMb()) - before;
  tracker.unregister(0);
  return {
    tasks: size,
    seconds,
    mapSeconds,
    fetchListSeconds,
    tasksPerSecond: size / seconds,
    usPerTask: (seconds * 1e6) / size,
    heapMb: peak,
  };
}

interface AllocatorRow {
  containers: number;
  heartbeats: number;
  seconds: number;
  usPerContainer: number;
  heapMb: number;
}

/** A fake RM: grants `perHeartbeat` containers per allocate until the ask is met, then completes them all. */
function allocatorRun(containers: number, perHeartbeat: number, nodes: number): AllocatorRow {
  const before = heapMb();
  const t0 = performance.now();
  const allocator = new Allocator({ resource: { memoryMb: 1024, vcores: 1 }, maxFailures: 10, replaceSucceeded: true });
  allocator.setTarget(containers);
  let asked = 0;
  let granted = 0;
  let heartbeats = 0;
  const live: ContainerGrant[] = [];
  const appAttemptId = { appId: { clusterTimestamp: 1796400000000, id: 1 }, attemptId: 1 };
  while (granted < containers) {
    heartbeats++;
    for (const ask of allocator.takeAsks()) asked = ask.count;
    const n = Math.min(perHeartbeat, asked, containers - granted);
    const grants: ContainerGrant[] = [];
    for (let i = 0; i < n; i++) {
      const seq = ++granted;
      grants.push({
        id: { appAttemptId, epoch: 0, sequence: seq, text: `container_1796400000000_0001_01_${String(seq).padStart(6, '0')}` },
        nodeId: { host: `node${seq % nodes}`, port: 8041 },
        nodeHttpAddress: `node${seq % nodes}:8042`,
        resource: { memoryMb: 1024, vcores: 1 },
        priority: 1,
        allocationRequestId: ASK_TAG,
        executionType: 'guaranteed',
        containerToken: { identifier: Buffer.alloc(0), password: Buffer.alloc(0), kind: 'ContainerToken', service: '' },
      });
    }
    asked -= n;
    for (const g of allocator.onAllocated(grants)) {
      allocator.onStarted(g.id.text);
      live.push(g);
    }
  }
  const afterGrants = heapMb();
  // The job ends: every container is given back, and the RM reports each one complete.
  allocator.setTarget(0);
  for (const g of live) allocator.release(g.id.text);
  allocator.takeReleases();
  const completions: ContainerCompletion[] = live.map((g) => ({
    containerId: g.id,
    state: 'complete',
    exitStatus: -105,
    diagnostics: 'Container killed by the ApplicationMaster.',
    executionType: 'guaranteed',
  }));
  for (let i = 0; i < completions.length; i += perHeartbeat) {
    heartbeats++;
    allocator.onCompleted(completions.slice(i, i + perHeartbeat));
  }
  const seconds = (performance.now() - t0) / 1000;
  if (allocator.counts().running !== 0) throw new Error(`allocator still counts ${allocator.counts().running} running containers`);
  return { containers, heartbeats, seconds, usPerContainer: (seconds * 1e6) / containers, heapMb: afterGrants - before };
}

function main(): void {
  const o = parse(process.argv.slice(2));
  if (!gc) console.error('(no --expose-gc: heap figures include garbage)');
  console.log(`driver scheduling: ${o.executors} executors of 2 cores, ${o.reducers} reducers, instant fake executors`);
  console.log('tasks       seconds   tasks/s     µs/task   map stage µs/task   fetch lists s   driver heap');
  const rows: SchedulerRow[] = [];
  // A small warm-up run so the first size is not charged for compilation.
  schedulerRun(Math.min(o.executors, 50), o.reducers + 2000, o.reducers);
  for (const size of o.sizes) {
    const r = schedulerRun(o.executors, size, o.reducers);
    rows.push(r);
    console.log(
      `${String(r.tasks).padEnd(11)} ${r.seconds.toFixed(2).padStart(7)}   ${Math.round(r.tasksPerSecond).toLocaleString('en').padStart(9)}   ` +
        `${r.usPerTask.toFixed(2).padStart(7)}   ${((r.mapSeconds * 1e6) / (r.tasks - o.reducers)).toFixed(2).padStart(17)}   ` +
        `${r.fetchListSeconds.toFixed(2).padStart(13)}   ${r.heapMb.toFixed(1).padStart(7)} MB`,
    );
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `µs per task at ${last.tasks.toLocaleString('en')} tasks / at ${first.tasks.toLocaleString('en')}: ${(last.usPerTask / first.usPerTask).toFixed(2)} ` +
      `(1.0 = linear); heap per task ${((last.heapMb * 2 ** 20) / last.tasks).toFixed(0)} B at the largest size`,
  );

  console.log(`\nallocator: a fake ResourceManager granting ${o.containers.toLocaleString('en')} containers on 1,000 nodes`);
  console.log('containers  per heartbeat  heartbeats  seconds   µs/container  heap');
  const allocRows: AllocatorRow[] = [];
  allocatorRun(1000, 500, 1000);
  for (const containers of [Math.max(1, Math.floor(o.containers / 10)), o.containers]) {
    const r = allocatorRun(containers, 500, 1000);
    allocRows.push(r);
    console.log(
      `${String(r.containers).padEnd(11)} ${'500'.padStart(13)}  ${String(r.heartbeats).padStart(10)}  ${r.seconds.toFixed(3).padStart(7)}   ${r.usPerContainer.toFixed(2).padStart(12)}  ${r.heapMb.toFixed(1)} MB`,
    );
  }
  const [a, b] = allocRows as [AllocatorRow, AllocatorRow];
  console.log(
    `µs per container at ${b.containers.toLocaleString('en')} / at ${a.containers.toLocaleString('en')}: ${(b.usPerContainer / a.usPerContainer).toFixed(2)} (1.0 = linear)`,
  );
}

main();
