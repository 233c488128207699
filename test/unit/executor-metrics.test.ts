/**
 * Executors' own figures (issue #20, the executors page): heap used and its limit, RSS, shuffle bytes
 * served, carried on protocol 6's heartbeats to the driver, thinned out into the event log, and shown
 * by the web UI and `spindle history`.
 */
import { expect } from 'chai';
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { EventRecorder } from '../../appmaster/driver/event-recorder.js';
import { TaskScheduler } from '../../appmaster/driver/scheduler.js';
import { TaskServer } from '../../appmaster/driver/task-server.js';
import { formatHistory } from '../../client/cli/history-format.js';
import { Executor } from '../../executor/index.js';
import { executorMetrics } from '../../executor/executor-metrics.js';
import { shuffleMemoryOverride } from '../../executor/shuffle-writer.js';
import {
  connectToDriver,
  encodeMessage,
  FrameDecoder,
  type ExecutorMetricsWire,
  type Message,
} from '../../protocols/driver-executor/index.js';
import { MESSAGE_SCHEMAS, SHARED_SCHEMAS } from '../../protocols/driver-executor/schemas.js';
import { EventLogWriter, stamp, summarizeEvents, decodeEventLog, type EventBody, type LogEvent } from '../../protocols/event-log/index.js';
import { uiResponse, UiModel } from '../../protocols/web-ui/index.js';

const FIGURES: ExecutorMetricsWire = {
  heapUsedBytes: 40 * 2 ** 20,
  heapLimitBytes: 2 ** 31,
  rssBytes: 120 * 2 ** 20,
  shuffleBytesServed: 2 ** 33,
  shuffleBlocksServed: 12,
};

describe('executor figures on the wire (protocol 6)', () => {
  it('round-trip on a heartbeat, and a status without them decodes as null', () => {
    const decoded = new FrameDecoder().push(
      Buffer.concat([encodeMessage({ type: 'status', updates: [], executor: FIGURES }), encodeMessage({ type: 'status', updates: [] })]),
    ) as Extract<Message, { type: 'status' }>[];
    expect({ ...decoded[0]!.executor }).to.deep.equal(FIGURES);
    expect(decoded[1]!.executor).to.equal(null);
  });

  it('extend version 5 compatibly: each reads the other’s bytes', () => {
    const registry: Record<string, avro.Type> = {};
    for (const s of SHARED_SCHEMAS) avro.Type.forSchema(s as unknown as avro.Schema, { registry });
    const v6 = avro.Type.forSchema(MESSAGE_SCHEMAS.status as unknown as avro.Schema, { registry });
    // Version 5's StatusUpdates as released: the same record without the executor field.
    const released = MESSAGE_SCHEMAS.status;
    const v5Schema = {
      ...released,
      namespace: 'spindle.de.v5',
      fields: released.fields.filter((f) => f.name !== 'executor'),
    };
    const asV5 = (schema: unknown): avro.Schema => JSON.parse(JSON.stringify(schema).replaceAll('spindle.de.v6', 'spindle.de.v5'));
    const v5Registry: Record<string, avro.Type> = {};
    for (const s of SHARED_SCHEMAS) avro.Type.forSchema(asV5(s), { registry: v5Registry });
    const v5 = avro.Type.forSchema(asV5(v5Schema), { registry: v5Registry });
    const fromV5 = v6.createResolver(v5, { ignoreNamespaces: true } as never);
    expect((v6.fromBuffer(v5.toBuffer({ updates: [] }), fromV5) as { executor: unknown }).executor).to.equal(null);
    const fromV6 = v5.createResolver(v6, { ignoreNamespaces: true } as never);
    const old = v5.fromBuffer(v6.toBuffer({ updates: [], executor: FIGURES }), fromV6) as Record<string, unknown>;
    expect({ ...old }).to.deep.equal({ updates: [] });
  });
});

describe("an executor's heartbeat carries its figures to the driver", () => {
  it('reaches the task server as executorMetrics, every heartbeat', async () => {
    const secret = randomBytes(32);
    const got: { id: string; m: ExecutorMetricsWire }[] = [];
    let twice: () => void = () => {};
    const heard = new Promise<void>((resolve) => (twice = resolve));
    const server = new TaskServer(secret, { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' }, new TaskScheduler({}), {
      executorMetrics: (id, m) => {
        got.push({ id, m });
        if (got.length === 2) twice();
      },
    });
    const port = await server.listen(0, '127.0.0.1');
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.once('connect', r));
    const { channel } = await connectToDriver(socket, secret, { executorId: '7', host: 'localhost', containerId: 'c7', cores: 1, pid: 1 });
    let served = 0;
    const runner = { run: async () => ({}) as never, addBroadcast() {}, addStage() {}, forgetStage() {}, cancel() {} };
    const executor = new Executor(channel, runner as never, {
      cores: 1,
      log: () => {},
      heartbeatMs: 20,
      metrics: () => ({ ...FIGURES, shuffleBytesServed: (served += 100) }),
    });
    void executor.run();
    await heard;
    expect(got.map((g) => g.id)).to.deep.equal(['7', '7']);
    expect(got.map((g) => g.m.shuffleBytesServed)).to.deep.equal([100, 200]);
    expect(got[0]!.m.heapLimitBytes).to.equal(FIGURES.heapLimitBytes);
    channel.destroy();
    await server.close();
  });

  it("reads this process's heap and RSS, adding the worker threads' heaps", () => {
    const alone = executorMetrics({ served: { bytes: 5, blocks: 1 } });
    expect(alone.heapUsedBytes).to.be.greaterThan(0).and.below(alone.heapLimitBytes);
    expect(alone.rssBytes).to.be.greaterThan(alone.heapUsedBytes / 2);
    expect([alone.shuffleBytesServed, alone.shuffleBlocksServed]).to.deep.equal([5, 1]);
    const pooled = executorMetrics({ served: { bytes: 0, blocks: 0 }, workerHeaps: () => ({ usedBytes: 2 ** 30, limitBytes: 2 ** 32 }) });
    expect(pooled.heapUsedBytes).to.be.at.least(2 ** 30);
    expect(pooled.heapLimitBytes - alone.heapLimitBytes).to.equal(2 ** 32);
  });
});

describe('executor figures in the event log', () => {
  function log(now: () => number): { writer: EventLogWriter; lines: () => LogEvent[] } {
    let text = '';
    const writer = new EventLogWriter(
      {
        write: async (t) => {
          text += t;
        },
      },
      { now, maxDelayMs: 1e9, executorMetricsIntervalMs: 30_000 },
    );
    return { writer, lines: () => decodeEventLog(text).events };
  }

  it('the recorder records an executor’s container memory when the driver knows it', () => {
    const bodies: EventBody[] = [];
    const recorder = new EventRecorder({ record: (b) => bodies.push(b), close: async () => true });
    recorder.executorAdded({ executorId: '1', host: 'h', containerId: 'c1', cores: 2, memoryMb: 2048 });
    recorder.executorAdded({ executorId: '2', host: 'h', containerId: 'c2', cores: 2 });
    expect(bodies.map((b) => b.type === 'ExecutorAdded' && b.memoryMb)).to.deep.equal([2048, undefined]);
  });

  it('the recorder keeps each executor’s peaks over its heartbeats', () => {
    const bodies: EventBody[] = [];
    const recorder = new EventRecorder({ record: (b) => bodies.push(b), close: async () => true });
    recorder.executorMetrics('1', { ...FIGURES, heapUsedBytes: 50, rssBytes: 500 });
    recorder.executorMetrics('1', { ...FIGURES, heapUsedBytes: 30, rssBytes: 700 });
    recorder.executorMetrics('2', { ...FIGURES, heapUsedBytes: 10, rssBytes: 100 });
    const peaks = bodies.map((b) => b.type === 'ExecutorMetrics' && [b.executorId, b.heapUsedBytes, b.peakHeapUsedBytes, b.peakRssBytes]);
    expect(peaks).to.deep.equal([
      ['1', 50, 50, 500],
      ['1', 30, 50, 700],
      ['2', 10, 10, 100],
    ]);
  });

  it('writes one per executor per interval, and the latest held back before its removal and before the end', async () => {
    let now = 0;
    const { writer, lines } = log(() => now);
    const recorder = new EventRecorder(writer);
    const beat = (id: string, served: number): void => recorder.executorMetrics(id, { ...FIGURES, shuffleBytesServed: served });
    for (let s = 0; s <= 70; s += 5) {
      now = s * 1000;
      beat('1', s);
      beat('2', s);
    }
    now = 72_000;
    recorder.executorRemoved('2', 'lost');
    now = 80_000;
    beat('1', 80);
    beat('1', 81);
    await recorder.end('SUCCEEDED');
    const written = lines().map((e) =>
      e.type === 'ExecutorMetrics' ? `${e.executorId}@${e.shuffleBytesServed}` : e.type === 'ExecutorRemoved' ? `-${e.executorId}` : e.type,
    );
    // 15 heartbeats of each over 70 s: those at 0, 30 and 60 s; executor 2's latest (70) before its removal,
    // executor 1's latest (81) before the end. Executor 1's beat at 80 s was replaced by the one after it.
    expect(written).to.deep.equal(['1@0', '2@0', '1@30', '2@30', '1@60', '2@60', '2@70', '-2', '1@81', 'AppEnd']);
  });
});

describe('executor figures in the web UI and spindle history', () => {
  const APP = 'application_1700000000000_0002';
  const events: LogEvent[] = [
    stamp({ type: 'AppStart', appId: APP, user: 'alice' }, 1000),
    stamp({ type: 'ExecutorAdded', executorId: '1', host: 'node1', containerId: 'container_1', cores: 2, memoryMb: 1024 }, 2000),
    stamp(
      {
        type: 'ExecutorMetrics',
        executorId: '1',
        heapUsedBytes: 40 * 2 ** 20,
        peakHeapUsedBytes: 300 * 2 ** 20,
        heapLimitBytes: 2 ** 31,
        rssBytes: 200 * 2 ** 20,
        peakRssBytes: 512 * 2 ** 20,
        shuffleBytesServed: 3 * 2 ** 30,
        shuffleBlocksServed: 9,
      },
      3000,
    ),
    stamp({ type: 'AppEnd', state: 'SUCCEEDED' }, 4000),
  ];

  it('the executors page shows heap used of its limit with the peak, RSS and shuffle served', () => {
    const model = new UiModel(APP);
    model.apply(events);
    const doc = model.document({ source: 'history' });
    expect(doc.executors[0]!.figures).to.deep.include({ shuffleBytesServed: 3 * 2 ** 30, peakRssBytes: 512 * 2 ** 20 });
    const page = uiResponse('/executors', new URLSearchParams(), () => doc)!.body;
    expect(page).to.include('Heap used / limit').and.include('Shuffle served');
    const row = /<tr><td>1<\/td>.*<\/tr>/.exec(page)![0];
    expect(row).to.include('40.0 MiB / 2.0 GiB').and.include('peak 300.0 MiB');
    expect(row).to.include('1024 MB').and.include('RSS 200.0 MiB, peak 512.0 MiB');
    expect(row).to.include('<td>3.0 GiB</td>');
  });

  it('spindle history lists each executor’s peak heap, peak RSS and shuffle served, and --json has them', () => {
    const summary = summarizeEvents(events, APP);
    expect(summary.executors[0]!.figures).to.deep.include({ peakHeapUsedBytes: 300 * 2 ** 20, shuffleBlocksServed: 9 });
    expect(summary.executors[0]!.memoryMb).to.equal(1024);
    const text = formatHistory(summary, '/user/alice/.spindle/history/x');
    expect(text).to.match(/PEAK HEAP\s+PEAK RSS\s+SHUFFLE SERVED/);
    expect(text).to.match(/300(\.0)? MiB\s+512(\.0)? MiB\s+3(\.0)? GiB/);
  });
});

describe('SPINDLE_SHUFFLE_MEMORY_MB', () => {
  it('sets the shuffle budget per task when it is a positive number, and says so; otherwise the default stays', () => {
    const notes: string[] = [];
    const note = (m: string): number => notes.push(m);
    expect(shuffleMemoryOverride('256', note)).to.equal(256 * 2 ** 20);
    expect(shuffleMemoryOverride('0.5', note)).to.equal(2 ** 19);
    expect(shuffleMemoryOverride(undefined, note)).to.equal(undefined);
    expect(shuffleMemoryOverride('', note)).to.equal(undefined);
    expect(shuffleMemoryOverride('lots', note)).to.equal(undefined);
    expect(shuffleMemoryOverride('-3', note)).to.equal(undefined);
    expect(notes).to.deep.equal([
      'shuffle memory per task: 256 MB (SPINDLE_SHUFFLE_MEMORY_MB)',
      'shuffle memory per task: 0.5 MB (SPINDLE_SHUFFLE_MEMORY_MB)',
      'SPINDLE_SHUFFLE_MEMORY_MB="lots" is not a positive number of MB; using the default shuffle budget',
      'SPINDLE_SHUFFLE_MEMORY_MB="-3" is not a positive number of MB; using the default shuffle budget',
    ]);
  });
});
