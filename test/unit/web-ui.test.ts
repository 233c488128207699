import { expect } from 'chai';
import { EVENT_LOG_NS, EventLogWriter, decodeEventLog, type EventBody, type LogEvent } from '../../protocols/event-log/index.js';
import { containerLogUrl, staticFiles, UiModel, uiResponse, type UiDocument } from '../../protocols/web-ui/index.js';
import { EventForwarder, teeTargets } from '../../appmaster/driver/event-forward.js';

const APP = 'application_1700000000000_0007';
let clock = 1_700_000_000_000;
const ev = (body: EventBody, at?: number): LogEvent => ({ ns: EVENT_LOG_NS, time: at ?? (clock += 100), ...body }) as LogEvent;

/** A word count as the driver records it: 3 map tasks (one fails once), 2 reduce tasks, the second still running. */
function liveEvents(): LogEvent[] {
  clock = 1_700_000_000_000;
  return [
    ev({
      type: 'AppStart',
      appId: APP,
      user: 'alice',
      attempt: 1,
      spindleVersion: '0.1.0',
      options: { executors: 2, secretish: 'x', appSecret: 's' },
    }),
    ev({ type: 'ExecutorAdded', executorId: 'e1', host: 'node-a', containerId: 'container_1700000000000_0007_01_000002', cores: 1 }),
    ev({ type: 'ExecutorAdded', executorId: 'e2', host: 'node-b', containerId: 'container_1700000000000_0007_01_000003', cores: 1 }),
    ev({ type: 'JobStart', jobId: 0, action: 'saveAsTextFile', description: 'textFile > flatMap > map > reduceByKey', stageIds: [0, 1] }),
    ev({
      type: 'StageSubmitted',
      stageId: 0,
      jobId: 0,
      description: 'shuffle 0 map side: textFile > flatMap > map',
      numTasks: 3,
      parentIds: [],
    }),
    ev({ type: 'TaskStart', stageId: 0, partition: 0, attempt: 0, executorId: 'e1', host: 'node-a', locality: 'NODE_LOCAL' }),
    ev({ type: 'TaskStart', stageId: 0, partition: 1, attempt: 0, executorId: 'e2', host: 'node-b', locality: 'ANY' }),
    ev({
      type: 'TaskEnd',
      stageId: 0,
      partition: 0,
      attempt: 0,
      executorId: 'e1',
      host: 'node-a',
      succeeded: true,
      durationMs: 100,
      metrics: { bytesIn: 1000, recordsOut: 10, shuffleBytesWritten: 300 },
    }),
    ev({
      type: 'TaskEnd',
      stageId: 0,
      partition: 1,
      attempt: 0,
      executorId: 'e2',
      host: 'node-b',
      succeeded: false,
      durationMs: 50,
      error: 'Error: <boom>\n    at x',
    }),
    ev({ type: 'TaskStart', stageId: 0, partition: 2, attempt: 0, executorId: 'e1', host: 'node-a' }),
    ev({ type: 'TaskStart', stageId: 0, partition: 1, attempt: 1, executorId: 'e2', host: 'node-b' }),
    ev({
      type: 'TaskEnd',
      stageId: 0,
      partition: 2,
      attempt: 0,
      executorId: 'e1',
      host: 'node-a',
      succeeded: true,
      durationMs: 300,
      metrics: { bytesIn: 3000, recordsOut: 30, shuffleBytesWritten: 900, peakHeapBytes: 5 << 20 },
    }),
    ev({
      type: 'TaskEnd',
      stageId: 0,
      partition: 1,
      attempt: 1,
      executorId: 'e2',
      host: 'node-b',
      succeeded: true,
      durationMs: 200,
      metrics: { bytesIn: 2000, recordsOut: 20, shuffleBytesWritten: 600 },
    }),
    // Live, the counts are zero: the log writer fills them in.
    ev({ type: 'StageCompleted', stageId: 0, succeeded: true, completedTasks: 0, failedTasks: 0 }),
    ev({ type: 'StageSubmitted', stageId: 1, jobId: 0, description: 'reduceByKey > saveAsTextFile', numTasks: 2, parentIds: [0] }),
    ev({ type: 'TaskStart', stageId: 1, partition: 0, attempt: 0, executorId: 'e1', host: 'node-a' }),
    ev({ type: 'TaskStart', stageId: 1, partition: 1, attempt: 0, executorId: 'e2', host: 'node-b' }),
    ev({
      type: 'TaskEnd',
      stageId: 1,
      partition: 0,
      attempt: 0,
      executorId: 'e1',
      host: 'node-a',
      succeeded: true,
      durationMs: 80,
      metrics: { bytesOut: 50, shuffleBytesRead: 900 },
    }),
  ];
}

const CONTEXT = { source: 'live' as const, amState: 'running', nodeVersion: 'v20.0.0', spindleVersion: '0.1.0' };

function doc(events: LogEvent[], context = CONTEXT): UiDocument {
  const m = new UiModel(APP);
  m.apply(events);
  return m.document(context, (c) => containerLogUrl('node-a:8042', c, 'alice'));
}

function page(d: UiDocument, path: string): { status: number; type: string; body: string } {
  const [p, q] = path.split('?');
  const r = uiResponse(p!, new URLSearchParams(q ?? ''), () => d);
  if (!r) throw new Error(`no route for ${path}`);
  return r;
}

describe('web UI model (protocols/web-ui)', () => {
  it('folds a running job: stage counts, running tasks, executors, quantiles', () => {
    const d = doc(liveEvents());
    expect(d.app).to.deep.include({ appId: APP, user: 'alice', state: 'RUNNING', complete: false });
    expect(d.jobs).to.have.length(1);
    expect(d.jobs[0]).to.deep.include({ state: 'running', stageIds: [0, 1] });
    const [s0, s1] = d.stages;
    expect(s0).to.deep.include({ numTasks: 3, completedTasks: 3, failedTasks: 1, runningTasks: 0, state: 'succeeded', parentIds: [] });
    expect(s0!.tasks.map((t) => [t.partition, t.attempt, t.status])).to.deep.equal([
      [0, 0, 'succeeded'],
      [1, 0, 'failed'],
      [2, 0, 'succeeded'],
      [1, 1, 'succeeded'],
    ]);
    expect(s0!.durationQuantiles).to.deep.equal([100, 100, 200, 300, 300]);
    expect(s0!.totals).to.deep.equal({ bytesIn: 6000, recordsOut: 60, shuffleBytesWritten: 1800, peakHeapBytes: 5 << 20 });
    expect(s1).to.deep.include({ numTasks: 2, completedTasks: 1, failedTasks: 0, runningTasks: 1, state: 'running', parentIds: [0] });
    const e2 = d.executors.find((x) => x.id === 'e2')!;
    expect(e2).to.deep.include({ tasksSucceeded: 1, tasksFailed: 1, tasksRunning: 1, shuffleBytesWritten: 600 });
    expect(d.executors.find((x) => x.id === 'e1')!.peakHeapBytes).to.equal(5 << 20);
    expect(e2.logUrl).to.equal('http://node-a:8042/node/containerlogs/container_1700000000000_0007_01_000003/alice');
    expect(d.version).to.equal(liveEvents().length);
  });

  it('from a log whose task events were capped, takes the counts StageCompleted carries', () => {
    clock = 1_700_000_000_000;
    const events = [
      ev({ type: 'AppStart', appId: APP }),
      ev({ type: 'StageSubmitted', stageId: 4, description: 'count', numTasks: 1000 }),
      ev({ type: 'TaskStart', stageId: 4, partition: 0, attempt: 0, executorId: 'e1' }),
      ev({ type: 'TaskEnd', stageId: 4, partition: 0, attempt: 0, executorId: 'e1', succeeded: true, durationMs: 5 }),
      ev({
        type: 'StageCompleted',
        stageId: 4,
        succeeded: true,
        completedTasks: 1000,
        failedTasks: 2,
        durationQuantiles: [1, 2, 3, 4, 50],
        droppedTaskEvents: 1001,
        totals: { recordsOut: 7 },
      }),
      ev({ type: 'AppEnd', state: 'SUCCEEDED' }),
    ];
    const d = doc(events, { source: 'history' } as never);
    expect(d.stages[0]).to.deep.include({ completedTasks: 1000, failedTasks: 2, tasksNotShown: 1001, durationQuantiles: [1, 2, 3, 4, 50] });
    expect(d.stages[0]!.totals).to.deep.equal({ recordsOut: 7 });
    expect(d.app).to.deep.include({ state: 'SUCCEEDED', complete: true, durationMs: 500 });
  });

  it("keeps at most the cap of task rows per stage, counting the rest; a stage's end cancels attempts still running", () => {
    clock = 1_700_000_000_000;
    const m = new UiModel(APP, 2);
    m.apply([ev({ type: 'StageSubmitted', stageId: 0, description: 'x', numTasks: 4 })]);
    for (let p = 0; p < 4; p++) m.apply([ev({ type: 'TaskStart', stageId: 0, partition: p, attempt: 0, executorId: 'e1' })]);
    for (let p = 0; p < 3; p++)
      m.apply([ev({ type: 'TaskEnd', stageId: 0, partition: p, attempt: 0, executorId: 'e1', succeeded: true, durationMs: 1 })]);
    let s = m.document(CONTEXT).stages[0]!;
    expect(s).to.deep.include({ completedTasks: 3, runningTasks: 1, tasksNotShown: 3 });
    expect(s.tasks).to.have.length(2);
    expect(m.document(CONTEXT).executors[0]!.tasksRunning).to.equal(1);
    m.apply([ev({ type: 'StageCompleted', stageId: 0, succeeded: false, error: 'cancelled', completedTasks: 0, failedTasks: 0 })]);
    s = m.document(CONTEXT).stages[0]!;
    expect(s).to.deep.include({ runningTasks: 0, state: 'failed', completedTasks: 3 });
    expect(m.document(CONTEXT).executors[0]!.tasksRunning).to.equal(0);
  });

  it('keeps task rows for the last finished stages only, their counts and quantiles for all', () => {
    clock = 1_700_000_000_000;
    const m = new UiModel(APP, 10, 2);
    for (let id = 0; id < 4; id++) {
      m.apply([
        ev({ type: 'StageSubmitted', stageId: id, description: `s${id}`, numTasks: 1 }),
        ev({ type: 'TaskStart', stageId: id, partition: 0, attempt: 0, executorId: 'e1' }),
        ev({ type: 'TaskEnd', stageId: id, partition: 0, attempt: 0, executorId: 'e1', succeeded: true, durationMs: 10 + id }),
        ev({ type: 'StageCompleted', stageId: id, succeeded: true, completedTasks: 0, failedTasks: 0 }),
      ]);
    }
    const stages = m.document(CONTEXT).stages;
    expect(stages.map((s) => [s.tasks.length, s.tasksNotShown, s.completedTasks])).to.deep.equal([
      [0, 1, 1],
      [0, 1, 1],
      [1, 0, 1],
      [1, 0, 1],
    ]);
    expect(stages[0]!.durationQuantiles).to.deep.equal([10, 10, 10, 10, 10]);
  });

  it('gives the same numbers live (forwarded events) as from the log the writer wrote of them', async () => {
    let text = '';
    const writer = new EventLogWriter({ write: async (t) => void (text += t) }, { maxTasksPerStage: 2 });
    const forwarded: LogEvent[] = [];
    const forwarder = new EventForwarder((events) => forwarded.push(...events), { maxEvents: 3 });
    const tee = teeTargets(writer, forwarder);
    const events = liveEvents();
    for (const e of events.slice(0, -1)) {
      const { ns: _ns, time: _t, ...body } = e;
      tee.record(body as EventBody);
    }
    await tee.close({ type: 'AppEnd', state: 'SUCCEEDED' });
    const live = doc(forwarded);
    const after = doc(decodeEventLog(text).events, { source: 'history' } as never);
    const counts = (d: UiDocument) => d.stages.map((s) => [s.id, s.numTasks, s.completedTasks, s.failedTasks, s.state]);
    expect(forwarded).to.have.length(events.length);
    expect(counts(after)).to.deep.equal(counts(live));
    expect(after.stages[0]!.tasksNotShown).to.be.greaterThan(0);
  });
});

describe('web UI pages (protocols/web-ui)', () => {
  const d = doc(liveEvents());

  it('renders the overview with the application, its state and executors, with relative links only', () => {
    const r = page(d, '/');
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^text\/html/);
    expect(r.body).to.include(APP).and.include('alice').and.include('<span id="executors-running">2</span> running');
    expect(r.body).to.include('data-live="1"');
    // Every href and src is relative: nothing starts with / or names another origin except log links.
    const links = [...r.body.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(links.filter((l) => l.startsWith('/') || /^https?:/.test(l))).to.deep.equal([]);
  });

  it('renders the stage page: its tasks, escaped errors, quantiles', () => {
    const r = page(d, '/stage?id=0');
    expect(r.body).to.include('<span id="task-rows">4</span>');
    expect(r.body).to.include('<span id="stage-done">3</span>');
    expect(r.body).to.include('Error: &lt;boom&gt;').and.not.include('<boom>');
    expect(r.body)
      .to.match(/<td>node-a<\/td><td>NODE_LOCAL<\/td>/)
      .and.match(/<td>node-b<\/td><td>ANY<\/td>/);
    expect(r.body).to.match(/<td>Duration<\/td><td>100 ms<\/td><td>100 ms<\/td><td>200 ms<\/td><td>300 ms<\/td><td>300 ms<\/td>/);
    expect(page(d, '/stage?id=9').status).to.equal(404);
    expect(page(d, '/stage?id=x').status).to.equal(404);
  });

  it('renders the stages, jobs, DAG, executors and environment pages', () => {
    expect(page(d, '/stages').body).to.include('shuffle 0 map side: textFile &gt; flatMap &gt; map');
    expect(page(d, '/jobs').body).to.include('saveAsTextFile');
    const dag = page(d, '/dag').body;
    expect(dag).to.include('<svg class="dag"').and.include('href="stage?id=1"');
    expect(dag.match(/<line /g)).to.have.length(1);
    expect(page(d, '/executors').body).to.include(
      'href="http://node-a:8042/node/containerlogs/container_1700000000000_0007_01_000002/alice"',
    );
    const env = page(d, '/environment').body;
    expect(env).to.include('v20.0.0').and.include('executors');
    expect(env).to.not.include('appSecret');
  });

  it("shows a failed application's cause on its overview, escaped; from the log, executors as used and no polling", () => {
    const events = [...liveEvents(), ev({ type: 'AppEnd', state: 'FAILED', cause: 'Error: bad record <42>' })];
    const failed = doc(events, { source: 'history', eventLog: '/user/alice/.spindle/history/x' } as never);
    const r = page(failed, '/');
    expect(r.body).to.include('The application failed').and.include('Error: bad record &lt;42&gt;');
    expect(r.body).to.include('data-live="0"').and.include('from the event log');
    expect(r.body).to.include('2 used');
    // The reduce stage was cut off by the end: it shows as failed, nothing still running.
    expect(failed.stages[1]).to.deep.include({ state: 'failed', runningTasks: 0 });
    expect(failed.executors.every((x) => x.tasksRunning === 0)).to.equal(true);
  });

  it('serves the model as JSON (without task rows when polled) and the static files', () => {
    const full = JSON.parse(page(d, '/api/model').body) as UiDocument;
    expect(full.stages[0]!.tasks).to.have.length(4);
    const light = JSON.parse(page(d, '/api/model?tasks=0').body) as UiDocument;
    expect(light.stages[0]!.tasks).to.deep.equal([]);
    expect(light.version).to.equal(d.version);
    expect(page(d, '/static/ui.css').type).to.match(/^text\/css/);
    expect(page(d, '/static/ui.js').body).to.include('api/model');
    expect(uiResponse('/nope', new URLSearchParams(), () => d)).to.equal(undefined);
    expect(Object.keys(staticFiles()).sort()).to.deep.equal(['ui.css', 'ui.js']);
  });
});
