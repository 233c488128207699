/**
 * Per-task metrics (issue #20 item 4): what executors measure (spill, shuffle bytes, fetch wait,
 * records, CPU, GC, heap), carried on protocol 5's TaskStatus into the event log's TaskEnd and
 * StageCompleted totals, and shown by `spindle history`. Jobs run on the real driver runtime and
 * executors in this process (job-local.ts).
 */
import { expect } from 'chai';
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { taskMetrics } from '../../appmaster/driver/event-recorder.js';
import { formatHistory } from '../../client/cli/history-format.js';
import { ThreadUsage, threadCpuMicros } from '../../executor/index.js';
import {
  acceptExecutor,
  decodePreamble,
  encodeMessage,
  encodePreamble,
  FrameDecoder,
  PROTOCOL_VERSION,
  type Message,
  type TaskStatus,
} from '../../protocols/driver-executor/index.js';
import { MESSAGE_SCHEMAS, SHARED_SCHEMAS } from '../../protocols/driver-executor/schemas.js';
import { AuthenticationError } from '../../protocols/errors/index.js';
import { decodeEventLog, EventLogWriter, summarizeEvents, type EventLogSink, type LogEvent } from '../../protocols/event-log/index.js';
import { runLocalJob } from './job-local.js';
import { socketPair } from './socket-pair.js';

function memoryLog(): { writer: EventLogWriter; events: () => LogEvent[] } {
  let text = '';
  const sink: EventLogSink = {
    async write(t) {
      text += t;
    },
  };
  return { writer: new EventLogWriter(sink), events: () => decodeEventLog(text).events };
}

type TaskEnd = Extract<LogEvent, { type: 'TaskEnd' }>;
const taskEnds = (events: LogEvent[], stageId: number): TaskEnd[] =>
  events.filter((e): e is TaskEnd => e.type === 'TaskEnd' && e.stageId === stageId && e.succeeded);

describe('task metrics: measured by executors, in the event log', function () {
  this.timeout(60_000);

  it('a word count whose map side spills: spill bytes, records in and out, shuffle bytes written = read', async () => {
    const log = memoryLog();
    const job = await runLocalJob(
      `export default async (ctx) => {
        const words = ctx.parallelize(Array.from({ length: 20000 }, (_, i) => 'word' + (i % 3000)), 4);
        const counts = await words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, { partitions: 3 }).collect();
        return counts.length;
      };`,
      // Tiny shuffle budgets: map tasks spill runs, and the reduce side spills combiners too.
      { eventLog: log.writer, shuffleMemoryBytes: 4096 },
    );
    expect(job.error).to.equal(undefined);
    expect(job.result).to.equal(3000);
    const events = log.events();
    const [mapStage, reduceStage] = summarizeEvents(events).stages;
    const maps = taskEnds(events, mapStage!.id);
    const reduces = taskEnds(events, reduceStage!.id);
    expect(maps).to.have.length(4);
    expect(reduces).to.have.length(3);
    for (const t of [...maps, ...reduces]) {
      const m = t.metrics!;
      expect(m.cpuMs, 'cpuMs').to.be.greaterThan(0);
      expect(m.peakHeapBytes, 'peakHeapBytes').to.be.greaterThan(0);
      expect(m.gcMs, 'gcMs').to.be.at.least(0);
    }
    // Every map task went past its 4 KiB budget: its runs went to disk.
    for (const t of maps) expect(t.metrics!.spillBytes, `map ${t.partition} spill`).to.be.greaterThan(0);
    // Records in: the parallelized words; out of the map side: one pair each.
    expect(maps.reduce((a, t) => a + t.metrics!.recordsIn!, 0)).to.equal(20_000);
    expect(mapStage!.totals).to.deep.include({ recordsIn: 20_000, recordsOut: 20_000, bytesOut: 0 });
    // What the reducers fetched is exactly what the maps wrote for them.
    const written = mapStage!.totals!.shuffleBytesWritten!;
    expect(written).to.be.greaterThan(0);
    expect(reduceStage!.totals!.shuffleBytesRead).to.equal(written);
    expect(maps.reduce((a, t) => a + t.metrics!.shuffleBytesWritten!, 0)).to.equal(written);
    expect(reduceStage!.totals!.shuffleBytesWritten).to.equal(0);
    expect(mapStage!.totals!.shuffleBytesRead).to.equal(0);
    // The reduce side's records in are its merged keys, one per word.
    expect(reduceStage!.totals).to.deep.include({ recordsIn: 3000, recordsOut: 3000 });
    expect(reduceStage!.totals!.shuffleFetchWaitMs).to.be.at.least(0);
    // Stage totals are sums, peak heap the largest.
    expect(mapStage!.totals!.peakHeapBytes).to.equal(Math.max(...maps.map((t) => t.metrics!.peakHeapBytes!)));
    expect(mapStage!.totals!.spillBytes).to.equal(maps.reduce((a, t) => a + t.metrics!.spillBytes!, 0));
  });

  it('a reduce side past its budget reports its spilled runs; a busy task its CPU and an allocating one its GC', async () => {
    const log = memoryLog();
    const job = await runLocalJob(
      `export default async (ctx) => {
        const pairs = ctx.range(30000, 2).map((i) => [i % 5000, 'v'.repeat(20) + i]);
        const groups = await pairs.groupByKey({ partitions: 2 }).count();
        const busy = await ctx.range(2, 2).map((x) => {
          let s = 0;
          for (let i = 0; i < 2e7; i++) s = (s + i * x) % 1000003;
          let keep = [];
          for (let i = 0; i < 3e5; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 1000) keep = []; }
          return s + keep.length;
        }).count();
        return [groups, busy];
      };`,
      { eventLog: log.writer, shuffleMemoryBytes: 8192 },
    );
    expect(job.error).to.equal(undefined);
    expect(job.result).to.deep.equal([5000, 2]);
    const events = log.events();
    const stages = summarizeEvents(events).stages;
    expect(stages).to.have.length(3);
    const [groupMap, groupReduce, busy] = stages;
    expect(groupReduce!.totals!.spillBytes, 'reduce-side spill').to.be.greaterThan(0);
    expect(groupReduce!.totals!.shuffleBytesRead).to.equal(groupMap!.totals!.shuffleBytesWritten);
    const busyTasks = taskEnds(events, busy!.id);
    expect(busyTasks).to.have.length(2);
    for (const t of busyTasks) {
      // 2e7 iterations: far more CPU than the few ms an idle task takes (and than the 10 ms tick of coarser sources).
      expect(t.metrics!.cpuMs).to.be.greaterThan(10);
      expect(t.metrics!.gcMs, 'GC time of a task allocating 300k objects').to.be.greaterThan(0);
      expect(t.metrics!.recordsIn).to.equal(1);
    }
  });

  it('ThreadUsage counts its own thread: a worker thread spinning is not the main thread’s CPU', async function () {
    if (!threadCpuMicros().perThread) this.skip(); // no per-thread CPU source here (not Linux, old Node)
    const usage = new ThreadUsage();
    const task = usage.start();
    // The worker spins until its own thread has used 500 ms of CPU, and says how much that was.
    const workerCpuMs = await new Promise<number>((resolve, reject) => {
      const w = new Worker(
        `const { parentPort } = require('node:worker_threads');
         const { readFileSync } = require('node:fs');
         const own = () => typeof process.threadCpuUsage === 'function'
           ? (({ user, system }) => (user + system) / 1000)(process.threadCpuUsage())
           : Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
         const start = own();
         while (own() - start < 500);
         parentPort.postMessage(own() - start);`,
        { eval: true },
      );
      w.once('message', (ms: number) => {
        resolve(ms);
        void w.terminate();
      });
      w.once('error', reject);
    });
    const figures = await task.finish();
    usage.close();
    expect(workerCpuMs).to.be.at.least(500);
    expect(figures.cpuPerThread).to.equal(true);
    // The main thread only waited: its CPU is what starting a worker costs, far below the worker's spin.
    expect(figures.cpuMs).to.be.below(workerCpuMs / 2);
  });
});

describe('task metrics on the wire (protocol 5)', () => {
  // The TaskStatus of protocol 4 as it was released (schemas.ts before version 5), kept here to check
  // that version 5 is an Avro-compatible extension of it.
  const V4 = 'spindle.de.v4';
  const v4Status = {
    type: 'record',
    name: 'StatusUpdates',
    namespace: V4,
    fields: [
      {
        name: 'updates',
        type: {
          type: 'array',
          items: {
            type: 'record',
            name: 'TaskStatus',
            fields: [
              { name: 'tid', type: 'long' },
              { name: 'succeeded', type: 'boolean' },
              { name: 'result', type: ['null', 'bytes'], default: null },
              {
                name: 'error',
                type: [
                  'null',
                  {
                    type: 'record',
                    name: 'TaskError',
                    fields: [
                      { name: 'kind', type: { type: 'enum', name: 'TaskErrorKind', symbols: ['USER', 'CLOSURE', 'SYSTEM'] } },
                      { name: 'name', type: 'string' },
                      { name: 'message', type: 'string' },
                      { name: 'stack', type: 'string' },
                    ],
                  },
                ],
                default: null,
              },
              { name: 'records', type: 'long' },
              { name: 'bytesRead', type: 'long' },
              { name: 'bytesWritten', type: 'long' },
              { name: 'durationUs', type: 'long' },
              {
                name: 'blocks',
                type: {
                  type: 'array',
                  items: {
                    type: 'record',
                    name: 'CachedBlock',
                    fields: [
                      { name: 'nodeId', type: 'int' },
                      { name: 'partition', type: 'int' },
                      { name: 'bytes', type: 'long' },
                    ],
                  },
                },
                default: [],
              },
              {
                name: 'accumulators',
                type: {
                  type: 'array',
                  items: {
                    type: 'record',
                    name: 'AccumulatorUpdate',
                    fields: [
                      { name: 'id', type: 'int' },
                      { name: 'value', type: 'bytes' },
                    ],
                  },
                },
                default: [],
              },
            ],
          },
        },
      },
    ],
  };
  const registry: Record<string, avro.Type> = {};
  for (const s of SHARED_SCHEMAS) avro.Type.forSchema(s as unknown as avro.Schema, { registry });
  const v5 = avro.Type.forSchema(MESSAGE_SCHEMAS.status as unknown as avro.Schema, { registry });
  const v4 = avro.Type.forSchema(v4Status as unknown as avro.Schema);
  const base = { result: null, error: null, records: 7, bytesRead: 100, bytesWritten: 200, durationUs: 5000, blocks: [], accumulators: [] };
  const metrics = {
    recordsRead: 3,
    shuffleBytesRead: 2 ** 34,
    shuffleFetchWaitUs: 250,
    shuffleBytesWritten: 200,
    spillBytes: 4096,
    peakHeapBytes: 2 ** 31,
    cpuUs: 1234,
    gcUs: 56,
    cpuPerThread: true,
  };

  it('round-trips a status with metrics through frames, and one without as null', () => {
    const statuses: TaskStatus[] = [
      { tid: 1, succeeded: true, ...base, metrics },
      { tid: 2, succeeded: false, ...base },
    ];
    const got = new FrameDecoder().push(encodeMessage({ type: 'status', updates: statuses }));
    const updates = (got[0] as Extract<Message, { type: 'status' }>).updates;
    expect({ ...updates[0]!.metrics }).to.deep.equal(metrics);
    expect(updates[1]!.metrics).to.equal(null);
  });

  it('is an Avro-compatible extension of version 4: each reads the other’s bytes (names matched without namespace)', () => {
    // A v5 reader of v4 bytes: metrics null (its default).
    const fromV4 = v5.createResolver(v4, { ignoreNamespaces: true } as never);
    const v4Bytes = v4.toBuffer({ updates: [{ tid: 3, succeeded: true, ...base }] });
    const read = v5.fromBuffer(v4Bytes, fromV4) as { updates: TaskStatus[] };
    expect(read.updates[0]).to.deep.include({ tid: 3, records: 7, metrics: null });
    // A v4 reader of v5 bytes skips the metrics and reads the rest.
    const fromV5 = v4.createResolver(v5, { ignoreNamespaces: true } as never);
    const v5Bytes = v5.toBuffer({ updates: [{ tid: 4, succeeded: true, ...base, metrics }] });
    const old = v4.fromBuffer(v5Bytes, fromV5) as { updates: Record<string, unknown>[] };
    expect(old.updates[0]).to.deep.include({ tid: 4, records: 7, bytesWritten: 200, durationUs: 5000 });
    expect(old.updates[0]).to.not.have.property('metrics');
  });

  it('is followed by version 6; a driver refuses an executor of version 4 at the handshake, naming both versions', async () => {
    expect(PROTOCOL_VERSION).to.equal(6);
    const [driverSide, executorSide] = socketPair();
    const refused = acceptExecutor(driverSide, randomBytes(32), { appId: 'application_1_1', nameNodes: [], hdfsUser: 'alice' });
    const replies = new FrameDecoder();
    const reply = new Promise<Message>((resolve) => executorSide.on('data', (c: Buffer) => replies.push(c).forEach(resolve)));
    // An executor of the previous version: its preamble says 4, its hello is as v4 encoded it.
    const hello = encodeMessage({ type: 'hello', executorId: '1', host: 'h', containerId: 'c', cores: 1, pid: 2, nonce: randomBytes(16) });
    expect(decodePreamble(encodePreamble(4))).to.equal(4);
    executorSide.write(Buffer.concat([encodePreamble(4), hello]));
    const err = await refused.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AuthenticationError);
    expect((err as Error).message).to.equal('executor handshake: protocol version 4 is not supported (the driver speaks 6)');
    expect(await reply).to.deep.equal({ type: 'reject', reason: 'protocol version 4 is not supported (the driver speaks 6)' });
  });
});

describe('task metrics in the event log (driver side)', () => {
  const status: TaskStatus = {
    tid: 1,
    succeeded: true,
    result: null,
    error: null,
    records: 10,
    bytesRead: 0,
    bytesWritten: 500,
    durationUs: 9000,
    metrics: {
      recordsRead: 20,
      shuffleBytesRead: 0,
      shuffleFetchWaitUs: 1500,
      shuffleBytesWritten: 500,
      spillBytes: 64,
      peakHeapBytes: 1000,
      cpuUs: 2345,
      gcUs: 7,
      cpuPerThread: true,
    },
  };

  it('names them as TaskMetrics: times in ms, output bytes without the map output', () => {
    expect(taskMetrics(status)).to.deep.equal({
      recordsIn: 20,
      bytesIn: 0,
      recordsOut: 10,
      bytesOut: 0,
      shuffleBytesRead: 0,
      shuffleBytesWritten: 500,
      shuffleFetchWaitMs: 1.5,
      spillBytes: 64,
      peakHeapBytes: 1000,
      cpuMs: 2.345,
      gcMs: 0.007,
    });
  });

  it('marks process-wide CPU, and keeps the three old counts for a status without metrics', () => {
    expect(taskMetrics({ ...status, metrics: { ...status.metrics!, cpuPerThread: false } })).to.include({ cpuProcessWide: true });
    expect(taskMetrics({ ...status, metrics: null })).to.deep.equal({ recordsOut: 10, bytesIn: 0, bytesOut: 500 });
  });
});

describe('event log cost figure', () => {
  it('the writer counts the CPU it takes in the driver recording and encoding (busyMs)', async () => {
    const log = memoryLog();
    for (let i = 0; i < 2000; i++) {
      log.writer.record({ type: 'TaskStart', stageId: 0, partition: i, attempt: 0, executorId: '1', host: 'h' });
    }
    await log.writer.close({ type: 'AppEnd', state: 'SUCCEEDED' });
    const stats = log.writer.stats();
    expect(stats).to.deep.include({ recorded: 2001, written: 1001 });
    expect(stats.busyMs).to.be.greaterThan(0);
  });
});

describe('spindle history with task metrics', () => {
  it('prints the per-stage metrics table, and none for a log without metrics', () => {
    const t = 1_700_000_000_000;
    const ns = 'spindle.ev.v1' as const;
    const events: LogEvent[] = [
      { ns, time: t, type: 'AppStart', appId: 'application_1_0001' },
      { ns, time: t + 1, type: 'StageSubmitted', stageId: 0, description: 'map side', numTasks: 1 },
      {
        ns,
        time: t + 2,
        type: 'StageCompleted',
        stageId: 0,
        succeeded: true,
        completedTasks: 1,
        failedTasks: 0,
        totals: {
          recordsIn: 1000,
          bytesIn: 4096,
          recordsOut: 1000,
          bytesOut: 0,
          shuffleBytesRead: 0,
          shuffleBytesWritten: 3 * 1024 * 1024,
          shuffleFetchWaitMs: 0,
          spillBytes: 2048,
          peakHeapBytes: 50 * 1024 * 1024,
          cpuMs: 1500,
          gcMs: 12.5,
        },
      },
      { ns, time: t + 3, type: 'AppEnd', state: 'SUCCEEDED' },
    ];
    const text = formatHistory(summarizeEvents(events), '/h/application_1_0001');
    expect(text).to.include('Stage metrics');
    expect(text).to.match(
      /STAGE +REC IN +BYTES IN +REC OUT +BYTES OUT +SHUFFLE READ +FETCH WAIT +SHUFFLE WRITE +SPILL +CPU +GC +PEAK HEAP/,
    );
    expect(text).to.match(/\n0 +1000 +4\.0 KiB +1000 +0 B +0 B +0ms +3\.0 MiB +2\.0 KiB +1\.5s +13ms +50 MiB/);
    const old = events.map((e) => (e.type === 'StageCompleted' ? { ...e, totals: { recordsOut: 1000, bytesIn: 4096, bytesOut: 0 } } : e));
    expect(formatHistory(summarizeEvents(old), '/h/application_1_0001')).to.not.include('Stage metrics');
  });
});
